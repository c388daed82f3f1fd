/**
 * The tab's one WebSocket: connects on request, re-subscribes after every (re)connect asking
 * for the events it missed, backs off with full jitter when the connection drops, and gives
 * up after `maxAttempts` reconnects until asked again; while given up it polls the event log
 * over HTTP. A silent connection is noticed by a heartbeat; an offline browser spends no
 * attempts.
 */
import { and, assertEvent, assign, enqueueActions, sendParent, sendTo, setup } from 'xstate';
import {
	parseFrame,
	serverFrameSchema,
	type ClientFrame,
	type EventFrame
} from '../src/lib/shared/protocol';
import type { ConnectivityEvent } from './adapters/connectivity';
import { pollEvents, type PollResult } from './adapters/event-poll';
import { heartbeatMonitor, type HeartbeatEvent } from './adapters/heartbeat';
import { connection, type ConnectionEvent } from './adapters/websocket';
import { reconnectDelay } from './backoff';

/** Close code the server uses when the session ended or the socket is not allowed. */
export const POLICY_VIOLATION = 1008;

/** Close code of a server that is full: it accepted the socket only to say when to return. */
export const TRY_AGAIN_LATER = 1013;

/** The code this tab reports when it drops a connection that stopped answering. */
export const SILENT_CONNECTION = 4000;

/** An attempt that neither opens nor fails within this long counts as failed. */
export const CONNECT_TIMEOUT_MS = 10_000;

export const heartbeat = {
	/** Quiet this long, the tab pings the server. */
	intervalMs: 20_000,
	/** No frame at all this long after the ping: the connection is dead. */
	timeoutMs: 10_000
};

/** How often the event log is polled over HTTP while the socket has given up. */
export const POLL_INTERVAL_MS = 5_000;

/**
 * Answered polls after giving up before the socket is tried again (12, 5 s apart: about a
 * minute), so a server that restarted for longer than the reconnects lasted gets its sockets
 * back. Each try that fails again doubles the wait, so a network that lets HTTP through but
 * blocks sockets costs a handful of attempts an hour, not a loop.
 */
export const POLLS_BEFORE_SOCKET_RETRY = 12;

export interface SocketInput {
	url: string;
	/** Reconnects after a drop before giving up; 5 unless given. */
	maxAttempts?: number;
	/** Answered polls before the socket is tried again; `POLLS_BEFORE_SOCKET_RETRY` unless given. */
	pollsBeforeRetry?: number;
}

export interface SocketContext {
	url: string;
	subscriptions: string[];
	/** Reconnects since the last successful open. */
	attempts: number;
	/** The count before the latest open, restored if a full server turns that socket away. */
	attemptsBeforeOpen: number;
	maxAttempts: number;
	lastCloseCode: number | null;
	lastError: string | null;
	/** The id of the last event applied, per creator: where a reconnect resumes from. */
	cursors: Record<string, number>;
	/** The server asked to wait at least this long before the next reconnect. */
	retryAfterMs: number | null;
	/** Successful opens so far; any after the first is a reconnect. */
	opens: number;
	/** What the browser last said about the network. */
	online: boolean;
	/** Polls the server answered since the socket gave up. */
	answeredPolls: number;
	/** Answered polls to wait for before trying the socket again; doubles after each try. */
	pollsBeforeRetry: number;
	/**
	 * Open again after an outage, and the server has not yet confirmed a subscription. The
	 * parent re-reads what it missed only then, so a server that accepts and at once turns
	 * the socket away (full: `retryAfter`, 1013) causes no reloads.
	 */
	reopenPending: boolean;
}

