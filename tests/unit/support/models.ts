/** The model of each chart: the events the world sends it, its doubles and its promises. */
import { vi } from 'vitest';
import {
	createMachine,
	fromCallback,
	fromPromise,
	type AnyMachineSnapshot,
	type EventObject
} from 'xstate';
import { OfflineError, type HttpRequest, type HttpResponse } from '../../../machines/adapters/http';
import type { ChannelCommand, ChannelEvent } from '../../../machines/adapters/tab-channel';
import type { PollResult } from '../../../machines/adapters/event-poll';
import type { ConnectionCommand, ConnectionEvent } from '../../../machines/adapters/websocket';
import { creatorMachine, type CreatorContext } from '../../../machines/creator.machine';
import { applyEdits } from '../../../machines/creator-view';
import { requestMachine, type RequestOutput } from '../../../machines/request.machine';
import { errorMessages } from '../../../machines/retry-policy';
import { rootMachine } from '../../../machines/root.machine';
import { socketMachine } from '../../../machines/socket.machine';
import { tabSyncMachine } from '../../../machines/tabSync.machine';
import { stateLabel } from '../../../machines/trace/state-label';
import { alpha, eventFrame, settle } from './fixtures';
import { startInspected, type ChartModel } from './model';

/**
 * A double stands in for an actor of another kind (a promise for a machine); xstate's types
 * want the same kind, the running chart only needs the same answers.
 */
const standIn = (logic: unknown) => logic as never;

const label = (snapshot: AnyMachineSnapshot) => stateLabel(snapshot.value);
const after = (delay: string, stateId: string) => ({ type: `xstate.after.${delay}.${stateId}` });
const isTimer = (event: EventObject) => event.type.startsWith('xstate.after.');

/** A promise double: each call waits until the test answers it. */
function answerable<TOutput, TInput>() {
	const calls: {
		input: TInput;
		signal: AbortSignal;
		answered: boolean;
		resolve(output: TOutput): void;
		reject(error: Error): void;
	}[] = [];
	const logic = fromPromise<TOutput, TInput>(
		({ input, signal }) =>
			new Promise<TOutput>((resolve, reject) => {
				calls.push({ input, signal, answered: false, resolve, reject });
			})
	);
	const open = () => calls.filter((call) => !call.answered && !call.signal.aborted);
	const answer = (settleCall: (call: (typeof calls)[number]) => void) => {
		const call = open().at(-1);
		if (!call) throw new Error('No call is waiting for an answer.');
		call.answered = true;
		settleCall(call);
	};

	return { logic, calls, open, answer };
}

/** A callback double: reports what the test says and records what it is told. */
function reporter<TCommand extends EventObject, TInput, TReport extends EventObject>() {
	const live: { sendBack(event: TReport): void; received: TCommand[] }[] = [];
	const logic = fromCallback<TCommand, TInput, TReport>(({ sendBack, receive }) => {
		const instance = { sendBack, received: [] as TCommand[] };
		live.push(instance);
		receive((command) => instance.received.push(command));

		return () => live.splice(live.indexOf(instance), 1);
	});

	return { logic, live };
}

// ---------------------------------------------------------------------------------- request

const httpAnswers: HttpResponse[] = [
	{ status: 200, body: { ok: true } },
	{ status: 500, body: null },
	{ status: 404, body: { message: 'Not found' } }
];

