/**
 * One creator as this tab sees it: the server's confirmed copy, the edits not yet confirmed,
 * and the view that combines them. Edits show at once, are saved one at a time in order, and
 * a refused edit is rolled back alone.
 */
import { and, assign, not, sendParent, setup, type DoneActorEvent } from 'xstate';
import type { Creator, EventFrame, ProfilePatch } from '../src/lib/shared/protocol';
import {
	applyEdits,
	applyEventFrame,
	pickNewer,
	readCreator,
	readEventId,
	type PendingEdit
} from './creator-view';
import { createId } from './ids';
import { requestMachine, type RequestOutput } from './request.machine';
import { errorMessages, type RequestFailure } from './retry-policy';

/** Conflicts one edit may meet (re-applied on the newer copy each time) before it is undone. */
export const MAX_REBASES = 5;

/** What a person is told when their edit could not be re-applied on a newer copy. */
export const conflictFailure: RequestFailure = {
	category: 'conflict',
	status: 409,
	message:
		'This profile kept changing elsewhere while your change was being saved, so your change was undone. The latest version is shown.'
};

export interface CreatorInput {
	creatorId: string;
	/** A copy the page already has (from a load function); skips the first GET. */
	snapshot?: Creator | null;
	/** The event-log position that snapshot reflects (the `eventId` of the answer it came in). */
	eventId?: number;
}

export interface CreatorContext {
	creatorId: string;
	confirmed: Creator | null;
	pending: PendingEdit[];
	view: Creator | null;
	error: RequestFailure | null;
	/** The last edit the server confirmed. */
	lastEditId: string | null;
	/** The newest event-log id `confirmed` reflects; older events never change it again. */
	eventCursor: number;
}

export type CreatorEvent =
	| { type: 'creator.edit'; patch: ProfilePatch; editId?: string }
	| { type: 'creator.refresh' }
	| { type: 'creator.revert' }
	| { type: 'creator.dismissError' }
	/** `eventId`: the log position the copy reflects, when the sender knows it. */
	| { type: 'creator.remoteUpdate'; creator: Creator; editId?: string; eventId?: number }
	| { type: 'creator.serverEvent'; frame: EventFrame }
	| DoneActorEvent<RequestOutput, 'request'>;

/** What the creator tells its parent. */
export type CreatorParentEvent =
	| { type: 'creator.committed'; creator: Creator; editId: string; eventId: number }
	| { type: 'session.authRequired' };

const creatorUrl = (creatorId: string) => `/api/creators/${encodeURIComponent(creatorId)}`;

function outputOf(event: CreatorEvent): RequestOutput | null {
	return event.type === 'xstate.done.actor.request' ? event.output : null;
}

/** The creator in a successful answer, or null for a failed or malformed one. */
function answeredCreator(event: CreatorEvent): Creator | null {
	const output = outputOf(event);

	return output?.ok ? readCreator(output.body) : null;
}

/** The incoming full copy of an event that carries one (a tab message or `creator_updated`). */
function incomingCreator(event: CreatorEvent): { creator: Creator; editId?: string } | null {
	if (event.type === 'creator.remoteUpdate') return event;
	if (event.type === 'creator.serverEvent' && event.frame.event === 'creator_updated') {
		return event.frame.data;
	}

	return null;
}

/** The current copy a 409 answer carries, or null for any other answer. */
function conflictCopy(event: CreatorEvent): Creator | null {
	const output = outputOf(event);
	if (!output || output.ok || output.failure.status !== 409) return null;

	return readCreator(output.body);
}

/** The log position an answer, a server event or another tab's copy reflects, or null. */
function eventIdOf(event: CreatorEvent): number | null {
	if (event.type === 'creator.serverEvent') return event.frame.id;
	if (event.type === 'creator.remoteUpdate') return event.eventId ?? null;

	const output = outputOf(event);
	return output ? readEventId(output.body) : null;
}

function advance(cursor: number, event: CreatorEvent): number {
	return Math.max(cursor, eventIdOf(event) ?? 0);
}

/**
 * Whether the copy an event brings was read before events this creator already applied; its
 * subscriber count, earnings and sale are then older than the ones shown.
 */
function isStaleCopy(context: CreatorContext, event: CreatorEvent): boolean {
	const position = eventIdOf(event);

	return position !== null && position < context.eventCursor;
}