export type SocketEvent =
	| { type: 'socket.connect' }
	| { type: 'socket.disconnect' }
	| { type: 'socket.reconnect' }
	| ConnectivityEvent
	/** `afterEventId`: the log position the tab's copy reflects, when it knows one. */
	| { type: 'socket.subscribe'; creatorId: string; afterEventId?: number }
	| { type: 'socket.unsubscribe'; creatorId: string }
	| ConnectionEvent
	/** Raised by the chart itself once a message parsed as a server frame. */
	| { type: 'socket.eventReceived'; frame: EventFrame }
	| { type: 'socket.caughtUp'; creatorId: string; lastEventId: number }
	| { type: 'socket.resyncRequired'; creatorId: string; lastEventId: number }
	/** Raised by the chart itself when the server confirms a subscription. */
	| { type: 'socket.subscribed'; creatorId: string }
	| HeartbeatEvent
	| { type: 'xstate.done.actor.pollEvents'; output: PollResult[] };

/** What the socket tells its parent. */
export type SocketParentEvent =
	| { type: 'socket.event'; frame: EventFrame }
	| { type: 'socket.reopened' }
	| { type: 'socket.resync'; creatorId: string };

function subscriptionFrame(
	event: SocketEvent,
	cursors: Record<string, number>
): ClientFrame | null {
	if (event.type === 'socket.subscribe') {
		const afterEventId = cursors[event.creatorId];
		return afterEventId === undefined
			? { type: 'subscribe', creatorId: event.creatorId }
			: { type: 'subscribe', creatorId: event.creatorId, afterEventId };
	}
	if (event.type === 'socket.unsubscribe')
		return { type: 'unsubscribe', creatorId: event.creatorId };

	return null;
}

/** The event frame in a message, or null for other frames and anything malformed. */
export function readEventFrame(data: string): EventFrame | null {
	const parsed = parseFrame(serverFrameSchema, data);

	return parsed.ok && parsed.frame.type === 'event' ? parsed.frame : null;
}