export const requestModel: ChartModel = {
	machine: requestMachine,
	searchable: requestMachine,
	inputs: [{ method: 'GET', url: '/api/creators/c1' }],
	events: (snapshot) => {
		if (snapshot.matches('attempting')) {
			return [
				...httpAnswers.map((output) => ({ type: 'xstate.done.actor.performRequest', output })),
				{ type: 'xstate.error.actor.performRequest', error: new TypeError('Failed to fetch') },
				{ type: 'xstate.error.actor.performRequest', error: new OfflineError() },
				after('requestTimeout', 'request.attempting')
			];
		}

		return snapshot.matches('waiting') ? [after('retryDelay', 'request.waiting')] : [];
	},
	serialize: (snapshot) => `${label(snapshot)} ${snapshot.context.retries}`,
	start(input, inspect) {
		const server = answerable<HttpResponse, HttpRequest>();
		const machine = requestMachine.provide({ actors: { performRequest: server.logic } });
		const actor = startInspected(machine, input, inspect);

		return {
			actor,
			async step(event) {
				if (isTimer(event)) await vi.advanceTimersToNextTimerAsync();
				else if (event.type.startsWith('xstate.done.')) {
					server.answer((call) =>
						call.resolve((event as unknown as { output: HttpResponse }).output)
					);
				} else {
					const error = (event as unknown as { error: Error }).error;
					server.answer((call) => call.reject(error));
				}
				await settle();
			},
			check(snapshot) {
				const problems: string[] = [];
				const requests = server.open().length;
				const timers = vi.getTimerCount();
				// One request on the wire, and the timer that abandons it when no answer comes.
				if (snapshot.matches('attempting') && (requests !== 1 || timers !== 1)) {
					problems.push(`${requests} requests and ${timers} timers, not one request`);
				}
				if (snapshot.matches('waiting') && (requests !== 0 || timers !== 1)) {
					problems.push(`${requests} requests and ${timers} timers, not one timer`);
				}
				if (snapshot.status === 'done' && (requests !== 0 || timers !== 0)) {
					problems.push('a request or a timer outlived the call');
				}
				if (snapshot.matches('gaveUp') && !snapshot.context.lastFailure) {
					problems.push('gave up without a failure to report');
				}
				if (server.calls.length > 4) problems.push(`${server.calls.length} requests sent`);

				return problems;
			}
		};
	}
};

// ---------------------------------------------------------------------------------- creator

const saved = alpha({ nickname: 'Saved', version: 2 });
const requestDone = (output: RequestOutput) => ({ type: 'xstate.done.actor.request', output });
const failure = (status: number, category: 'server' | 'auth') =>
	requestDone({
		ok: false,
		failure: { category, status, message: errorMessages[category] },
		attempts: 1,
		body: null
	});
/** A stale save: the server answers 409 with its newer copy. */
const conflict = requestDone({
	ok: false,
	failure: { category: 'conflict', status: 409, message: 'Changed elsewhere.' },
	attempts: 1,
	body: { creator: alpha({ version: 3 }) }
});
/** Fixed frames, so a frame can arrive twice and the second time be recognised as old. */
const earningsFrame = eventFrame('earnings_updated', { earningsCents: 20000 });
const updatedFrame = eventFrame('creator_updated', { creator: alpha({ version: 4 }) });
/** The event of the model's own edit (every model edit has the id `e1`). */
const ownEditFrame = eventFrame('creator_updated', {
	creator: alpha({ nickname: 'Edited', version: 6 }),
	editId: 'e1'
});

const searchableCreator = creatorMachine.provide({
	actions: { notifyCommitted: () => {}, notifyAuthRequired: () => {} }
});

