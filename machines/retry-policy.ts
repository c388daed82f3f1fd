/**
 * How a failed HTTP call is classified, whether it is worth trying again, how long to wait
 * before the next try, and what a person is told about it.
 */

export type ErrorCategory = 'auth' | 'notFound' | 'invalid' | 'conflict' | 'server' | 'network';

export interface RequestFailure {
	category: ErrorCategory;
	/** The HTTP status, or null when no answer arrived at all. */
	status: number | null;
	message: string;
	fieldErrors?: Record<string, string>;
}

export interface RetryPolicy {
	/** Tries after the first one; 3 means at most 4 requests. */
	maxRetries: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** How long one try may wait for an answer before it counts as lost. */
	timeoutMs: number;
}

/** The defaults every request uses. */
export const retryPolicy: RetryPolicy = {
	maxRetries: 3,
	baseDelayMs: 250,
	maxDelayMs: 4000,
	timeoutMs: 15_000
};

/**
 * Sorts an HTTP status (or null for "no answer") into the category the UI and the retry
 * policy act on.
 *
 * @example categorize(503) // 'server'
 */
export function categorize(status: number | null): ErrorCategory {
	if (status === null) return 'network';
	if (status === 401 || status === 403) return 'auth';
	if (status === 404) return 'notFound';
	if (status === 409 || status === 412) return 'conflict';
	// A timeout or a rate limit is the server being busy, not the request being wrong.
	if (status === 408 || status === 429) return 'server';
	if (status >= 400 && status < 500) return 'invalid';

	return 'server';
}

/** Only failures that may go away by themselves are tried again. */
export function isRetryable(category: ErrorCategory): boolean {
	return category === 'server' || category === 'network';
}

/**
 * The wait before retry number `retry` (1 for the first retry): the doubling schedule, capped,
 * plus up to as much again at random, so a thousand tabs refused by one overloaded server do
 * not all try again in the same instant, while each wait still outlasts the one before it.
 * Never shorter than a `Retry-After` the server sent (429 or 503).
 *
 * @example retryDelay(1, retryPolicy, null, () => 0) // 250, then 500, then 1000
 * @example retryDelay(1, retryPolicy, 3000) // at least 3000
 */
export function retryDelay(
	retry: number,
	policy: RetryPolicy = retryPolicy,
	retryAfterMs: number | null = null,
	random: () => number = Math.random
): number {
	const exponent = Math.max(0, retry - 1);
	const scheduled = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
	const jittered = Math.min(policy.maxDelayMs, Math.floor(scheduled * (1 + random())));

	return Math.max(retryAfterMs ?? 0, jittered);
}

export const errorMessages: Record<ErrorCategory, string> = {
	auth: "You need to sign in (or this isn't yours to change). Your change was not saved.",
	notFound: 'This creator could not be found. It may have been removed.',
	invalid: 'Some of what you entered was not accepted. Please check it and try again.',
	conflict: 'Someone else changed this at the same time. Reload to see the latest version.',
	server: 'The server had a problem and your change was not saved. Please try again in a moment.',
	network: 'We could not reach the server. Check your connection and try again.'
};

/**
 * A 429 is a server-side refusal like any other busy answer (and retried as one), but what a
 * person should do is wait, not wonder what broke.
 */
export const rateLimitedMessage =
	'Too many attempts in a short time. Please wait a moment and try again.';

/** Failures where the server's own words tell a person what to fix. */
const SERVER_WORDED: ReadonlySet<ErrorCategory> = new Set(['invalid', 'conflict']);

/**
 * Builds the failure a person sees. The server's own words are kept where they say what to
 * fix (invalid input, a conflict); auth, not-found, server and network failures always get
 * the plain message of their category, never a server's internal wording.
 *
 * @example toFailure(422, { message: 'Nickname cannot be empty.' })
 */
export function toFailure(status: number | null, body: unknown): RequestFailure {
	const category = categorize(status);
	const message = status === 429 ? rateLimitedMessage : errorMessages[category];
	const failure: RequestFailure = { category, status, message };
	if (!isRecord(body)) return failure;

	if (SERVER_WORDED.has(category) && typeof body.message === 'string' && body.message.trim()) {
		failure.message = body.message;
	}
	const fieldErrors = readFieldErrors(body.fieldErrors);
	if (fieldErrors) failure.fieldErrors = fieldErrors;

	return failure;
}

function readFieldErrors(value: unknown): Record<string, string> | undefined {
	if (!isRecord(value)) return undefined;

	const entries = Object.entries(value).filter(
		(entry): entry is [string, string] => typeof entry[1] === 'string'
	);

	return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a `Retry-After` header: whole seconds or an HTTP date. Null when absent or unreadable;
 * a date in the past means no wait.
 *
 * @example parseRetryAfter('3') // 3000
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
	if (value === null || value === undefined || value.trim() === '') return null;

	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;

	const at = Date.parse(trimmed);
	return Number.isNaN(at) ? null : Math.max(0, at - now);
}
