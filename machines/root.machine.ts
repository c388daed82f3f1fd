/**
 * The app session in one tab: owns the socket, the tab sync and one actor per creator on
 * screen, and routes between them. Components talk to this actor or to a creator actor only.
 */
import {
	assertEvent,
	assign,
	enqueueActions,
	forwardTo,
	not,
	sendTo,
	setup,
	stopChild,
	type ActorRefFrom
} from 'xstate';
import type { Creator, EventFrame, TabMessage } from '../src/lib/shared/protocol';
import { connectivity, type ConnectivityEvent } from './adapters/connectivity';
import { creatorMachine, type CreatorParentEvent } from './creator.machine';
import { createId } from './ids';
import { socketMachine, type SocketParentEvent } from './socket.machine';
import { tabSyncMachine, type TabSyncParentEvent } from './tabSync.machine';

export type CreatorActor = ActorRefFrom<typeof creatorMachine>;

export interface RootInput {
	socketUrl: string;
	tabId?: string;
	/** Open the socket at once; otherwise it waits for `socket.connect`. */
	connect?: boolean;
}

export interface RootContext {
	socketUrl: string;
	tabId: string;
	connectOnStart: boolean;
	/** One actor per tracked creator, keyed by creator id; the actor's id is `creator:{id}`. */
	creators: Record<string, CreatorActor>;
	/** A save was refused because the session ended; the page should offer to sign in. */
	authRequired: boolean;
}

export type RootEvent =
	| { type: 'creator.track'; creatorId: string; snapshot?: Creator | null; eventId?: number }
	| { type: 'creator.untrack'; creatorId: string }
	| { type: 'session.signedIn' }
	| { type: 'session.signedOut' }
	| { type: 'socket.connect' }
	| { type: 'socket.disconnect' }
	| { type: 'socket.reconnect' }
	| ConnectivityEvent
	/** The force-sync button; tabSync reports back with `origin: 'tabSync'`. */
	| { type: 'tab.forceSync'; origin?: undefined }
	| CreatorParentEvent
	| SocketParentEvent
	| TabSyncParentEvent;

/** The id under which a creator's actor is spawned. */
export const creatorActorId = (creatorId: string) => `creator:${creatorId}`;

/** The creator an event is about, if any. */
function creatorIdOf(event: RootEvent): string | null {
	switch (event.type) {
		case 'creator.track':
		case 'creator.untrack':
			return event.creatorId;
		case 'socket.event':
			return event.frame.creatorId;
		case 'socket.resync':
			return event.creatorId;
		case 'tab.received':
			return event.message.type === 'creator.state' ? event.message.creator.id : null;
		default:
			return null;
	}
}

/**
 * What one tab tells the others about a creator: its public copy only. Earnings stay out, so
 * they never reach localStorage (the fallback transport) or a tab whose session has changed;
 * an owner's other tabs have their own from the server.
 */
function stateMessage(
	tabId: string,
	creator: Creator,
	eventId: number,
	editId?: string
): TabMessage {
	const { earningsCents: _private, ...publicCopy } = creator;

	return {
		type: 'creator.state',
		sourceTabId: tabId,
		creator: publicCopy,
		eventId,
		editId,
		sentAt: Date.now()
	};
}

