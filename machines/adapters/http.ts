/** The real HTTP call behind the request machine's `performRequest` actor. */
import { fromPromise } from 'xstate';
import { parseRetryAfter } from '../retry-policy';
import { browserIsOnline } from './connectivity';

/** No answer because the browser is offline: not worth retrying until it is back. */
export class OfflineError extends Error {
	override name = 'OfflineError';

	constructor() {
		super('The browser is offline.');
	}
}

/** Whether a failed call failed because the browser is offline. */
export function isOfflineError(error: unknown): boolean {
	return error instanceof Error && error.name === 'OfflineError';
}

export type HttpMethod = 'GET' | 'PATCH' | 'POST' | 'DELETE';

export interface HttpRequest {
	method: HttpMethod;
	url: string;
	body?: unknown;
	/** Extra headers, e.g. `Idempotency-Key` on a write that may be retried. */
	headers?: Record<string, string>;
	/** How long to wait for an answer before trying again; the retry policy's default otherwise. */
	timeoutMs?: number;
}

export interface HttpResponse {
	status: number;
	body: unknown;
	/** From a `Retry-After` header (429, 503): wait at least this long before trying again. */
	retryAfterMs?: number | null;
}

/**
 * Resolves for every HTTP answer, 4xx and 5xx included, so the retry policy sees the status;
 * rejects only when no answer arrived (offline, DNS, aborted). `fetch` is read at call time
 * so tests and older runtimes can supply their own.
 */
export async function sendRequest(
	request: HttpRequest,
	signal?: AbortSignal
): Promise<HttpResponse> {
	const hasBody = request.body !== undefined;
	const response = await globalThis
		.fetch(request.url, {
			method: request.method,
			credentials: 'same-origin',
			headers: {
				accept: 'application/json',
				...(hasBody && { 'content-type': 'application/json' }),
				...request.headers
			},
			body: hasBody ? JSON.stringify(request.body) : undefined,
			signal
		})
		.catch((error: unknown) => {
			throw browserIsOnline() ? error : new OfflineError();
		});
	const retryAfterMs = parseRetryAfter(response.headers?.get('retry-after'));

	return {
		status: response.status,
		body: parseBody(await response.text()),
		...(retryAfterMs !== null && { retryAfterMs })
	};
}

export const performRequest = fromPromise<HttpResponse, HttpRequest>(({ input, signal }) =>
	sendRequest(input, signal)
);

/** An empty answer (204) is null; a body that is not JSON (a proxy's HTML page) stays text. */
function parseBody(text: string): unknown {
	if (text === '') return null;

	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}