/**
 * The context after taking the server copy `incoming`, which arrived with `event`: the newer
 * of it and the confirmed copy, the view rebuilt from it and `pending` (the edits still
 * waiting, unchanged unless given), and the log position the event brings.
 */
function takeCopy(
	context: CreatorContext,
	incoming: Creator,
	event: CreatorEvent,
	pending: PendingEdit[] = context.pending
): Pick<CreatorContext, 'confirmed' | 'pending' | 'view' | 'eventCursor'> {
	const confirmed = pickNewer(context.confirmed, incoming, isStaleCopy(context, event));

	return {
		confirmed,
		pending,
		view: applyEdits(confirmed, pending),
		eventCursor: advance(context.eventCursor, event)
	};
}

/** The edit being saved is confirmed by `copy` (its answer, or its own event): drop it. */
function settleHeadEdit(
	context: CreatorContext,
	copy: Creator,
	event: CreatorEvent
): Partial<CreatorContext> {
	const [committed, ...pending] = context.pending;

	return { ...takeCopy(context, copy, event, pending), lastEditId: committed?.id ?? null };
}

export const creatorMachine = setup({
	types: {
		input: {} as CreatorInput,
		context: {} as CreatorContext,
		events: {} as CreatorEvent
	},
	actors: { request: requestMachine },
	guards: {
		requestSucceeded: ({ event }) => answeredCreator(event) !== null,
		// Only 401 means the session is gone; a 403 (someone else's profile) gets a message,
		// not a sign-in prompt that could not help.
		sessionExpired: ({ event }) => {
			const output = outputOf(event);

			return output !== null && !output.ok && output.failure.status === 401;
		},
		isConflict: ({ event }) => conflictCopy(event) !== null,
		canRebase: ({ context }) => (context.pending[0]?.rebases ?? 0) < MAX_REBASES,
		isNewEvent: ({ context, event }) =>
			event.type !== 'creator.serverEvent' || event.frame.id > context.eventCursor,
		settlesHeadEdit: ({ context, event }) => {
			const incoming = incomingCreator(event);

			return (
				incoming !== null &&
				incoming.editId !== undefined &&
				incoming.editId === context.pending[0]?.id &&
				(event.type !== 'creator.serverEvent' || event.frame.id > context.eventCursor)
			);
		},
		hasQueuedEdits: ({ context }) => context.pending.length > 1,
		hasPendingEdits: ({ context }) => context.pending.length > 0,
		isCurrentOrNewer: ({ context, event }) => {
			const incoming = incomingCreator(event);

			return (
				incoming !== null &&
				(context.confirmed === null || incoming.creator.version >= context.confirmed.version)
			);
		},
		hasData: ({ context }) => context.confirmed !== null,
		isIncomingCopy: ({ event }) => incomingCreator(event) !== null
	},
	actions: {
		queueEdit: assign(({ context, event }) => {
			if (event.type !== 'creator.edit') return {};

			const pending = [...context.pending, { id: event.editId ?? createId(), patch: event.patch }];

			return { pending, view: applyEdits(context.confirmed, pending) };
		}),
		takeServerCopy: assign(({ context, event }) => ({
			...takeCopy(context, answeredCreator(event) as Creator, event),
			error: null
		})),
		confirmHeadEdit: assign(({ context, event }) =>
			settleHeadEdit(context, answeredCreator(event) as Creator, event)
		),
		settleHeadFromCopy: assign(({ context, event }) =>
			settleHeadEdit(context, (incomingCreator(event) as { creator: Creator }).creator, event)
		),
		rebaseHeadEdit: assign(({ context, event }) => {
			const [head, ...rest] = context.pending;
			const pending = [{ ...head, rebases: (head.rebases ?? 0) + 1 }, ...rest];

			return takeCopy(context, conflictCopy(event) as Creator, event, pending);
		}),
		takeConflictCopy: assign(({ context, event }) => ({
			...takeCopy(context, conflictCopy(event) as Creator, event),
			error: conflictFailure
		})),
		recordError: assign({
			error: ({ event }) => {
				const output = outputOf(event);
				if (output && !output.ok) return output.failure;

				// A 2xx answer without a creator in it: the server broke its contract.
				return {
					category: 'server',
					status: output?.status ?? null,
					message: errorMessages.server
				};
			}
		}),
		dropFailedEdit: assign(({ context }) => {
			const pending = context.pending.slice(1);

			return { pending, view: applyEdits(context.confirmed, pending) };
		}),
		dropAllEdits: assign(({ context }) => ({ pending: [], view: context.confirmed })),
		takeRemoteCopy: assign(({ context, event }) => {
			const incoming = incomingCreator(event);
			if (!incoming) return {};

			// The edit in flight (index 0) is settled by its own answer; a later one the server
			// already reports as applied needs no request of its own.
			const pending = context.pending.filter(
				(edit, index) => index === 0 || edit.id !== incoming.editId
			);

			return takeCopy(context, incoming.creator, event, pending);
		}),
		applyServerEvent: assign(({ context, event }) => {
			if (event.type !== 'creator.serverEvent' || !context.confirmed) return {};

			const confirmed = applyEventFrame(context.confirmed, event.frame);

			return {
				confirmed,
				view: applyEdits(confirmed, context.pending),
				eventCursor: advance(context.eventCursor, event)
			};
		}),
		dismissError: assign({ error: null }),
		notifyCommitted: sendParent(({ context }): CreatorParentEvent => ({
			type: 'creator.committed',
			creator: context.confirmed as Creator,
			editId: context.lastEditId as string,
			eventId: context.eventCursor
		})),
		notifyAuthRequired: sendParent({ type: 'session.authRequired' })
	}
}).createMachine({
	id: 'creator',
	description: 'A creator profile with optimistic edits that roll back one by one when refused.',
	context: ({ input }) => ({
		creatorId: input.creatorId,
		confirmed: input.snapshot ?? null,
		pending: [],
		view: input.snapshot ?? null,
		error: null,
		lastEditId: null,
		eventCursor: input.eventId ?? 0
	}),
	initial: 'checkingSnapshot',
	on: {
		'creator.dismissError': {
			description: 'The person closed the error message.',
			actions: 'dismissError'
		},
		'creator.remoteUpdate': {
			description: 'Another tab or the server sent a full copy; taken unless it is older.',
			guard: 'isCurrentOrNewer',
			actions: 'takeRemoteCopy'
		},
		'creator.serverEvent': [
			{
				description:
					'An event this copy already reflects (by log id): ignored, so nothing flickers back.',
				guard: not('isNewEvent')
			},
			{
				description: 'A `creator_updated` event carries a full copy, handled like a remote update.',
				guard: 'isCurrentOrNewer',
				actions: 'takeRemoteCopy'
			},
			{
				description: 'Earnings, subscribers or a flash sale changed on the server.',
				guard: and(['hasData', not('isIncomingCopy')]),
				actions: 'applyServerEvent'
			}
		]
	},
	states: {
		checkingSnapshot: {
			description: 'Starts from the snapshot the page passed in, or loads one.',
			always: [
				{ guard: 'hasData', target: 'idle', description: 'A snapshot was given.' },
				{ target: 'loading', description: 'Nothing to show yet.' }
			]
		},
		loading: {
			description: 'Reading the creator for the first time.',
			tags: ['busy'],
			invoke: {
				id: 'request',
				src: 'request',
				input: ({ context }) => ({ method: 'GET', url: creatorUrl(context.creatorId) }),
				onDone: [
					{
						description: 'The creator arrived.',
						guard: 'requestSucceeded',
						target: 'idle',
						actions: 'takeServerCopy'
					},
					{
						description:
							'The read failed, but another tab or the server sent the creator meanwhile.',
						guard: 'hasData',
						target: 'idle',
						actions: 'recordError'
					},
					{
						description: 'The creator could not be read.',
						target: 'unavailable',
						actions: 'recordError'
					}
				]
			}
		},
		unavailable: {
			description: 'There is nothing to show; `error` says why (e.g. not found).',
			on: {
				'creator.refresh': { description: 'Try loading again.', target: 'loading' },
				'creator.remoteUpdate': {
					description: 'Another tab has the creator after all.',
					target: 'idle',
					actions: 'takeRemoteCopy'
				},
				'creator.serverEvent': {
					description: 'A `creator_updated` event brings the creator after all.',
					guard: 'isCurrentOrNewer',
					target: 'idle',
					actions: 'takeRemoteCopy'
				}
			}
		},
		idle: {
			description: 'Showing the confirmed copy; nothing is being saved.',
			on: {
				'creator.edit': {
					description: 'The person changed the profile.',
					target: 'optimistic',
					actions: 'queueEdit'
				},
				'creator.refresh': { description: 'Re-read the server copy.', target: 'refreshing' },
				'creator.revert': {
					description: 'Discard local edits (none are pending here).',
					actions: 'dropAllEdits'
				}
			}
		},
		refreshing: {
			description: 'Re-reading the server copy while showing the current one.',
			tags: ['busy'],
			invoke: {
				id: 'request',
				src: 'request',
				input: ({ context }) => ({ method: 'GET', url: creatorUrl(context.creatorId) }),
				onDone: [
					{
						description: 'The fresh copy replaces the old one and clears any error.',
						guard: 'requestSucceeded',
						target: 'idle',
						actions: 'takeServerCopy'
					},
					{
						description: 'Keep the data shown; report why.',
						target: 'idle',
						actions: 'recordError'
					}
				]
			},
			on: {
				'creator.edit': {
					description: 'An edit wins over the refresh; its answer brings the server copy.',
					target: 'optimistic',
					actions: 'queueEdit'
				}
			}
		},
		optimistic: {
			description: 'The edit already shows in `view`; saving starts at once.',
			tags: ['saving'],
			always: { target: 'committing', description: 'Save the edit.' }
		},
		committing: {
			description: 'Saving the oldest pending edit; later edits wait their turn.',
			tags: ['busy', 'saving'],
			invoke: {
				id: 'request',
				src: 'request',
				input: ({ context }) => ({
					method: 'PATCH',
					url: creatorUrl(context.creatorId),
					// The edit id doubles as the idempotency key: a retry of a write whose answer
					// was lost gets the first answer back instead of writing twice.
					headers: { 'idempotency-key': context.pending[0]?.id ?? '' },
					body: {
						...context.pending[0]?.patch,
						editId: context.pending[0]?.id,
						baseVersion: context.confirmed?.version
					}
				}),
				onDone: [
					{
						description: 'Saved, and more edits wait: save the next one.',
						guard: and(['requestSucceeded', 'hasQueuedEdits']),
						target: 'committing',
						reenter: true,
						actions: ['confirmHeadEdit', 'notifyCommitted']
					},
					{
						description: 'Saved, and nothing else waits.',
						guard: 'requestSucceeded',
						target: 'idle',
						actions: ['confirmHeadEdit', 'notifyCommitted']
					},
					{
						description:
							'Refused as stale (409): take the newer copy and save the edit again on top of it.',
						guard: and(['isConflict', 'canRebase']),
						target: 'committing',
						reenter: true,
						actions: 'rebaseHeadEdit'
					},
					{
						description: 'Stale again and again: undo this edit and show the latest copy.',
						guard: 'isConflict',
						target: 'reverting',
						actions: 'takeConflictCopy'
					},
					{
						description: 'Refused because the session ended (401): ask the person to sign in.',
						guard: 'sessionExpired',
						target: 'reverting',
						actions: ['recordError', 'notifyAuthRequired']
					},
					{ description: 'Refused or unreachable.', target: 'reverting', actions: 'recordError' }
				]
			},
			on: {
				'creator.serverEvent': [
					{
						description:
							'The event of the edit being saved arrived before its answer: it settles the edit, and the answer is dropped.',
						guard: and(['settlesHeadEdit', 'hasQueuedEdits']),
						target: 'committing',
						reenter: true,
						actions: ['settleHeadFromCopy', 'notifyCommitted']
					},
					{
						description: 'The event of the last pending edit settles it.',
						guard: 'settlesHeadEdit',
						target: 'idle',
						actions: ['settleHeadFromCopy', 'notifyCommitted']
					}
				],
				'creator.edit': {
					description: 'Queue the edit behind the one being saved.',
					actions: 'queueEdit'
				},
				'creator.revert': {
					description: 'Discard every pending edit and stop saving.',
					target: 'idle',
					actions: 'dropAllEdits'
				}
			}
		},
		reverting: {
			description: 'Rolls back only the refused edit; later edits stay and are saved next.',
			entry: 'dropFailedEdit',
			always: [
				{ guard: 'hasPendingEdits', target: 'committing', description: 'Save the next edit.' },
				{ target: 'idle', description: 'Nothing left to save.' }
			]
		}
	}
});
