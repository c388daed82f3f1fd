/**
 * The real link between tabs behind the tabSync machine's `channel` actor: BroadcastChannel
 * where it exists, else localStorage writes that other tabs see as `storage` events.
 */
import { fromCallback } from 'xstate';
import type { TabMessage } from '../../src/lib/shared/protocol';
import { CHANNEL_NAME, toPlainMessage } from '../tab-message';

export type Transport = 'broadcast' | 'storage';

/** What the channel reports to the tabSync machine. */
export type ChannelEvent =
	| { type: 'tab.ready'; transport: Transport }
	| { type: 'tab.message'; message: unknown }
	| { type: 'tab.unavailable'; reason: string };

/** What the tabSync machine asks of the channel. */
export type ChannelCommand = { type: 'tab.post'; message: TabMessage };

export interface TabLink {
	post(message: unknown): void;
	close(): void;
}

interface LinkOptions {
	tabId: string;
	report: (event: ChannelEvent) => void;
	/**
	 * Where a dropped message is noted, once per link and reason. `console.debug` unless given:
	 * visible to a developer who asks for it, silent for everyone else.
	 */
	note?: (message: string) => void;
}

/** Notes each reason a message was dropped the first time only, so a loop cannot flood. */
function noteOnce(options: LinkOptions): (reason: string) => void {
	const noted = new Set<string>();
	const note = options.note ?? ((message: string) => console.debug(message));

	return (reason) => {
		if (noted.has(reason)) return;

		noted.add(reason);
		note(`Tab sync dropped a message: ${reason}`);
	};
}

const CLOSED = 'this tab has closed its channel.';
const UNCOPYABLE = 'it could not be copied as plain data.';

/**
 * Opens the best transport this browser has and reports `tab.ready` or `tab.unavailable`.
 * Every failure is reported at most once and then the link goes quiet: a refused write is
 * never retried, and a post after `close()` does nothing.
 */
export function openTabLink(options: LinkOptions): TabLink {
	if (typeof globalThis.BroadcastChannel === 'function') return openBroadcastLink(options);

	const storage = readLocalStorage();
	if (storage) return openStorageLink(storage, options);

	options.report({
		type: 'tab.unavailable',
		reason: 'This browser offers no way to talk to other tabs.'
	});

	return { post: () => {}, close: () => {} };
}

export const channel = fromCallback<ChannelCommand, { tabId: string }, ChannelEvent>(
	({ input, sendBack, receive }) => {
		const link = openTabLink({ tabId: input.tabId, report: sendBack });
		receive((command) => link.post(command.message));

		return () => link.close();
	}
);

/** Passes on other tabs' messages; a tab's own messages can come back on some transports. */
function receiveFrom(options: LinkOptions, message: unknown) {
	if (isFromTab(message, options.tabId)) return;

	options.report({ type: 'tab.message', message });
}

function isFromTab(message: unknown, tabId: string): boolean {
	return typeof message === 'object' && message !== null && 'sourceTabId' in message
		? message.sourceTabId === tabId
		: false;
}

function openBroadcastLink(options: LinkOptions): TabLink {
	const broadcast = new globalThis.BroadcastChannel(CHANNEL_NAME);
	const drop = noteOnce(options);
	let open = true;
	broadcast.onmessage = (event: MessageEvent) => receiveFrom(options, event.data);
	options.report({ type: 'tab.ready', transport: 'broadcast' });

	return {
		post(message) {
			if (!open) return drop(CLOSED);
			const plain = toPlainMessage(message);
			if (plain === null) return drop(UNCOPYABLE);

			broadcast.postMessage(plain);
		},
		close() {
			open = false;
			broadcast.onmessage = null;
			broadcast.close();
		}
	};
}

function openStorageLink(storage: Storage, options: LinkOptions): TabLink {
	const drop = noteOnce(options);
	let writable = true;
	let open = true;

	// Some private modes expose localStorage but refuse every write; find out before the
	// first real message so the page can say cross-tab sync is off from the start.
	const write = (json: string) => {
		try {
			storage.setItem(CHANNEL_NAME, json);
		} catch (error) {
			writable = false;
			options.report({ type: 'tab.unavailable', reason: describeRefusal(error) });
		}
	};
	write(JSON.stringify({ type: 'probe', sentAt: Date.now() }));
	if (!writable) return { post: () => {}, close: () => {} };

	const onStorage = (event: StorageEvent) => {
		if (event.key !== CHANNEL_NAME || event.newValue === null) return;

		try {
			receiveFrom(options, JSON.parse(event.newValue));
		} catch {
			// Another app on this origin wrote something that is not ours; ignore it.
		}
	};
	globalThis.addEventListener('storage', onStorage);
	options.report({ type: 'tab.ready', transport: 'storage' });

	return {
		post(message) {
			if (!open) return drop(CLOSED);
			// Storage that refused a write was reported once already; the link stays quiet.
			if (!writable) return;
			const plain = toPlainMessage(message);
			if (plain === null) return drop(UNCOPYABLE);

			write(JSON.stringify(plain));
		},
		close() {
			open = false;
			globalThis.removeEventListener('storage', onStorage);
		}
	};
}

/** localStorage, or null when it is missing or reading it throws (blocked storage). */
function readLocalStorage(): Storage | null {
	try {
		return globalThis.localStorage ?? null;
	} catch {
		return null;
	}
}

function describeRefusal(error: unknown): string {
	const name = error instanceof Error ? error.name : 'Error';

	return `This browser refused to store the sync message (${name}); tabs will not sync.`;
}
