/** Reconnect timing and the socket address, kept apart from the socket chart so both are testable. */

export const reconnectBackoff = { baseDelayMs: 500, maxDelayMs: 8000 };

/**
 * The longest wait before reconnect attempt `attempt` (1 for the first reconnect): doubling,
 * capped.
 *
 * @example [1, 2, 3, 4, 5].map((n) => reconnectCeiling(n)) // [500, 1000, 2000, 4000, 8000]
 */
export function reconnectCeiling(attempt: number, backoff = reconnectBackoff): number {
	const exponent = Math.max(0, attempt - 1);

	return Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** exponent);
}

/**
 * The wait before reconnect attempt `attempt`, with full jitter: a random point in
 * [0, ceiling], drawn after the cap, so a thousand tabs dropped by one restart spread their
 * reconnects over the whole window instead of arriving together. A server that asked for a
 * pause (`notBeforeMs`) is never contacted sooner.
 *
 * @example reconnectDelay(3, { random: () => 0.5 }) // 1000
 */
export function reconnectDelay(
	attempt: number,
	options: { random?: () => number; notBeforeMs?: number; backoff?: typeof reconnectBackoff } = {}
): number {
	const { random = Math.random, notBeforeMs = 0, backoff = reconnectBackoff } = options;
	const jittered = Math.floor(random() * (reconnectCeiling(attempt, backoff) + 1));

	return Math.max(notBeforeMs, jittered);
}

/**
 * The app's WebSocket address on the page's own host; an https page needs wss:// or the
 * browser blocks the socket as mixed content.
 *
 * @example socketUrl({ protocol: 'https:', host: 'example.com' }) // 'wss://example.com/ws'
 */
export function socketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
	const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';

	return `${scheme}//${location.host}/ws`;
}
