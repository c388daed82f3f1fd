/** Reconnect timing and the socket address, kept apart from the socket chart so both are testable. */

export const reconnectBackoff = { baseDelayMs: 500, maxDelayMs: 8000 };

/**
 * The wait before reconnect attempt `attempt` (1 for the first reconnect).
 *
 * @example [1, 2, 3, 4, 5].map((n) => reconnectDelay(n)) // [500, 1000, 2000, 4000, 8000]
 */
export function reconnectDelay(attempt: number, backoff = reconnectBackoff): number {
	const exponent = Math.max(0, attempt - 1);

	return Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** exponent);
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
