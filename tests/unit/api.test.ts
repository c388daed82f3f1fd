import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../src/lib/client/api';

function answer(status: number, body: unknown = {}, headers: Record<string, string> = {}) {
	return new Response(JSON.stringify(body), { status, headers });
}

describe('api', () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});

	afterEach(() => {
		vi.unstubAllGlobals();
		vi.useRealTimers();
	});

	it('sends a keyed write again with the same key when its answer is lost', async () => {
		const fetch = vi
			.fn()
			.mockRejectedValueOnce(new TypeError('Failed to fetch'))
			.mockResolvedValueOnce(answer(201, { flashSale: { id: 1 } }));
		vi.stubGlobal('fetch', fetch);

		const result = api('POST', '/x', { a: 1 }, { idempotencyKey: 'k1' });
		await vi.advanceTimersByTimeAsync(1000);

		expect(await result).toMatchObject({ ok: true, status: 201 });
		expect(fetch).toHaveBeenCalledTimes(2);
		for (const [, init] of fetch.mock.calls) {
			expect(init.headers['idempotency-key']).toBe('k1');
		}
	});

	it('never repeats a write without a key', async () => {
		const fetch = vi.fn().mockRejectedValue(new TypeError('Failed to fetch'));
		vi.stubGlobal('fetch', fetch);

		const result = api('POST', '/x');
		await vi.advanceTimersByTimeAsync(10_000);

		expect(await result).toMatchObject({ ok: false, failure: { category: 'network' } });
		expect(fetch).toHaveBeenCalledTimes(1);
	});

	it('waits the Retry-After of a 503 before sending again', async () => {
		const fetch = vi
			.fn()
			.mockResolvedValueOnce(answer(503, {}, { 'retry-after': '2' }))
			.mockResolvedValueOnce(answer(201));
		vi.stubGlobal('fetch', fetch);

		const result = api('POST', '/x', undefined, { idempotencyKey: 'k2' });
		await vi.advanceTimersByTimeAsync(1999);
		expect(fetch).toHaveBeenCalledTimes(1);
		await vi.advanceTimersByTimeAsync(1);

		expect(await result).toMatchObject({ ok: true });
		expect(fetch).toHaveBeenCalledTimes(2);
	});

	it('does not retry while the browser is offline', async () => {
		vi.stubGlobal('navigator', { onLine: false });
		const fetch = vi.fn().mockRejectedValue(new TypeError('Failed to fetch'));
		vi.stubGlobal('fetch', fetch);

		const result = api('POST', '/x', undefined, { idempotencyKey: 'k3' });
		await vi.advanceTimersByTimeAsync(10_000);

		expect(await result).toMatchObject({ ok: false });
		expect(fetch).toHaveBeenCalledTimes(1);
	});
});