export const socketMachine = setup({
	types: {
		input: {} as SocketInput,
		context: {} as SocketContext,
		events: {} as SocketEvent
	},
	actors: { connection, pollEvents, heartbeat: heartbeatMonitor },
	guards: {
		closedByPolicy: ({ event }) =>
			event.type === 'socket.closed' && event.code === POLICY_VIOLATION,
		turnedAway: ({ event }) => event.type === 'socket.closed' && event.code === TRY_AGAIN_LATER,
		hadAttemptsLeft: ({ context }) => context.attemptsBeforeOpen < context.maxAttempts,
		hasOpenedBefore: ({ context }) => context.opens > 0,
		isReopenPending: ({ context }) => context.reopenPending,
		// A poll that got any answer means the server is back, over HTTP at least.
		serverBackLongEnough: ({ context, event }) =>
			event.type === 'xstate.done.actor.pollEvents' &&
			event.output.length > 0 &&
			context.answeredPolls + 1 >= context.pollsBeforeRetry,
		pollAnswered: ({ event }) =>
			event.type === 'xstate.done.actor.pollEvents' && event.output.length > 0,
		hasAttemptsLeft: ({ context }) => context.attempts < context.maxAttempts,
		isOffline: ({ context }) => !context.online,
		hasSubscriptions: ({ context }) => context.subscriptions.length > 0,
		isNewSubscription: ({ context, event }) =>
			event.type === 'socket.subscribe' && !context.subscriptions.includes(event.creatorId),
		isSubscribed: ({ context, event }) =>
			event.type === 'socket.unsubscribe' && context.subscriptions.includes(event.creatorId),
		isNewEvent: ({ context, event }) =>
			event.type === 'socket.eventReceived' &&
			event.frame.id > (context.cursors[event.frame.creatorId] ?? 0)
	},
	actions: {
		resetAttempts: assign({ attempts: 0 }),
		restoreAttempts: assign({ attempts: ({ context }) => context.attemptsBeforeOpen }),
		countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
		recordOpen: assign({
			attemptsBeforeOpen: ({ context }) => context.attempts,
			attempts: 0,
			lastError: null,
			retryAfterMs: null,
			opens: ({ context }) => context.opens + 1,
			pollsBeforeRetry: POLLS_BEFORE_SOCKET_RETRY
		}),
		forgetAnsweredPolls: assign({ answeredPolls: 0 }),
		countAnsweredPoll: assign({ answeredPolls: ({ context }) => context.answeredPolls + 1 }),
		// One probe: if it fails, the socket is given up again at once, with no backoff round.
		retryFromPoll: assign({
			attempts: ({ context }) => context.maxAttempts,
			pollsBeforeRetry: ({ context }) => context.pollsBeforeRetry * 2
		}),
		recordClose: assign(({ event }) => {
			if (event.type !== 'socket.closed') return {};

			return {
				lastCloseCode: event.code,
				lastError: event.reason || `The connection closed (code ${event.code}).`
			};
		}),
		recordOnline: assign({ online: true }),
		recordOffline: assign({ online: false }),
		addSubscription: assign(({ context, event }) => {
			if (event.type !== 'socket.subscribe' || context.subscriptions.includes(event.creatorId)) {
				return {};
			}

			const known = event.afterEventId !== undefined && !(event.creatorId in context.cursors);
			return {
				subscriptions: [...context.subscriptions, event.creatorId],
				cursors: known
					? { ...context.cursors, [event.creatorId]: event.afterEventId as number }
					: context.cursors
			};
		}),
		removeSubscription: assign(({ context, event }) => {
			if (event.type !== 'socket.unsubscribe') return {};

			const { [event.creatorId]: _forgotten, ...cursors } = context.cursors;
			return {
				subscriptions: context.subscriptions.filter((id) => id !== event.creatorId),
				cursors
			};
		}),
		sendSubscriptionChange: sendTo('connection', ({ context, event }) => ({
			type: 'socket.send' as const,
			frame: subscriptionFrame(event, context.cursors) as ClientFrame
		})),
		sendAllSubscriptions: enqueueActions(({ context, enqueue }) => {
			for (const creatorId of context.subscriptions) {
				const afterEventId = context.cursors[creatorId];
				enqueue.sendTo('connection', {
					type: 'socket.send',
					frame:
						afterEventId === undefined
							? { type: 'subscribe', creatorId }
							: { type: 'subscribe', creatorId, afterEventId }
				});
			}
		}),
		sendPing: sendTo('connection', { type: 'socket.send', frame: { type: 'ping' } }),
		noteAlive: sendTo('heartbeat', { type: 'heartbeat.alive' }),
		readMessage: enqueueActions(({ context, event, enqueue }) => {
			if (event.type !== 'socket.message') return;

			// Parsed once here. Event frames and resyncs become the chart's own events; the
			// bookkeeping frames only update the context.
			const parsed = parseFrame(serverFrameSchema, event.data);
			if (!parsed.ok) return;

			const frame = parsed.frame;
			if (frame.type === 'event') enqueue.raise({ type: 'socket.eventReceived', frame });
			if (frame.type === 'resync') {
				enqueue.raise({
					type: 'socket.resyncRequired',
					creatorId: frame.creatorId,
					lastEventId: frame.lastEventId
				});
			}
			if (frame.type === 'subscribed') {
				enqueue.raise({ type: 'socket.subscribed', creatorId: frame.creatorId });
			}
			// A creator's first subscription starts at the log's head as the server reported it.
			if (
				frame.type === 'subscribed' &&
				frame.lastEventId !== undefined &&
				!(frame.creatorId in context.cursors)
			) {
				enqueue.assign({ cursors: { ...context.cursors, [frame.creatorId]: frame.lastEventId } });
			}
			if (frame.type === 'retryAfter') enqueue.assign({ retryAfterMs: frame.ms });
		}),
		takePolledEvents: enqueueActions(({ event, enqueue }) => {
			assertEvent(event, 'xstate.done.actor.pollEvents');

			for (const result of event.output) {
				if (result.kind === 'resync') {
					enqueue.raise({ type: 'socket.resyncRequired', ...result });
					continue;
				}
				for (const frame of result.events) enqueue.raise({ type: 'socket.eventReceived', frame });
				enqueue.raise({
					type: 'socket.caughtUp',
					creatorId: result.creatorId,
					lastEventId: result.lastEventId
				});
			}
		}),
		rememberEventId: assign({
			cursors: ({ context, event }) => {
				assertEvent(event, 'socket.eventReceived');

				return { ...context.cursors, [event.frame.creatorId]: event.frame.id };
			}
		}),
		/** A poll read everything up to `lastEventId`; the cursor only ever moves forward. */
		advanceCursor: assign({
			cursors: ({ context, event }) => {
				assertEvent(event, 'socket.caughtUp');
				const current = context.cursors[event.creatorId] ?? 0;

				return { ...context.cursors, [event.creatorId]: Math.max(current, event.lastEventId) };
			}
		}),
		skipToResyncPoint: assign({
			cursors: ({ context, event }) => {
				assertEvent(event, 'socket.resyncRequired');

				return { ...context.cursors, [event.creatorId]: event.lastEventId };
			}
		}),
		forwardEvent: sendParent(({ event }): SocketParentEvent => {
			assertEvent(event, 'socket.eventReceived');

			return { type: 'socket.event', frame: event.frame };
		}),
		notifyResync: sendParent(({ event }): SocketParentEvent => {
			assertEvent(event, 'socket.resyncRequired');

			return { type: 'socket.resync', creatorId: event.creatorId };
		}),
		notifyReopened: sendParent({ type: 'socket.reopened' }),
		awaitSubscription: assign({ reopenPending: true }),
		clearReopenPending: assign({ reopenPending: false }),
		reportConnectTimeout: enqueueActions(({ enqueue }) => {
			enqueue.raise({
				type: 'socket.closed',
				code: SILENT_CONNECTION,
				reason: 'Connecting took too long.'
			});
		}),
		reportSilence: enqueueActions(({ enqueue }) => {
			enqueue.raise({
				type: 'socket.closed',
				code: SILENT_CONNECTION,
				reason: 'The server stopped answering.'
			});
		})
	},
	delays: {
		reconnectDelay: ({ context }) =>
			reconnectDelay(context.attempts, { notBeforeMs: context.retryAfterMs ?? 0 }),
		connectTimeout: () => CONNECT_TIMEOUT_MS,
		pollInterval: () => POLL_INTERVAL_MS
	}
}).createMachine({
	id: 'socket',
	description:
		"The tab's one WebSocket, with jittered backoff, a cap on reconnects, a heartbeat and HTTP polling once it gives up.",
	context: ({ input }) => ({
		url: input.url,
		subscriptions: [],
		attempts: 0,
		attemptsBeforeOpen: 0,
		maxAttempts: input.maxAttempts ?? 5,
		lastCloseCode: null,
		lastError: null,
		cursors: {},
		retryAfterMs: null,
		opens: 0,
		online: true,
		answeredPolls: 0,
		pollsBeforeRetry: input.pollsBeforeRetry ?? POLLS_BEFORE_SOCKET_RETRY,
		reopenPending: false
	}),
	initial: 'disconnected',
	on: {
		'socket.subscribe': {
			description: 'Remember a creator to follow; sent to the server once open.',
			actions: 'addSubscription'
		},
		'socket.unsubscribe': {
			description: 'Stop following a creator.',
			actions: 'removeSubscription'
		},
		'socket.disconnect': {
			description: 'Close the socket (code 1000) and stay closed, e.g. after sign-out.',
			target: '.disconnected'
		},
		'socket.caughtUp': {
			description: 'A poll read the log up to a point: resume from there.',
			actions: 'advanceCursor'
		},
		'socket.resyncRequired': {
			description: 'The missed events are gone from the log: the creator reloads over HTTP.',
			actions: ['skipToResyncPoint', 'notifyResync']
		},
		'socket.online': { description: 'The browser has a network.', actions: 'recordOnline' },
		'socket.offline': { description: 'The browser lost its network.', actions: 'recordOffline' }
	},
	states: {
		disconnected: {
			description: 'No socket is open and none will be until asked.',
			on: {
				'socket.connect': [
					{
						description: 'Asked to open while offline: wait for the network.',
						guard: 'isOffline',
						target: 'offline'
					},
					{ description: 'Open the socket.', target: 'active', actions: 'resetAttempts' }
				],
				'socket.reconnect': [
					{
						description: 'Asked to open while offline: wait for the network.',
						guard: 'isOffline',
						target: 'offline'
					},
					{ description: 'Open the socket.', target: 'active', actions: 'resetAttempts' }
				]
			}
		},
		active: {
			description: 'One socket exists; leaving this state closes it.',
			invoke: {
				id: 'connection',
				src: 'connection',
				input: ({ context }) => ({ url: context.url })
			},
			initial: 'connecting',
			on: {
				'socket.closed': [
					{
						description: 'The server refused the session (1008): do not retry.',
						guard: 'closedByPolicy',
						target: 'disconnected',
						actions: 'recordClose'
					},
					{
						description: 'Dropped, with attempts left: wait, then reconnect.',
						guard: 'hasAttemptsLeft',
						target: 'backoff',
						actions: ['recordClose', 'countAttempt']
					},
					{
						description: 'Dropped and no attempts left.',
						target: 'failed',
						actions: 'recordClose'
					}
				],
				'socket.offline': {
					description: 'The browser lost its network: close and wait, spending no attempts.',
					target: 'offline',
					actions: 'recordOffline'
				}
			},
			states: {
				connecting: {
					description: 'Waiting for the server to accept the socket.',
					after: {
						connectTimeout: {
							description: 'Neither open nor refused in time: count it as a failed attempt.',
							actions: 'reportConnectTimeout'
						}
					},
					on: {
						'socket.opened': [
							{
								description:
									'Open again after an outage: subscribe again, and wait for the server to confirm before re-reading what was missed.',
								guard: 'hasOpenedBefore',
								target: 'open',
								actions: ['recordOpen', 'sendAllSubscriptions', 'awaitSubscription']
							},
							{
								description: 'Open for the first time.',
								target: 'open',
								actions: ['recordOpen', 'sendAllSubscriptions']
							}
						]
					}
				},
				open: {
					description:
						'Connected; every followed creator is subscribed once, resuming after its last event. A heartbeat watches for silence.',
					tags: ['connected'],
					invoke: {
						id: 'heartbeat',
						src: 'heartbeat',
						input: () => ({ intervalMs: heartbeat.intervalMs, timeoutMs: heartbeat.timeoutMs })
					},
					on: {
						'socket.closed': [
							{
								description:
									'A full server turned the socket away (1013): the open did not count; wait as it said, then try again.',
								guard: and(['turnedAway', 'hadAttemptsLeft']),
								target: '#socket.backoff',
								actions: ['recordClose', 'restoreAttempts', 'countAttempt']
							},
							{
								description:
									'A full server turned the socket away (1013) and no attempts are left: poll instead.',
								guard: 'turnedAway',
								target: '#socket.failed',
								actions: ['recordClose', 'restoreAttempts']
							}
						],
						'socket.message': {
							description: 'A frame arrived: the connection is alive; act on the frame.',
							actions: ['noteAlive', 'readMessage']
						},
						'socket.eventReceived': {
							description:
								'An event newer than the last one applied for its creator: remember it and pass it on. Repeats are dropped.',
							guard: 'isNewEvent',
							actions: ['rememberEventId', 'forwardEvent']
						},
						'socket.subscribed': {
							description:
								'The server confirmed the first subscription since the outage: the parent re-reads what it missed.',
							guard: 'isReopenPending',
							actions: ['clearReopenPending', 'notifyReopened']
						},
						'socket.pingDue': {
							description: 'Quiet for a while: ping the server.',
							actions: 'sendPing'
						},
						'socket.silent': {
							description: 'Nothing came back after the ping: drop the connection and reconnect.',
							actions: 'reportSilence'
						},
						'socket.subscribe': {
							description: 'Follow a new creator now.',
							guard: 'isNewSubscription',
							actions: ['addSubscription', 'sendSubscriptionChange']
						},
						'socket.unsubscribe': {
							description: 'Stop following a creator now.',
							guard: 'isSubscribed',
							actions: ['removeSubscription', 'sendSubscriptionChange']
						}
					}
				}
			}
		},
		backoff: {
			description:
				'Waiting a random time, up to a ceiling that doubles each attempt, before reconnecting.',
			after: {
				reconnectDelay: { target: 'active', description: 'Try to connect again.' }
			},
			on: {
				'socket.reconnect': {
					description: 'Reconnect now and start counting again.',
					target: 'active',
					actions: 'resetAttempts'
				},
				'socket.online': {
					description: 'The browser is back online: reconnect now.',
					target: 'active',
					actions: ['recordOnline', 'resetAttempts']
				},
				'socket.visible': {
					description: 'The tab came into view: reconnect now.',
					target: 'active',
					actions: 'resetAttempts'
				},
				'socket.offline': {
					description: 'The browser lost its network: stop counting attempts.',
					target: 'offline',
					actions: 'recordOffline'
				}
			}
		},
		offline: {
			description: 'The browser is offline: no socket, no attempts spent, until it is back.',
			tags: ['offline'],
			on: {
				'socket.online': {
					description: 'The network is back: connect at once.',
					target: 'active',
					actions: ['recordOnline', 'resetAttempts']
				}
			}
		},
		failed: {
			description:
				'All reconnects failed; events still arrive by polling the log over HTTP until the socket is back.',
			tags: ['gaveUp'],
			initial: 'checking',
			entry: 'forgetAnsweredPolls',
			on: {
				'socket.reconnect': {
					description: 'Try again from the start.',
					target: 'active',
					actions: 'resetAttempts'
				},
				'socket.online': {
					description: 'The browser is back online: try again from the start.',
					target: 'active',
					actions: ['recordOnline', 'resetAttempts']
				},
				'socket.visible': {
					description: 'The tab came into view: try again from the start.',
					target: 'active',
					actions: 'resetAttempts'
				},
				'socket.eventReceived': {
					description:
						'A polled event newer than the last one applied: pass it on. Repeats are dropped.',
					guard: 'isNewEvent',
					actions: ['rememberEventId', 'forwardEvent']
				},
				'socket.offline': {
					description: 'The browser lost its network: stop polling too.',
					target: 'offline',
					actions: 'recordOffline'
				}
			},
			states: {
				checking: {
					description: 'Polls only when some creator is followed.',
					always: [
						{ guard: 'hasSubscriptions', target: 'polling', description: 'Poll now.' },
						{ target: 'idle', description: 'Nothing to poll.' }
					]
				},
				idle: {
					description: 'Nothing is followed, so nothing is polled.',
					on: {
						'socket.subscribe': {
							description: 'A creator is followed now: poll for it.',
							target: 'polling',
							actions: 'addSubscription'
						}
					}
				},
				polling: {
					description: 'Reading the events after each creator’s last one over HTTP.',
					tags: ['polling'],
					invoke: {
						id: 'pollEvents',
						src: 'pollEvents',
						input: ({ context }) => ({
							creatorIds: context.subscriptions,
							cursors: context.cursors
						}),
						onDone: [
							{
								description:
									'The server has answered polls for a while: apply what came back and try the socket once.',
								guard: 'serverBackLongEnough',
								target: '#socket.active',
								actions: ['takePolledEvents', 'retryFromPoll']
							},
							{
								description: 'The server answered: apply what came back, count it, then wait.',
								guard: 'pollAnswered',
								target: 'waiting',
								actions: ['takePolledEvents', 'countAnsweredPoll']
							},
							{
								description: 'No creator could be read: wait and poll again.',
								target: 'waiting'
							}
						],
						onError: { description: 'The poll failed: wait and poll again.', target: 'waiting' }
					}
				},
				waiting: {
					description: 'Between polls.',
					tags: ['polling'],
					after: {
						pollInterval: { target: 'checking', description: 'Poll again.' }
					}
				}
			}
		}
	}
});
