/**
 * Keeps the tabs of one browser in step: passes this tab's confirmed changes to the others and
 * theirs to this one. Without a working transport the app carries on with sync turned off.
 */
import { assertEvent, assign, sendParent, sendTo, setup } from 'xstate';
import type { TabMessage } from '../src/lib/shared/protocol';
import { channel, type ChannelEvent, type Transport } from './adapters/tab-channel';
import { createId } from './ids';
import { readTabMessage } from './tab-message';

export { CHANNEL_NAME } from './tab-message';

export interface TabSyncInput {
	tabId?: string;
}

export interface TabSyncContext {
	tabId: string;
	lastSyncAt: number | null;
	transport: Transport | 'none';
	lastError: string | null;
}

export type TabSyncEvent =
	| { type: 'tab.broadcast'; message: TabMessage }
	| { type: 'tab.forceSync'; origin?: string }
	| ChannelEvent;

/** What tabSync tells its parent. */
export type TabSyncParentEvent =
	{ type: 'tab.received'; message: TabMessage } | { type: 'tab.forceSync'; origin: 'tabSync' };

export const tabSyncMachine = setup({
	types: {
		input: {} as TabSyncInput,
		context: {} as TabSyncContext,
		events: {} as TabSyncEvent
	},
	actors: { channel },
	guards: {
		isValidMessage: ({ context, event }) => {
			if (event.type !== 'tab.message') return false;

			const message = readTabMessage(event.message);

			return message !== null && message.sourceTabId !== context.tabId;
		}
	},
	actions: {
		recordTransport: assign({
			transport: ({ event }) => (event.type === 'tab.ready' ? event.transport : 'none')
		}),
		recordUnavailable: assign({
			transport: 'none' as const,
			lastError: ({ event }) => (event.type === 'tab.unavailable' ? event.reason : null)
		}),
		stampSync: assign({ lastSyncAt: () => Date.now() }),
		postMessage: sendTo('channel', ({ context, event }) => {
			assertEvent(event, 'tab.broadcast');

			// The message always leaves under this tab's id, whoever built it.
			return {
				type: 'tab.post' as const,
				message: { ...event.message, sourceTabId: context.tabId }
			};
		}),
		postSyncRequest: sendTo('channel', ({ context }) => ({
			type: 'tab.post' as const,
			message: { type: 'sync.request' as const, sourceTabId: context.tabId, sentAt: Date.now() }
		})),
		forwardMessage: sendParent(({ event }): TabSyncParentEvent => {
			assertEvent(event, 'tab.message');

			return { type: 'tab.received', message: readTabMessage(event.message) as TabMessage };
		}),
		// `origin` lets the parent tell this report from a person's own force-sync request.
		forwardForceSync: sendParent({ type: 'tab.forceSync', origin: 'tabSync' })
	}
}).createMachine({
	id: 'tabSync',
	description: 'Passes confirmed creator changes between the tabs of one browser.',
	context: ({ input }) => ({
		tabId: input.tabId ?? createId(),
		lastSyncAt: null,
		transport: 'none',
		lastError: null
	}),
	invoke: { id: 'channel', src: 'channel', input: ({ context }) => ({ tabId: context.tabId }) },
	initial: 'starting',
	states: {
		starting: {
			description: 'Opening BroadcastChannel, or localStorage where it is missing.',
			on: {
				'tab.ready': {
					description: 'A transport works.',
					target: 'active',
					actions: 'recordTransport'
				},
				'tab.unavailable': {
					description: 'No transport works.',
					target: 'unavailable',
					actions: 'recordUnavailable'
				}
			}
		},
		active: {
			description: 'Messages flow between this tab and the others.',
			on: {
				'tab.broadcast': {
					description: 'Tell the other tabs about a confirmed change.',
					actions: ['postMessage', 'stampSync']
				},
				'tab.message': {
					description: 'Another tab sent a well-formed message.',
					guard: 'isValidMessage',
					actions: ['forwardMessage', 'stampSync']
				},
				'tab.forceSync': {
					description: 'Ask every tab for its state, and this tab to re-read the server.',
					actions: ['postSyncRequest', 'forwardForceSync']
				},
				'tab.unavailable': {
					description: 'The transport stopped working (e.g. storage refused a write).',
					target: 'unavailable',
					actions: 'recordUnavailable'
				}
			}
		},
		unavailable: {
			description: 'Cross-tab sync is off; this tab still works on its own.',
			on: {
				'tab.forceSync': {
					description: 'Without other tabs, force-sync only re-reads the server.',
					actions: 'forwardForceSync'
				}
			}
		}
	}
});