export const creatorModel: ChartModel = {
	machine: creatorMachine,
	searchable: searchableCreator,
	inputs: [{ creatorId: 'c1', snapshot: alpha() }, { creatorId: 'c1' }],
	events: (snapshot) => {
		const events: EventObject[] = [
			{ type: 'creator.edit', patch: { nickname: 'Edited' }, editId: 'e1' } as EventObject,
			{ type: 'creator.revert' },
			{ type: 'creator.refresh' },
			{ type: 'creator.dismissError' },
			{ type: 'creator.remoteUpdate', creator: alpha({ version: 5 }) } as EventObject,
			{ type: 'creator.serverEvent', frame: earningsFrame } as EventObject,
			{ type: 'creator.serverEvent', frame: updatedFrame } as EventObject,
			{ type: 'creator.serverEvent', frame: ownEditFrame } as EventObject
		];
		if (['loading', 'refreshing', 'committing'].some((state) => snapshot.matches(state))) {
			events.push(
				requestDone({ ok: true, status: 200, body: { creator: saved } }),
				failure(500, 'server'),
				failure(401, 'auth')
			);
		}
		if (snapshot.matches('committing')) events.push(conflict);

		return events;
	},
	serialize: (snapshot) => {
		const context = snapshot.context as CreatorContext;

		return [
			label(snapshot),
			Math.min(context.pending.length, 2),
			context.confirmed?.version ?? 0,
			context.error ? 'error' : '',
			context.eventCursor,
			context.pending[0]?.rebases ?? 0
		].join(' ');
	},
	start(input, inspect) {
		const requests = answerable<RequestOutput, HttpRequest>();
		// Model edits share one id, so the refused edit is told apart by identity.
		let refusedEdit: unknown = null;
		// The server's copy as it stood before a refused answer; rolling back must land on it.
		let previousSnapshot: string | null = null;
		const machine = searchableCreator.provide({ actors: { request: standIn(requests.logic) } });
		const actor = startInspected(machine, input, inspect);

		return {
			actor,
			async step(event) {
				if (event.type === 'xstate.done.actor.request') {
					const output = (event as unknown as { output: RequestOutput }).output;
					const before = actor.getSnapshot().context as CreatorContext;
					refusedEdit = output.ok ? null : (before.pending[0] ?? null);
					// A conflict brings a newer copy with it, so only other refusals keep the old one.
					previousSnapshot =
						output.ok || output.failure.category === 'conflict'
							? null
							: JSON.stringify(before.confirmed);
					requests.answer((call) => call.resolve(output));
				} else actor.send(event);
				await settle();
			},
			checkMicrostep(snapshot) {
				const context = snapshot.context as CreatorContext;
				const problems: string[] = [];
				if (
					JSON.stringify(context.view) !==
					JSON.stringify(applyEdits(context.confirmed, context.pending))
				) {
					problems.push('the view is not the confirmed copy with the pending edits');
				}
				// The refused edit is rolled back alone: the view is the server's copy with only
				// the edits that still wait.
				if (snapshot.matches('reverting') && context.pending.some((edit) => edit === refusedEdit)) {
					problems.push('the refused edit is still pending while reverting');
				}
				if (snapshot.matches('reverting') && previousSnapshot !== null) {
					if (JSON.stringify(context.confirmed) !== previousSnapshot) {
						problems.push('reverting changed the server copy the refused edit was based on');
					}
					if (context.pending.length === 0 && JSON.stringify(context.view) !== previousSnapshot) {
						problems.push('reverting the only edit does not show the previous snapshot');
					}
				}

				return problems;
			},
			check(snapshot) {
				const context = snapshot.context as CreatorContext;
				const open = requests.open();
				const problems: string[] = [];
				const busy = ['loading', 'refreshing', 'committing'].some((s) => snapshot.matches(s));
				if (open.length !== (busy ? 1 : 0)) problems.push(`${open.length} requests in flight`);
				if (snapshot.matches('idle') && context.pending.length > 0) {
					problems.push('idle with edits still pending');
				}
				if (snapshot.matches('committing')) {
					const body = open[0]?.input.body as { editId?: string } | undefined;
					if (body?.editId !== context.pending[0]?.id) problems.push('not saving the oldest edit');
				}
				// The person may dismiss the reason; the data stays absent until a copy arrives.
				if (snapshot.matches('unavailable') && context.view !== null) {
					problems.push('unavailable with data to show');
				}
				if (snapshot.hasTag('saving') !== snapshot.matches('committing')) {
					problems.push('the saving tag is wrong');
				}

				return problems;
			}
		};
	}
};

// ----------------------------------------------------------------------------------- socket

const frameMessage = JSON.stringify(eventFrame('earnings_updated', { earningsCents: 1 }));
const resyncMessage = JSON.stringify({ type: 'resync', creatorId: 'c1', lastEventId: 50 });
const subscribedMessage = JSON.stringify({ type: 'subscribed', creatorId: 'c1' });
const polled: PollResult[] = [
	{
		creatorId: 'c1',
		kind: 'events',
		events: [eventFrame('new_subscription', { subscriberCount: 4 })],
		lastEventId: 60
	},
	{ creatorId: 'c2', kind: 'resync', lastEventId: 60 }
];
const searchableSocket = socketMachine.provide({
	actions: { forwardEvent: () => {}, notifyReopened: () => {}, notifyResync: () => {} }
});

