import { afterEach, describe, expect, it, vi } from 'vitest';
import { OfflineError, sendRequest } from '../../machines/adapters/http';

function stubFetch(response: Response | Error) {
	const fetch = vi.fn(async () => {
		if (response instanceof Error) throw response;

		return response;
	});
	vi.stubGlobal('fetch', fetch);

	return fetch;
}

describe('http adapter', () => {
	afterEach(() => {
		vi.unstubAllGlobals();
	});

	it('sends JSON with the session cookie when a body is given', async () => {
		const fetch = stubFetch(Response.json({ creator: { id: 'c1' } }));
		const signal = new AbortController().signal;

		const answer = await sendRequest(
			{ method: 'PATCH', url: '/api/creators/c1', body: { bio: 'y' } },
			signal
		);

		expect(answer).toEqual({ status: 200, body: { creator: { id: 'c1' } } });
		expect(fetch).toHaveBeenCalledWith('/api/creators/c1', {
			method: 'PATCH',
			credentials: 'same-origin',
			headers: { accept: 'application/json', 'content-type': 'application/json' },
			body: '{"bio":"y"}',
			signal
		});
	});

	it('sends no body or content type when there is no body', async () => {
		const fetch = stubFetch(Response.json({}));

		await sendRequest({ method: 'GET', url: '/api/creators/c1' });

		expect(fetch).toHaveBeenCalledWith(
			'/api/creators/c1',
			expect.objectContaining({ headers: { accept: 'application/json' }, body: undefined })
		);
	});

	it('resolves with the status when the server answers an error', async () => {
		stubFetch(Response.json({ message: 'Not yours.' }, { status: 403 }));

		await expect(sendRequest({ method: 'GET', url: '/x' })).resolves.toEqual({
			status: 403,
			body: { message: 'Not yours.' }
		});
	});

	it('gives null for an empty answer and the text for a non-JSON answer', async () => {
		stubFetch(new Response(null, { status: 204 }));
		await expect(sendRequest({ method: 'DELETE', url: '/x' })).resolves.toEqual({
			status: 204,
			body: null
		});

		stubFetch(new Response('<h1>Bad gateway</h1>', { status: 502 }));
		await expect(sendRequest({ method: 'GET', url: '/x' })).resolves.toEqual({
			status: 502,
			body: '<h1>Bad gateway</h1>'
		});
	});

	it('rejects when no answer arrives', async () => {
		stubFetch(new TypeError('Failed to fetch'));

		await expect(sendRequest({ method: 'GET', url: '/x' })).rejects.toThrow('Failed to fetch');
	});
});

describe('sendRequest offline', () => {
	afterEach(() => {
		vi.unstubAllGlobals();
	});

	it('rejects with an OfflineError when no answer comes and the browser is offline', async () => {
		vi.stubGlobal('navigator', { onLine: false });
		vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));

		await expect(sendRequest({ method: 'GET', url: '/x' })).rejects.toBeInstanceOf(OfflineError);
	});
});
