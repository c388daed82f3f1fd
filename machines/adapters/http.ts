/** The real HTTP call behind the request machine's `performRequest` actor. */
import { fromPromise } from 'xstate';

export type HttpMethod = 'GET' | 'PATCH' | 'POST' | 'DELETE';

export interface HttpRequest {
	method: HttpMethod;
	url: string;
	body?: unknown;
}

export interface HttpResponse {
	status: number;
	body: unknown;
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
	const response = await globalThis.fetch(request.url, {
		method: request.method,
		credentials: 'same-origin',
		headers: hasBody
			? { accept: 'application/json', 'content-type': 'application/json' }
			: { accept: 'application/json' },
		body: hasBody ? JSON.stringify(request.body) : undefined,
		signal
	});

	return { status: response.status, body: parseBody(await response.text()) };
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