export const socketModel: ChartModel = {
	machine: socketMachine,
	searchable: searchableSocket,
	inputs: [{ url: 'ws://localhost/ws', maxAttempts: 1, pollsBeforeRetry: 2 }],
	events: (snapshot) => {
		const events: EventObject[] = [
			{ type: 'socket.connect' },
			{ type: 'socket.disconnect' },
			{ type: 'socket.reconnect' },
			{ type: 'socket.online' },
			{ type: 'socket.offline' },
			{ type: 'socket.visible' },
			{ type: 'socket.subscribe', creatorId: 'c1' } as EventObject,
			{ type: 'socket.unsubscribe', creatorId: 'c1' } as EventObject
		];
		if (snapshot.matches('active')) {
			events.push(
				{ type: 'socket.opened' },
				{ type: 'socket.closed', code: 1006, reason: '' } as EventObject,
				{ type: 'socket.closed', code: 1008, reason: 'Session ended' } as EventObject,
				{ type: 'socket.closed', code: 1013, reason: 'At capacity' } as EventObject
			);
		}
		if (snapshot.matches({ active: 'connecting' })) {
			events.push(after('connectTimeout', 'socket.active.connecting'));
		}
		if (snapshot.matches({ active: 'open' })) {
			events.push(
				{ type: 'socket.message', data: frameMessage } as EventObject,
				{ type: 'socket.message', data: resyncMessage } as EventObject,
				{ type: 'socket.message', data: subscribedMessage } as EventObject,
				{ type: 'socket.message', data: 'not a frame' } as EventObject,
				{ type: 'socket.pingDue' },
				{ type: 'socket.silent' }
			);
		}
		if (snapshot.matches({ failed: 'polling' })) {
			events.push(
				{ type: 'xstate.done.actor.pollEvents', output: polled } as EventObject,
				{ type: 'xstate.done.actor.pollEvents', output: [] } as EventObject,
				{ type: 'xstate.error.actor.pollEvents', error: new Error('offline') } as EventObject
			);
		}
		if (snapshot.matches({ failed: 'waiting' })) {
			events.push(after('pollInterval', 'socket.failed.waiting'));
		}
		if (snapshot.matches('backoff')) events.push(after('reconnectDelay', 'socket.backoff'));

		return events;
	},
	serialize: (snapshot) =>
		[
			label(snapshot),
			snapshot.context.attempts,
			// Read only while open (a full server turning the socket away restores it).
			snapshot.matches({ active: 'open' }) ? snapshot.context.attemptsBeforeOpen : 0,
			Math.min(snapshot.context.opens, 1),
			snapshot.context.subscriptions.length,
			snapshot.context.online,
			JSON.stringify(snapshot.context.cursors),
			snapshot.matches({ active: 'open' }) && snapshot.context.reopenPending,
			// Counted only while given up (it starts again at 0 each time); the model's first retry
			// comes after 2 answered polls, and later waits only grow.
			snapshot.matches('failed') ? Math.min(snapshot.context.answeredPolls, 2) : 0
		].join(' '),
	start(input, inspect) {
		// Backoff is jittered; a wait drawn as 0 ms would fire before the step settles.
		vi.spyOn(Math, 'random').mockReturnValue(0.5);
		const connections = reporter<ConnectionCommand, { url: string }, ConnectionEvent>();
		const heartbeats = reporter<EventObject, unknown, EventObject>();
		const polls = answerable<PollResult[], unknown>();
		const forwarded: unknown[] = [];
		const machine = searchableSocket.provide({
			actors: {
				connection: connections.logic,
				heartbeat: standIn(heartbeats.logic),
				pollEvents: standIn(polls.logic)
			},
			actions: { forwardEvent: ({ event }) => void forwarded.push(event) }
		});
		const actor = startInspected(machine, input, inspect);

		return {
			actor,
			async step(event) {
				if (isTimer(event)) await vi.advanceTimersToNextTimerAsync();
				else if (['socket.opened', 'socket.message', 'socket.closed'].includes(event.type)) {
					connections.live.at(-1)?.sendBack(event as ConnectionEvent);
				} else if (['socket.pingDue', 'socket.silent'].includes(event.type)) {
					heartbeats.live.at(-1)?.sendBack(event);
				} else if (event.type === 'xstate.done.actor.pollEvents') {
					polls.answer((call) =>
						call.resolve((event as unknown as { output: PollResult[] }).output)
					);
				} else if (event.type === 'xstate.error.actor.pollEvents') {
					polls.answer((call) => call.reject(new Error('offline')));
				} else actor.send(event);
				await settle();
			},
			check(snapshot) {
				const problems: string[] = [];
				const sockets = connections.live.length;
				const timers = vi.getTimerCount();
				const active = snapshot.matches('active');
				const timed = ['backoff', { active: 'connecting' }, { failed: 'waiting' }].some((state) =>
					snapshot.matches(state)
				);
				if (sockets !== (active ? 1 : 0)) problems.push(`${sockets} sockets open`);
				if (timers !== (timed ? 1 : 0)) problems.push(`${timers} timers pending`);
				const watched = heartbeats.live.length;
				if (watched !== (snapshot.matches({ active: 'open' }) ? 1 : 0)) {
					problems.push(`${watched} heartbeats running`);
				}
				if (polls.open().length !== (snapshot.matches({ failed: 'polling' }) ? 1 : 0)) {
					problems.push('a poll runs outside the polling state');
				}
				if (snapshot.matches({ active: 'open' })) {
					const subscribed = (connections.live[0]?.received ?? [])
						.filter((command) => command.frame.type === 'subscribe')
						.map((command) => (command.frame as { creatorId: string }).creatorId);
					for (const id of snapshot.context.subscriptions) {
						if (!subscribed.includes(id)) problems.push(`${id} was not subscribed`);
					}
				}
				if (
					snapshot.matches('failed') &&
					snapshot.context.attempts < snapshot.context.maxAttempts
				) {
					problems.push('gave up with attempts left');
				}
				if (
					snapshot.matches('failed') &&
					snapshot.context.answeredPolls >= snapshot.context.pollsBeforeRetry
				) {
					problems.push('kept polling after the server answered long enough');
				}

				return problems;
			}
		};
	}
};

