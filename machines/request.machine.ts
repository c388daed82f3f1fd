/**
 * One HTTP call under the retry policy: try, and on a failure that may pass by itself wait a
 * growing delay and try again, at most `retryPolicy.maxRetries` times.
 */
import { assign, setup, type DoneActorEvent, type ErrorActorEvent } from 'xstate';
import {
	isOfflineError,
	performRequest,
	type HttpRequest,
	type HttpResponse
} from './adapters/http';
import {
	categorize,
	isRetryable,
	retryDelay,
	retryPolicy,
	toFailure,
	type RequestFailure
} from './retry-policy';

export type RequestOutput =
	| { ok: true; status: number; body: unknown }
	| { ok: false; failure: RequestFailure; attempts: number; body: unknown };

export interface RequestContext {
	request: HttpRequest;
	/** Retries started so far; the number of requests sent is `retries + 1`. */
	retries: number;
	lastFailure: RequestFailure | null;
	lastResponse: HttpResponse | null;
	/** The body of the last refused answer, e.g. the current copy sent with a 409. */
	lastFailureBody: unknown;
	/** The `Retry-After` the server asked for on the last failure. */
	retryAfterMs: number | null;
}

/** The answers of the `performRequest` child, the only events this machine handles. */
type RequestEvent =
	DoneActorEvent<HttpResponse, 'performRequest'> | ErrorActorEvent<unknown, 'performRequest'>;

/** The status of an attempt's outcome; null when no answer arrived. */
function statusOf(event: RequestEvent): number | null {
	return event.type === 'xstate.done.actor.performRequest' ? event.output.status : null;
}

function isSuccess(status: number | null): boolean {
	return status !== null && status >= 200 && status < 300;
}

export const requestMachine = setup({
	types: {
		input: {} as HttpRequest,
		context: {} as RequestContext,
		events: {} as RequestEvent,
		output: {} as RequestOutput
	},
	actors: { performRequest },
	guards: {
		succeeded: ({ event }) => isSuccess(statusOf(event)),
		mayRetry: ({ context, event }) => {
			const status = statusOf(event);

			return (
				!isSuccess(status) &&
				isRetryable(categorize(status)) &&
				context.retries < retryPolicy.maxRetries
			);
		},
		// An offline browser fails fast instead of spending retries; the edit rolls back.
		isOffline: ({ event }) =>
			event.type === 'xstate.error.actor.performRequest' && isOfflineError(event.error),
		hasRetriesLeft: ({ context }) => context.retries < retryPolicy.maxRetries
	},
	actions: {
		recordResponse: assign({
			lastResponse: ({ event }) =>
				event.type === 'xstate.done.actor.performRequest' ? event.output : null
		}),
		recordFailure: assign(({ event }) => {
			const body = event.type === 'xstate.done.actor.performRequest' ? event.output.body : null;

			return { lastFailure: toFailure(statusOf(event), body), lastFailureBody: body };
		}),
		recordTimeout: assign({ lastFailure: () => toFailure(null, null), lastFailureBody: null }),
		recordRetryAfter: assign({
			retryAfterMs: ({ event }) =>
				event.type === 'xstate.done.actor.performRequest'
					? (event.output.retryAfterMs ?? null)
					: null
		}),
		countRetry: assign({ retries: ({ context }) => context.retries + 1 })
	},
	delays: {
		retryDelay: ({ context }) => retryDelay(context.retries, retryPolicy, context.retryAfterMs),
		requestTimeout: ({ context }) => context.request.timeoutMs ?? retryPolicy.timeoutMs
	}
}).createMachine({
	id: 'request',
	description: 'One HTTP call, retried with growing delays while the failure may pass by itself.',
	context: ({ input }) => ({
		request: input,
		retries: 0,
		lastFailure: null,
		lastResponse: null,
		lastFailureBody: null,
		retryAfterMs: null
	}),
	initial: 'attempting',
	states: {
		attempting: {
			description: 'A request is on the wire.',
			invoke: {
				id: 'performRequest',
				src: 'performRequest',
				input: ({ context }) => context.request,
				onDone: [
					{
						description: 'A 2xx answer ends the call.',
						guard: 'succeeded',
						target: 'succeeded',
						actions: 'recordResponse'
					},
					{
						description: 'A server error with retries left waits, then tries again.',
						guard: 'mayRetry',
						target: 'waiting',
						actions: ['recordFailure', 'recordRetryAfter', 'countRetry']
					},
					{
						description: 'Any other answer (or the last retry failing) ends the call.',
						target: 'gaveUp',
						actions: 'recordFailure'
					}
				],
				onError: [
					{
						description: 'No answer because the browser is offline: do not spend retries.',
						guard: 'isOffline',
						target: 'gaveUp',
						actions: 'recordFailure'
					},
					{
						description: 'No answer arrived and retries are left: wait, then try again.',
						guard: 'mayRetry',
						target: 'waiting',
						actions: ['recordFailure', 'countRetry']
					},
					{
						description: 'No answer arrived and no retries are left.',
						target: 'gaveUp',
						actions: 'recordFailure'
					}
				]
			},
			after: {
				requestTimeout: [
					{
						description: 'No answer in time: abandon this try and retry like a lost answer.',
						guard: 'hasRetriesLeft',
						target: 'waiting',
						actions: ['recordTimeout', 'countRetry']
					},
					{
						description: 'No answer in time and no retries left.',
						target: 'gaveUp',
						actions: 'recordTimeout'
					}
				]
			}
		},
		waiting: {
			description: 'Waiting the retry delay, which doubles with each retry.',
			after: {
				retryDelay: { target: 'attempting', description: 'The delay is over: try again.' }
			}
		},
		succeeded: {
			description: 'The server accepted the request.',
			type: 'final'
		},
		gaveUp: {
			description: 'The request failed for good; `lastFailure` says why.',
			type: 'final'
		}
	},
	output: ({ context }): RequestOutput =>
		context.lastResponse
			? { ok: true, status: context.lastResponse.status, body: context.lastResponse.body }
			: {
					ok: false,
					failure: context.lastFailure ?? toFailure(null, null),
					attempts: context.retries + 1,
					body: context.lastFailureBody
				}
});
