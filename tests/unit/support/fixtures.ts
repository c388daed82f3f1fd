/** Neutral test data (creator c1 "Alpha", bio "x", earnings 100) and scripted fakes. */
import { vi } from 'vitest';
import { fromPromise } from 'xstate';
import type { HttpRequest, HttpResponse } from '../../../machines/adapters/http';
import type { Creator, EventFrame } from '../../../src/lib/shared/protocol';

export function alpha(overrides: Partial<Creator> = {}): Creator {
	return {
		id: 'c1',
		nickname: 'Alpha',
		bio: 'x',
		avatarUrl: '/avatars/c1.svg',
		subscriberCount: 3,
		subscriptionPriceCents: 500,
		version: 1,
		updatedAt: '2025-01-01T00:00:00.000Z',
		activeFlashSale: null,
		earningsCents: 10000,
		...overrides
	};
}

/** One scripted answer: an HTTP status (and body), or `'network'` for no answer at all. */
export type Answer = HttpResponse | 'network';

export const ok = (body: unknown, status = 200): Answer => ({ status, body });
export const fail = (status: number, message?: string): Answer => ({
	status,
	body: message ? { message } : null
});

/**
 * A fake `performRequest` that answers from a script and records every request it got, with
 * the abort signal xstate passed it. The last answer repeats once the script runs out.
 */
export function scriptedServer(
	script: Answer[] | ((request: HttpRequest, index: number) => Answer | Promise<Answer>)
) {
	const requests: HttpRequest[] = [];
	const signals: AbortSignal[] = [];

	const performRequest = fromPromise<HttpResponse, HttpRequest>(async ({ input, signal }) => {
		const index = requests.length;
		requests.push(input);
		signals.push(signal);

		const answer = await (typeof script === 'function'
			? script(input, index)
			: script[Math.min(index, script.length - 1)]);
		if (answer === 'network') throw new TypeError('Failed to fetch');

		return answer;
	});

	return { requests, signals, performRequest };
}

/** The answer the API gives to a PATCH: the creator with the patch applied and a new version. */
export function patchAnswer(base: Creator) {
	let current = base;

	return (request: HttpRequest): Answer => {
		if (request.method === 'GET') return ok({ creator: current });

		const {
			editId: _editId,
			baseVersion: _baseVersion,
			...patch
		} = request.body as Record<string, unknown>;
		current = { ...current, ...patch, version: current.version + 1 };

		return ok({ creator: current });
	};
}

let nextEventId = 1;

export function eventFrame<E extends EventFrame['event']>(
	event: E,
	data: Extract<EventFrame, { event: E }>['data'],
	creatorId = 'c1'
): EventFrame {
	return {
		type: 'event',
		id: nextEventId++,
		event,
		creatorId,
		data,
		at: '2025-01-01T00:00:00.000Z'
	} as EventFrame;
}

/** Lets resolved promises (the fake server's answers) reach the actors, without moving time. */
export const settle = () => vi.advanceTimersByTimeAsync(0);
