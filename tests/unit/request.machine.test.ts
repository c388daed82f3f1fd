import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { OfflineError, type HttpRequest, type HttpResponse } from '../../machines/adapters/http';
import { requestMachine } from '../../machines/request.machine';
import { errorMessages } from '../../machines/retry-policy';
import { fail, ok, scriptedServer, settle, type Answer } from './support/fixtures';

const get: HttpRequest = { method: 'GET', url: '/api/creators/c1' };

function start(script: Answer[], request: HttpRequest = get) {
	const server = scriptedServer(script);
	const actor = createActor(
		requestMachine.provide({ actors: { performRequest: server.performRequest } }),
		{ input: request }
	).start();

	return { actor, requests: server.requests };
}

describe('requestMachine', () => {
	beforeEach(() => {
		vi.useFakeTimers();
		// Retry waits carry random jitter; at 0 they are exactly the doubling schedule.
		vi.spyOn(Math, 'random').mockReturnValue(0);
	});

	afterEach(() => {
		vi.useRealTimers();
		vi.restoreAllMocks();
	});

	it('sends the request as given when it starts', async () => {
		const patch: HttpRequest = { method: 'PATCH', url: '/api/creators/c1', body: { bio: 'y' } };
		const { actor, requests } = start([ok({ creator: null })], patch);

		expect(actor.getSnapshot().value).toBe('attempting');
		await settle();

		expect(requests).toEqual([patch]);
	});

	it('succeeds after one request when the server answers 2xx', async () => {
		const { actor, requests } = start([ok({ creator: 'c1' }, 201)]);
		await settle();

		const snapshot = actor.getSnapshot();
		expect(snapshot.value).toBe('succeeded');
		expect(snapshot.status).toBe('done');
		expect(snapshot.output).toEqual({ ok: true, status: 201, body: { creator: 'c1' } });
		expect(requests).toHaveLength(1);
	});

	it.each([401, 403, 404, 400, 409])(
		'gives up after one request when the answer is %i',
		async (status) => {
			const { actor, requests } = start([fail(status)]);
			await settle();

			expect(actor.getSnapshot().value).toBe('gaveUp');
			expect(requests).toHaveLength(1);
			expect(actor.getSnapshot().output).toMatchObject({
				ok: false,
				attempts: 1,
				failure: { status }
			});
		}
	);

	it('waits 250, 500 and 1000 ms between tries when the server keeps answering 503', async () => {
		const { actor, requests } = start([fail(503, 'Busy.')]);
		await settle();

		const waits: number[] = [];
		for (const delay of [250, 500, 1000]) {
			expect(actor.getSnapshot().value).toBe('waiting');
			const before = requests.length;
			await vi.advanceTimersByTimeAsync(delay - 1);
			expect(requests).toHaveLength(before);
			await vi.advanceTimersByTimeAsync(1);
			expect(requests).toHaveLength(before + 1);
			waits.push(delay);
		}

		expect(waits).toEqual([250, 500, 1000]);
		expect(actor.getSnapshot().value).toBe('gaveUp');
		expect(actor.getSnapshot().output).toEqual({
			ok: false,
			attempts: 4,
			failure: { category: 'server', status: 503, message: errorMessages.server },
			body: { message: 'Busy.' }
		});
		expect(vi.getTimerCount()).toBe(0);
	});

	it('counts retries in context when a retry is scheduled', async () => {
		const { actor } = start([fail(500)]);
		await settle();

		expect(actor.getSnapshot().context).toMatchObject({
			retries: 1,
			lastFailure: { category: 'server', status: 500 }
		});
	});

	it('sends 4 requests and reports a network failure when no answer ever arrives', async () => {
		const { actor, requests } = start(['network']);
		await vi.advanceTimersByTimeAsync(2000);

		expect(requests).toHaveLength(4);
		expect(actor.getSnapshot().output).toMatchObject({
			ok: false,
			attempts: 4,
			failure: { category: 'network', status: null }
		});
	});

	it('succeeds on the third request when the server recovers', async () => {
		const { actor, requests } = start([fail(503), 'network', ok({ creator: 'c1' })]);
		await vi.advanceTimersByTimeAsync(750);

		expect(requests).toHaveLength(3);
		expect(actor.getSnapshot().output).toEqual({ ok: true, status: 200, body: { creator: 'c1' } });
	});

	it('cancels the retry timer when stopped while waiting', async () => {
		const { actor } = start([fail(503)]);
		await settle();
		expect(vi.getTimerCount()).toBe(1);

		actor.stop();

		expect(vi.getTimerCount()).toBe(0);
	});

	it('aborts the request in flight when stopped', () => {
		let signal: AbortSignal | undefined;
		const hanging = fromPromise<HttpResponse, HttpRequest>(({ signal: given }) => {
			signal = given;

			return new Promise(() => {});
		});
		const actor = createActor(requestMachine.provide({ actors: { performRequest: hanging } }), {
			input: get
		}).start();

		actor.stop();

		expect(signal?.aborted).toBe(true);
	});
});

describe('requestMachine under a slow, busy or absent network', () => {
	beforeEach(() => {
		vi.useFakeTimers();
		// Retry waits carry random jitter; at 0 they are exactly the doubling schedule.
		vi.spyOn(Math, 'random').mockReturnValue(0);
	});

	afterEach(() => {
		vi.useRealTimers();
		vi.restoreAllMocks();
		vi.unstubAllGlobals();
	});

	it('abandons a try that gets no answer in time and retries it', async () => {
		const attempts: AbortSignal[] = [];
		const hanging = fromPromise<HttpResponse, HttpRequest>(({ signal }) => {
			attempts.push(signal);
			return attempts.length === 1
				? new Promise(() => {})
				: Promise.resolve({ status: 200, body: {} });
		});
		const actor = createActor(requestMachine.provide({ actors: { performRequest: hanging } }), {
			input: { ...get, timeoutMs: 1000 }
		}).start();

		await vi.advanceTimersByTimeAsync(999);
		expect(attempts).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1 + 250);

		expect(attempts[0].aborted).toBe(true);
		expect(attempts).toHaveLength(2);
		expect(actor.getSnapshot().value).toBe('succeeded');
	});

	it('waits at least the Retry-After the server sent with a 503', async () => {
		const { actor, requests } = start([
			{ status: 503, body: null, retryAfterMs: 3000 },
			ok({ creator: 'c1' })
		]);
		await settle();

		await vi.advanceTimersByTimeAsync(2999);
		expect(requests).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(requests).toHaveLength(2);
		expect(actor.getSnapshot().value).toBe('succeeded');
	});

	it('does not retry while the browser reports offline', async () => {
		let sent = 0;
		const offline = fromPromise<HttpResponse, HttpRequest>(async () => {
			sent += 1;
			throw new OfflineError();
		});
		const actor = createActor(requestMachine.provide({ actors: { performRequest: offline } }), {
			input: get
		}).start();
		await vi.advanceTimersByTimeAsync(60_000);

		expect(sent).toBe(1);
		expect(actor.getSnapshot().output).toMatchObject({
			ok: false,
			failure: { category: 'network' }
		});
	});
});
