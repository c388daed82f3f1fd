/**
 * Small JSON helper for the writes that are not optimistic (sign-in, subscriptions, flash
 * sales). Failures come back as the same categorised `RequestFailure` the machines use, so
 * every message a person sees is worded in one place.
 */
import { toFailure, type RequestFailure } from '$machines/retry-policy';

export type ApiResult<T> =
	{ ok: true; status: number; body: T } | { ok: false; failure: RequestFailure };

export async function api<T = unknown>(
	method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
	url: string,
	body?: unknown
): Promise<ApiResult<T>> {
	let response: Response;
	try {
		response = await fetch(url, {
			method,
			credentials: 'same-origin',
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
	} catch {
		return { ok: false, failure: toFailure(null, null) };
	}

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