// ---------------------------------------------------------------------------------- tabSync

const fromOtherTab = {
	type: 'creator.state',
	sourceTabId: 'tab-2',
	creator: alpha({ version: 3 }),
	sentAt: 1
};
const searchableTabSync = tabSyncMachine.provide({
	actions: { forwardMessage: () => {}, forwardForceSync: () => {} }
});

export const tabSyncModel: ChartModel = {
	machine: tabSyncMachine,
	searchable: searchableTabSync,
	inputs: [{ tabId: 'tab-1' }],
	events: () => [
		{ type: 'tab.ready', transport: 'broadcast' } as EventObject,
		{ type: 'tab.unavailable', reason: 'Storage refused the write.' } as EventObject,
		{ type: 'tab.broadcast', message: { ...fromOtherTab, sourceTabId: 'tab-1' } } as EventObject,
		{ type: 'tab.message', message: fromOtherTab } as EventObject,
		{ type: 'tab.message', message: { ...fromOtherTab, sourceTabId: 'tab-1' } } as EventObject,
		{ type: 'tab.message', message: { junk: true } } as EventObject,
		{ type: 'tab.forceSync' }
	],
	serialize: (snapshot) => `${label(snapshot)} ${snapshot.context.lastSyncAt === null}`,
	start(input, inspect) {
		const channels = reporter<ChannelCommand, { tabId: string }, ChannelEvent>();
		const machine = searchableTabSync.provide({ actors: { channel: channels.logic } });
		const actor = startInspected(machine, input, inspect);

		return {
			actor,
			async step(event) {
				if (['tab.ready', 'tab.unavailable', 'tab.message'].includes(event.type)) {
					channels.live.at(-1)?.sendBack(event as ChannelEvent);
				} else actor.send(event);
				await settle();
			},
			check(snapshot) {
				const problems: string[] = [];
				const { transport, lastError } = snapshot.context;
				const posts = channels.live[0]?.received ?? [];
				if (channels.live.length !== 1) problems.push(`${channels.live.length} channels open`);
				if (snapshot.matches('active') && transport === 'none')
					problems.push('active without a transport');
				if (snapshot.matches('unavailable') && (transport !== 'none' || !lastError)) {
					problems.push('unavailable without a reason');
				}
				if (snapshot.matches('starting') && posts.length > 0) problems.push('posted before ready');
				if (posts.some((post) => post.message.sourceTabId !== 'tab-1')) {
					problems.push('posted under another tab id');
				}

				return problems;
			}
		};
	}
};