export const rootMachine = setup({
	types: {
		input: {} as RootInput,
		context: {} as RootContext,
		events: {} as RootEvent
	},
	actors: {
		creator: creatorMachine,
		socket: socketMachine,
		tabSync: tabSyncMachine,
		connectivity
	},
	guards: {
		connectOnStart: ({ context }) => context.connectOnStart,
		isTracked: ({ context, event }) => {
			const creatorId = creatorIdOf(event);

			// Own keys only: an id such as `constructor` must not find Object.prototype's members.
			return creatorId !== null && Object.hasOwn(context.creators, creatorId);
		},
		hasSnapshot: ({ event }) => event.type === 'creator.track' && !!event.snapshot,
		isFromTabSync: ({ event }) => event.type === 'tab.forceSync' && event.origin === 'tabSync',
		isSyncRequest: ({ event }) =>
			event.type === 'tab.received' && event.message.type === 'sync.request'
	},
	actions: {
		connectSocket: sendTo('socket', { type: 'socket.connect' }),
		spawnCreator: assign({
			creators: ({ context, event, spawn }) => {
				assertEvent(event, 'creator.track');

				const actor = spawn('creator', {
					id: creatorActorId(event.creatorId),
					input: {
						creatorId: event.creatorId,
						snapshot: event.snapshot ?? null,
						eventId: event.eventId
					}
				});

				return { ...context.creators, [event.creatorId]: actor };
			}
		}),
		offerSnapshot: sendTo(
			({ context, event }) => context.creators[creatorIdOf(event) as string],
			({ event }) => {
				assertEvent(event, 'creator.track');

				return {
					type: 'creator.remoteUpdate' as const,
					creator: event.snapshot as Creator,
					eventId: event.eventId
				};
			}
		),
		stopCreator: stopChild(({ context, event }) => context.creators[creatorIdOf(event) as string]),
		forgetCreator: assign({
			creators: ({ context, event }) => {
				const { [creatorIdOf(event) as string]: _stopped, ...rest } = context.creators;

				return rest;
			}
		}),
		// A page's copy names the log position it reflects, so the socket's first subscription
		// also replays what happened between the page load and the socket opening.
		subscribeSocket: sendTo('socket', ({ event }) => ({
			type: 'socket.subscribe' as const,
			creatorId: creatorIdOf(event) as string,
			afterEventId: event.type === 'creator.track' ? event.eventId : undefined
		})),
		unsubscribeSocket: sendTo('socket', ({ event }) => ({
			type: 'socket.unsubscribe' as const,
			creatorId: creatorIdOf(event) as string
		})),
		routeServerEvent: sendTo(
			({ context, event }) => context.creators[creatorIdOf(event) as string],
			({ event }) => {
				assertEvent(event, 'socket.event');

				return { type: 'creator.serverEvent' as const, frame: event.frame as EventFrame };
			}
		),
		routeTabState: sendTo(
			({ context, event }) => context.creators[creatorIdOf(event) as string],
			({ event }) => {
				assertEvent(event, 'tab.received');
				const message = event.message as Extract<TabMessage, { type: 'creator.state' }>;

				return {
					type: 'creator.remoteUpdate' as const,
					creator: message.creator,
					editId: message.editId,
					eventId: message.eventId
				};
			}
		),
		broadcastCommit: sendTo('tabSync', ({ context, event }) => {
			assertEvent(event, 'creator.committed');

			return {
				type: 'tab.broadcast' as const,
				message: stateMessage(context.tabId, event.creator, event.eventId, event.editId)
			};
		}),
		broadcastAllCreators: enqueueActions(({ context, enqueue }) => {
			for (const actor of Object.values(context.creators)) {
				const { confirmed, eventCursor } = actor.getSnapshot().context;
				if (!confirmed) continue;

				enqueue.sendTo('tabSync', {
					type: 'tab.broadcast',
					message: stateMessage(context.tabId, confirmed, eventCursor)
				});
			}
		}),
		refreshCreator: sendTo(({ context, event }) => context.creators[creatorIdOf(event) as string], {
			type: 'creator.refresh' as const
		}),
		refreshAllCreators: enqueueActions(({ context, enqueue }) => {
			for (const actor of Object.values(context.creators)) {
				enqueue.sendTo(actor, { type: 'creator.refresh' });
			}
		}),
		disconnectSocket: sendTo('socket', { type: 'socket.disconnect' }),
		forwardToSocket: forwardTo('socket'),
		forwardToTabSync: forwardTo('tabSync'),
		requireSignIn: assign({ authRequired: true }),
		clearSignInPrompt: assign({ authRequired: false })
	}
}).createMachine({
	id: 'root',
	description:
		'One tab: the socket, tab sync and the creators on screen, and the routes between them.',
	context: ({ input }) => ({
		socketUrl: input.socketUrl,
		tabId: input.tabId ?? createId(),
		connectOnStart: input.connect ?? false,
		creators: {},
		authRequired: false
	}),
	invoke: [
		{ id: 'socket', src: 'socket', input: ({ context }) => ({ url: context.socketUrl }) },
		{ id: 'tabSync', src: 'tabSync', input: ({ context }) => ({ tabId: context.tabId }) },
		{ id: 'connectivity', src: 'connectivity' }
	],
	initial: 'starting',
	states: {
		starting: {
			description: 'Opens the socket at once when asked to.',
			always: [
				{
					description: 'Asked to connect at start: open the socket.',
					guard: 'connectOnStart',
					target: 'running',
					actions: 'connectSocket'
				},
				{ description: 'Wait for `socket.connect`.', target: 'running' }
			]
		},
		running: {
			description: 'Routing events between the socket, the tabs and the creators.',
			on: {
				'creator.track': [
					{
						description: 'A page shows a creator not followed yet: start it and subscribe.',
						guard: not('isTracked'),
						actions: ['spawnCreator', 'subscribeSocket']
					},
					{
						description: 'Already followed: offer the page copy (ignored if older).',
						guard: 'hasSnapshot',
						actions: 'offerSnapshot'
					}
				],
				'creator.untrack': {
					description: 'No page shows the creator any more: stop it and unsubscribe.',
					guard: 'isTracked',
					actions: ['stopCreator', 'forgetCreator', 'unsubscribeSocket']
				},
				'socket.event': {
					description: 'A server event for a followed creator.',
					guard: 'isTracked',
					actions: 'routeServerEvent'
				},
				'socket.resync': {
					description: 'The event log cannot replay what this creator missed: reload it.',
					guard: 'isTracked',
					actions: 'refreshCreator'
				},
				'socket.reopened': {
					description: 'The socket is back after an outage: re-read what may have been missed.',
					actions: 'refreshAllCreators'
				},
				'tab.received': [
					{
						description: 'Another tab confirmed a change to a followed creator.',
						guard: 'isTracked',
						actions: 'routeTabState'
					},
					{
						description: 'Another tab asks for state: send every confirmed creator.',
						guard: 'isSyncRequest',
						actions: 'broadcastAllCreators'
					}
				],
				'tab.forceSync': [
					{
						description: 'Tab sync asked the other tabs: every creator re-reads the server.',
						guard: 'isFromTabSync',
						actions: 'refreshAllCreators'
					},
					{
						description: 'The person asked to force a sync: tab sync asks the other tabs.',
						actions: 'forwardToTabSync'
					}
				],
				'creator.committed': {
					description: 'A save was confirmed: tell the other tabs.',
					actions: 'broadcastCommit'
				},
				'session.authRequired': {
					description: 'A save was refused for lack of a session.',
					actions: 'requireSignIn'
				},
				'session.signedIn': {
					description: 'The person signed in again.',
					actions: 'clearSignInPrompt'
				},
				'session.signedOut': {
					description: 'Signed out: close the socket cleanly, no reconnects.',
					actions: 'disconnectSocket'
				},
				'socket.connect': { description: 'Open the socket.', actions: 'forwardToSocket' },
				'socket.disconnect': { description: 'Close the socket.', actions: 'forwardToSocket' },
				'socket.reconnect': { description: 'Reconnect now.', actions: 'forwardToSocket' },
				'socket.online': {
					description: 'The browser is online again.',
					actions: 'forwardToSocket'
				},
				'socket.offline': { description: 'The browser went offline.', actions: 'forwardToSocket' },
				'socket.visible': { description: 'The tab came into view.', actions: 'forwardToSocket' }
			}
		}
	}
});
