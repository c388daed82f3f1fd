import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { CHANNEL_NAME, tabSyncMachine } from '../../machines/tabSync.machine';
import type { TabMessage } from '../../src/lib/shared/protocol';
import { fakeChannel } from './support/fake-actors';
import { alpha } from './support/fixtures';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');

function startTabSync(input: { tabId?: string } = { tabId: 'tab-a' }) {
	const channel = fakeChannel();
	const received: TabMessage[] = [];
	const forwardForceSync = vi.fn();
	const machine = tabSyncMachine.provide({
		actors: { channel: channel.channel },
		actions: {
			forwardMessage: ({ event }) => {
				if (event.type === 'tab.message') received.push(event.message as TabMessage);
			},
			forwardForceSync
		}
	});
	const actor = createActor(machine, { input }).start();

	return { actor, channel, received, forwardForceSync };
}

const stateFrom = (sourceTabId: string): TabMessage => ({
	type: 'creator.state',
	sourceTabId,
	creator: alpha({ nickname: 'Beta', version: 2 }),
	editId: 'e1',
	sentAt: 1
});

describe('tabSyncMachine', () => {
	beforeEach(() => {
		vi.useFakeTimers({ now: NOW });
	});

	afterEach(() => {
		vi.useRealTimers();
	});

	it('uses the channel name fonana_creator_sync', () => {
		expect(CHANNEL_NAME).toBe('fonana_creator_sync');
	});

	it('starts with the given tab id and no transport', () => {
		const { actor } = startTabSync();

		expect(actor.getSnapshot().value).toBe('starting');
		expect(actor.getSnapshot().context).toEqual({
			tabId: 'tab-a',
			lastSyncAt: null,
			transport: 'none',
			lastError: null
		});
	});

	it('generates a tab id when none is given', () => {
		expect(startTabSync({}).actor.getSnapshot().context.tabId).toMatch(/^[0-9a-f-]{36}$/);
	});

	it('becomes active with the transport when the channel is ready', () => {
		const { actor, channel } = startTabSync();

		channel.report({ type: 'tab.ready', transport: 'storage' });

		expect(actor.getSnapshot().value).toBe('active');
		expect(actor.getSnapshot().context.transport).toBe('storage');
	});

	it('becomes unavailable with the reason when no transport works', () => {
		const { actor, channel } = startTabSync();

		channel.report({ type: 'tab.unavailable', reason: 'No way to talk to other tabs.' });

		expect(actor.getSnapshot().value).toBe('unavailable');
		expect(actor.getSnapshot().context).toMatchObject({
			transport: 'none',
			lastError: 'No way to talk to other tabs.'
		});
	});

	it('becomes unavailable when the transport fails while active', () => {
		const { actor, channel } = startTabSync();
		channel.report({ type: 'tab.ready', transport: 'storage' });

		channel.report({ type: 'tab.unavailable', reason: 'Storage refused.' });

		expect(actor.getSnapshot().value).toBe('unavailable');
		expect(actor.getSnapshot().context.transport).toBe('none');
	});

	it("posts a broadcast under this tab's id and stamps the sync time when active", () => {
		const { actor, channel } = startTabSync();
		channel.report({ type: 'tab.ready', transport: 'broadcast' });

		actor.send({ type: 'tab.broadcast', message: stateFrom('someone-else') });

		expect(channel.posts).toEqual([stateFrom('tab-a')]);
		expect(actor.getSnapshot().context.lastSyncAt).toBe(NOW);
	});

	it('drops a broadcast when the channel is not ready', () => {
		const { actor, channel } = startTabSync();

		actor.send({ type: 'tab.broadcast', message: stateFrom('tab-a') });

		expect(channel.posts).toEqual([]);
		expect(actor.getSnapshot().context.lastSyncAt).toBeNull();
	});

	it("passes another tab's message to the parent and stamps the sync time", () => {
		const { actor, channel, received } = startTabSync();
		channel.report({ type: 'tab.ready', transport: 'broadcast' });
		vi.advanceTimersByTime(5000);

		channel.report({ type: 'tab.message', message: stateFrom('tab-b') });

		expect(received).toEqual([stateFrom('tab-b')]);
		expect(actor.getSnapshot().context.lastSyncAt).toBe(NOW + 5000);
	});

	it('ignores its own and malformed messages when they arrive', () => {
		const { actor, channel, received } = startTabSync();
		channel.report({ type: 'tab.ready', transport: 'broadcast' });

		channel.report({ type: 'tab.message', message: stateFrom('tab-a') });
		channel.report({
			type: 'tab.message',
			message: { type: 'creator.state', sourceTabId: 'tab-b' }
		});
		channel.report({ type: 'tab.message', message: 'hello' });

		expect(received).toEqual([]);
		expect(actor.getSnapshot().context.lastSyncAt).toBeNull();
	});

	it('asks the other tabs for state and tells the parent when force-synced', () => {
		const { actor, channel, forwardForceSync } = startTabSync();
		channel.report({ type: 'tab.ready', transport: 'broadcast' });

		actor.send({ type: 'tab.forceSync' });

		expect(channel.posts).toEqual([{ type: 'sync.request', sourceTabId: 'tab-a', sentAt: NOW }]);
		expect(forwardForceSync).toHaveBeenCalledTimes(1);
	});

	it('only tells the parent when force-synced while unavailable', () => {
		const { actor, channel, forwardForceSync } = startTabSync();
		channel.report({ type: 'tab.unavailable', reason: 'none' });

		actor.send({ type: 'tab.forceSync' });

		expect(channel.posts).toEqual([]);
		expect(forwardForceSync).toHaveBeenCalledTimes(1);
	});
});
