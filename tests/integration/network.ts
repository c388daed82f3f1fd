/**
 * The network between Node "tabs" and the real server: `fetch` with relative URLs resolved
 * against the server and the tab's cookie attached, optionally with seeded faults the way a
 * real network produces them.
 */

/** What can go wrong with one request. */
export type Fault = 'serverError' | 'timeout' | 'lostAnswer';

export interface FaultPlan {
	/** 0..1: share of requests that meet a fault. */
	rate: number;
	/** Deterministic source of randomness, e.g. `seededRandom(seed)`. */
	random: () => number;
	/** Counts each fault injected, by kind. */
	injected: Record<Fault, number>;
	/** Counts every write that went through the plan. */
	writes: number;
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;

	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const KINDS: Fault[] = ['serverError', 'timeout', 'lostAnswer'];

/**
 * Replaces `globalThis.fetch`; returns a function that puts the original back. With a plan,
 * writes may fail: `serverError` answers 503 as a proxy in front of the server would;
 * `timeout` sends the request but never answers, so the tab's own timeout gives up on it
 * (it may still land later, out of order); `lostAnswer` lets the server commit and then
 * drops its answer.
 */
export function useServerFetch(options: { baseUrl: string; cookie?: string; faults?: FaultPlan }) {
	const original = globalThis.fetch;

	globalThis.fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
		// Only the app's own calls (relative URLs) are the tab's; a test's absolute calls go as
		// they are, so signing someone else in does not borrow (and rotate) the tab's session.
		if (typeof input !== 'string' || !input.startsWith('/')) return original(input, init);

		const url = options.baseUrl + input;
		const headers = new Headers(init.headers);
		if (options.cookie) headers.set('cookie', options.cookie);
		const send = () => original(url, { ...init, headers, signal: undefined });

		const plan = options.faults;
		const isWrite = (init.method ?? 'GET') !== 'GET';
		if (plan && isWrite) plan.writes += 1;
		if (!plan || !isWrite || plan.random() >= plan.rate) return original(url, { ...init, headers });

		const fault = KINDS[Math.floor(plan.random() * KINDS.length)];
		plan.injected[fault] += 1;
		if (fault === 'serverError') {
			return new Response(JSON.stringify({ message: 'Injected failure.' }), {
				status: 503,
				headers: { 'content-type': 'application/json' }
			});
		}
		if (fault === 'timeout') {
			// The abandoned request still reaches the server, later than its retry perhaps.
			void send().then(
				(answer) => answer.text(),
				() => undefined
			);
			// No answer ever comes; the tab's timeout stops waiting and aborts.
			return new Promise<Response>((_, reject) => {
				const abort = () => reject(new DOMException('The request was abandoned.', 'AbortError'));
				if (init.signal?.aborted) abort();
				init.signal?.addEventListener('abort', abort, { once: true });
			});
		}
		const answer = await send();
		await answer.text();
		throw new TypeError('fetch failed: injected lost answer');
	};

	return () => {
		globalThis.fetch = original;
	};
}
