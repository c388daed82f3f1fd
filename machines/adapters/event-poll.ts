/** Reads missed events over HTTP while the socket is down: the socket machine's `pollEvents`. */
import { fromPromise } from 'xstate';
import type { EventFrame } from '../../src/lib/shared/protocol';
import { sendRequest } from './http';

export interface PollInput {
	creatorIds: string[];
	/** The last event id applied per creator; a creator without one starts from the log's head. */
	cursors: Record<string, number>;
}

/** One creator's answer: the events after its cursor, or `resync` when the log cannot tell. */
export type PollResult =
	| { creatorId: string; kind: 'events'; events: EventFrame[]; lastEventId: number }
	| { creatorId: string; kind: 'resync'; lastEventId: number };

/**
 * Asks `/api/creators/:id/events?after=` for every followed creator. A creator whose request
 * fails is left out and asked again at the next poll.
 */
export const pollEvents = fromPromise<PollResult[], PollInput>(async ({ input, signal }) => {
	const answers = await Promise.all(
		input.creatorIds.map(async (creatorId): Promise<PollResult | null> => {
			const after = input.cursors[creatorId];
			const query = after === undefined ? '' : `?after=${after}`;
			try {
				const { status, body } = await sendRequest(
					{ method: 'GET', url: `/api/creators/${encodeURIComponent(creatorId)}/events${query}` },
					signal
				);
				if (status !== 200 || typeof body !== 'object' || body === null) return null;

				const answer = body as { events?: EventFrame[]; resync?: boolean; lastEventId: number };
				return answer.resync
					? { creatorId, kind: 'resync', lastEventId: answer.lastEventId }
					: {
							creatorId,
							kind: 'events',
							events: answer.events ?? [],
							lastEventId: answer.lastEventId
						};
			} catch {
				return null;
			}
		})
	);

	return answers.filter((answer): answer is PollResult => answer !== null);
});
