/**
 * Small JSON helper for the writes that are not optimistic (sign-in, subscriptions, flash
 * sales). Failures come back as the same categorised `RequestFailure` the machines use, so
 * every message a person sees is worded in one place.
 */
import { browserIsOnline } from '$machines/adapters/connectivity';
import {
	parseRetryAfter,
	retryDelay,
	retryPolicy,
	toFailure,
	type RequestFailure
} from '$machines/retry-policy';

export type ApiResult<T> =
	{ ok: true; status: number; body: T } | { ok: false; failure: RequestFailure };

/** Statuses that say "not now" rather than "no": worth another try of a keyed write. */
const BUSY = new Set([429, 502, 503, 504]);

/**
 * Sends one JSON request. With `idempotencyKey`, a write whose answer did not arrive (or that
 * met a busy server) is sent again with the same key, up to the retry policy's limit and
 * never while the browser is offline; the server performs it once whatever happens.
 *
 * @example await api('POST', '/api/creators/c1/subscriptions', undefined, { idempotencyKey: createId() })
 */
export async function api<T = unknown>(
	method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
	url: string,
	body?: unknown,
	options: { idempotencyKey?: string } = {}
): Promise<ApiResult<T>> {
	const headers: Record<string, string> = {};
	if (body !== undefined) headers['content-type'] = 'application/json';
	if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;

	let response: Response | null = null;
	for (let retries = 0; ; retries += 1) {
		try {
			response = await fetch(url, {
				method,
				credentials: 'same-origin',
				headers,
				body: body === undefined ? undefined : JSON.stringify(body)
			});
		} catch {
			response = null;
		}

		const answered = response !== null && !BUSY.has(response.status);
		const mayRetry =
			!!options.idempotencyKey && retries < retryPolicy.maxRetries && browserIsOnline();
		if (answered || !mayRetry) break;

		const retryAfterMs = parseRetryAfter(response?.headers.get('retry-after'));
		await new Promise((wait) =>
			setTimeout(wait, retryDelay(retries + 1, retryPolicy, retryAfterMs))
		);
	}
	if (response === null) return { ok: false, failure: toFailure(null, null) };

	const text = await response.text();
	let parsed: unknown = null;
	try {
		parsed = text ? JSON.parse(text) : null;
	} catch {
		parsed = null;
	}

	if (!response.ok) return { ok: false, failure: toFailure(response.status, parsed) };
	return { ok: true, status: response.status, body: parsed as T };
}

/** Formats integer minor units (cents) as dollars. */
export function formatMoney(cents: number | undefined): string {
	return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(
		(cents ?? 0) / 100
	);
}

/** `1 subscriber`, `2 subscribers`. */
export function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
