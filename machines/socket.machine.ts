/**
 * The tab's one WebSocket: connects on request, re-subscribes after every (re)connect, backs
 * off exponentially when the connection drops, and gives up after `maxAttempts` reconnects
 * until asked again. The app keeps working over HTTP while it is down.
 */
import { assertEvent, assign, enqueueActions, sendParent, sendTo, setup } from 'xstate';
import {
	parseFrame,
	serverFrameSchema,
	type ClientFrame,
	type EventFrame
} from '../src/lib/shared/protocol';
import { connection, type ConnectionEvent } from './adapters/websocket';
import { reconnectDelay } from './backoff';

/** Close code the server uses when the session ended or the socket is not allowed. */
export const POLICY_VIOLATION = 1008;

export interface SocketInput {
	url: string;
	/** Reconnects after a drop before giving up; 5 unless given. */
	maxAttempts?: number;
}

export interface SocketContext {
	url: string;
	subscriptions: string[];
	/** Reconnects since the last successful open. */
	attempts: number;
	maxAttempts: number;
	lastCloseCode: number | null;
	lastError: string | null;
	/** The id of the last event frame received. */
	lastEventId: number;
	/** Successful opens so far; any after the first is a reconnect. */
	opens: number;
}

export type SocketEvent =
	| { type: 'socket.connect' }
	| { type: 'socket.disconnect' }
	| { type: 'socket.reconnect' }
	| { type: 'socket.online' }
	| { type: 'socket.subscribe'; creatorId: string }
	| { type: 'socket.unsubscribe'; creatorId: string }
	| ConnectionEvent
	/** Raised by the chart itself once a message parsed as an event frame. */
	| { type: 'socket.eventReceived'; frame: EventFrame };

/** What the socket tells its parent. */
export type SocketParentEvent =
	{ type: 'socket.event'; frame: EventFrame } | { type: 'socket.reopened' };

function subscriptionFrame(event: SocketEvent): ClientFrame | null {
	if (event.type === 'socket.subscribe') return { type: 'subscribe', creatorId: event.creatorId };
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
	actors: { connection },
	guards: {
		closedByPolicy: ({ event }) =>
			event.type === 'socket.closed' && event.code === POLICY_VIOLATION,
		hasOpenedBefore: ({ context }) => context.opens > 0,
		hasAttemptsLeft: ({ context }) => context.attempts < context.maxAttempts,
		isNewSubscription: ({ context, event }) =>
			event.type === 'socket.subscribe' && !context.subscriptions.includes(event.creatorId),
		isSubscribed: ({ context, event }) =>
			event.type === 'socket.unsubscribe' && context.subscriptions.includes(event.creatorId)
	},
	actions: {
		resetAttempts: assign({ attempts: 0 }),
		countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
		recordOpen: assign({ attempts: 0, lastError: null, opens: ({ context }) => context.opens + 1 }),
		recordClose: assign(({ event }) => {
			if (event.type !== 'socket.closed') return {};

			return {
				lastCloseCode: event.code,
				lastError: event.reason || `The connection closed (code ${event.code}).`
			};
		}),
		addSubscription: assign({
			subscriptions: ({ context, event }) =>
				event.type === 'socket.subscribe' && !context.subscriptions.includes(event.creatorId)
					? [...context.subscriptions, event.creatorId]
					: context.subscriptions
		}),
		removeSubscription: assign({
			subscriptions: ({ context, event }) =>
				context.subscriptions.filter(
					(id) => event.type !== 'socket.unsubscribe' || id !== event.creatorId
				)
		}),
		sendSubscriptionChange: sendTo('connection', ({ event }) => ({
			type: 'socket.send' as const,
			frame: subscriptionFrame(event) as ClientFrame
		})),
		sendAllSubscriptions: enqueueActions(({ context, enqueue }) => {
			for (const creatorId of context.subscriptions) {
				enqueue.sendTo('connection', {
					type: 'socket.send',
					frame: { type: 'subscribe', creatorId }
				});
			}
		}),
		readMessage: enqueueActions(({ event, enqueue }) => {
			if (event.type !== 'socket.message') return;

			// Parsed once here; the chart then handles the frame as its own event.
			const frame = readEventFrame(event.data);
			if (frame) enqueue.raise({ type: 'socket.eventReceived', frame });
		}),
		rememberEventId: assign({
			lastEventId: ({ context, event }) =>
				event.type === 'socket.eventReceived' ? event.frame.id : context.lastEventId
		}),
		forwardEvent: sendParent(({ event }): SocketParentEvent => {
			assertEvent(event, 'socket.eventReceived');

			return { type: 'socket.event', frame: event.frame };
		}),
		notifyReopened: sendParent({ type: 'socket.reopened' })
	},
	delays: {
		reconnectDelay: ({ context }) => reconnectDelay(context.attempts)
	}
}).createMachine({
	id: 'socket',
	description: "The tab's one WebSocket, with backoff and a cap on reconnect attempts.",
	context: ({ input }) => ({
		url: input.url,
		subscriptions: [],
		attempts: 0,
		maxAttempts: input.maxAttempts ?? 5,
		lastCloseCode: null,
		lastError: null,
		lastEventId: 0,
		opens: 0
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
		}
	},
	states: {
		disconnected: {
			description: 'No socket is open and none will be until asked.',
			on: {
				'socket.connect': {
					description: 'Open the socket.',
					target: 'active',
					actions: 'resetAttempts'
				},
				'socket.reconnect': {
					description: 'Open the socket.',
					target: 'active',
					actions: 'resetAttempts'
				}
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
				]
			},
			states: {
				connecting: {
					description: 'Waiting for the server to accept the socket.',
					on: {
						'socket.opened': [
							{
								description: 'Open again after an outage: the parent re-reads what it missed.',
								guard: 'hasOpenedBefore',
								target: 'open',
								actions: 'notifyReopened'
							},
							{ description: 'Open for the first time.', target: 'open' }
						]
					}
				},
				open: {
					description: 'Connected; every followed creator is subscribed once.',
					tags: ['connected'],
					entry: ['recordOpen', 'sendAllSubscriptions'],
					on: {
						'socket.message': {
							description: 'A frame arrived; only well-formed event frames go on.',
							actions: 'readMessage'
						},
						'socket.eventReceived': {
							description: 'An event frame for a followed creator: pass it to the parent.',
							actions: ['rememberEventId', 'forwardEvent']
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
			description: 'Waiting before the next reconnect; the wait doubles each attempt.',
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
					actions: 'resetAttempts'
				}
			}
		},
		failed: {
			description: 'All reconnects failed; nothing is scheduled until asked again.',
			tags: ['gaveUp'],
			on: {
				'socket.reconnect': {
					description: 'Try again from the start.',
					target: 'active',
					actions: 'resetAttempts'
				},
				'socket.online': {
					description: 'The browser is back online: try again from the start.',
					target: 'active',
					actions: 'resetAttempts'
				}
			}
		}
	}
});