// ------------------------------------------------------------------------------------- root

/** A creator actor double: keeps the page's copy and records what root sends it. */
function creatorDouble(received: Map<string, string[]>) {
	return createMachine({
		types: {} as {
			input: { creatorId: string; snapshot?: unknown };
			context: { confirmed: unknown };
		},
		context: ({ input }) => ({ confirmed: input.snapshot ?? alpha() }),
		on: {
			'*': {
				actions: ({ event, self }) =>
					received.set(self.id, [...(received.get(self.id) ?? []), event.type])
			}
		}
	});
}

const searchableRoot = rootMachine.provide({
	actors: {
		creator: standIn(creatorDouble(new Map())),
		socket: standIn(fromCallback(() => {})),
		tabSync: standIn(fromCallback(() => {}))
	}
});

export const rootModel: ChartModel = {
	machine: rootMachine,
	searchable: searchableRoot,
	inputs: [
		{ socketUrl: 'ws://localhost/ws', tabId: 'tab-1', connect: true },
		{ socketUrl: 'ws://localhost/ws', tabId: 'tab-1' }
	],
	events: () =>
		[
			{ type: 'creator.track', creatorId: 'c1' },
			{ type: 'creator.track', creatorId: 'c1', snapshot: alpha({ version: 2 }) },
			{ type: 'creator.untrack', creatorId: 'c1' },
			{ type: 'socket.event', frame: eventFrame('earnings_updated', { earningsCents: 5 }) },
			{ type: 'socket.reopened' },
			{ type: 'socket.resync', creatorId: 'c1' },
			{ type: 'tab.received', message: fromOtherTab },
			{ type: 'tab.received', message: { type: 'sync.request', sourceTabId: 'tab-2', sentAt: 1 } },
			{ type: 'tab.forceSync' },
			{ type: 'tab.forceSync', origin: 'tabSync' },
			{ type: 'creator.committed', creator: alpha({ version: 2 }), editId: 'e1', eventId: 3 },
			{ type: 'session.authRequired' },
			{ type: 'session.signedIn' },
			{ type: 'session.signedOut' },
			{ type: 'socket.connect' },
			{ type: 'socket.disconnect' },
			{ type: 'socket.reconnect' },
			{ type: 'socket.online' },
			{ type: 'socket.offline' },
			{ type: 'socket.visible' }
		] as EventObject[],
	serialize: (snapshot) =>
		[
			label(snapshot),
			Object.keys(snapshot.context.creators).join(','),
			snapshot.context.authRequired
		].join(' '),
	start(input, inspect) {
		const toCreators = new Map<string, string[]>();
		const socket = reporter<EventObject, unknown, EventObject>();
		const tabSync = reporter<EventObject, unknown, EventObject>();
		const machine = searchableRoot.provide({
			actors: {
				creator: standIn(creatorDouble(toCreators)),
				socket: standIn(socket.logic),
				tabSync: standIn(tabSync.logic)
			}
		});
		const actor = startInspected(machine, input, inspect);

		return {
			actor,
			async step(event) {
				actor.send(event);
				await settle();
			},
			check(snapshot) {
				const problems: string[] = [];
				const tracked = Object.keys(snapshot.context.creators).map((id) => `creator:${id}`);
				const children = Object.keys(snapshot.children).filter((id) => id.startsWith('creator:'));
				if (JSON.stringify(tracked) !== JSON.stringify(children)) {
					problems.push(`tracks ${tracked.join(',')} but runs ${children.join(',')}`);
				}
				if (socket.live.length !== 1 || tabSync.live.length !== 1) {
					problems.push('the socket or tab sync is not running');
				}
				const toSocket = socket.live[0]?.received ?? [];
				if (toSocket.some((command) => !command.type.startsWith('socket.'))) {
					problems.push('sent the socket something other than a socket command');
				}
				const toTabs = tabSync.live[0]?.received ?? [];
				if (toTabs.some((command) => !command.type.startsWith('tab.'))) {
					problems.push('sent tab sync something other than a tab command');
				}

				return problems;
			}
		};
	}
};
