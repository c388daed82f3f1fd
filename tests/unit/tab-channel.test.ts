import { afterEach, describe, expect, it, vi } from 'vitest';
import { openTabLink, type ChannelEvent } from '../../machines/adapters/tab-channel';
import { CHANNEL_NAME } from '../../machines/tab-message';
import { FakeStorage, installStorageOnly } from './support/browser-fakes';

function open(tabId: string) {
	const events: ChannelEvent[] = [];
	const link = openTabLink({ tabId, report: (event) => events.push(event) });

	return { link, events, messages: () => events.filter((event) => event.type === 'tab.message') };
}

const fromTab = (sourceTabId: string, nickname = 'Beta') => ({
	type: 'creator.state',
	sourceTabId,
	nickname
});

describe('tab-channel adapter', () => {
	afterEach(() => {
		vi.unstubAllGlobals();
	});

	describe('with BroadcastChannel', () => {
		it('reports ready and delivers to the other tab only when a tab posts', async () => {
			const a = open('tab-a');
			const b = open('tab-b');

			a.link.post(fromTab('tab-a'));

			await vi.waitFor(() => expect(b.messages()).toHaveLength(1));
			expect(b.events[0]).toEqual({ type: 'tab.ready', transport: 'broadcast' });
			expect(b.messages()[0]).toEqual({ type: 'tab.message', message: fromTab('tab-a') });
			expect(a.messages()).toEqual([]);
			a.link.close();
			b.link.close();
		});

		it('ignores a message carrying its own tab id when one arrives', async () => {
			const a = open('tab-a');
			const b = open('tab-b');

			a.link.post(fromTab('tab-b'));
			a.link.post(fromTab('tab-a', 'second'));

			await vi.waitFor(() => expect(b.messages()).toHaveLength(1));
			expect(b.messages()[0]).toMatchObject({ message: { nickname: 'second' } });
			a.link.close();
			b.link.close();
		});

		it('does nothing when posting after close', () => {
			const a = open('tab-a');
			a.link.close();

			expect(() => a.link.post(fromTab('tab-a'))).not.toThrow();
		});
	});

	describe('with localStorage only', () => {
		it('writes the message under fonana_creator_sync when a tab posts', () => {
			const storage = new FakeStorage();
			installStorageOnly(storage);
			const a = open('tab-a');

			a.link.post({ ...fromTab('tab-a'), format: () => 'Beta' });

			expect(a.events).toEqual([{ type: 'tab.ready', transport: 'storage' }]);
			expect(JSON.parse(storage.getItem(CHANNEL_NAME) as string)).toEqual(fromTab('tab-a'));
		});

		it("passes on another tab's write and ignores its own, other keys and bad JSON", () => {
			const window = installStorageOnly(new FakeStorage());
			const a = open('tab-a');

			window.deliverFromOtherTab(CHANNEL_NAME, JSON.stringify(fromTab('tab-b')));
			window.deliverFromOtherTab(CHANNEL_NAME, JSON.stringify(fromTab('tab-a')));
			window.deliverFromOtherTab('other-app', JSON.stringify(fromTab('tab-b')));
			window.deliverFromOtherTab(CHANNEL_NAME, '{not json');
			window.deliverFromOtherTab(CHANNEL_NAME, null);

			expect(a.messages()).toEqual([{ type: 'tab.message', message: fromTab('tab-b') }]);
		});

		it('removes its storage listener when closed', () => {
			const window = installStorageOnly(new FakeStorage());
			const a = open('tab-a');
			expect(window.listenerCount()).toBe(1);

			a.link.close();

			expect(window.listenerCount()).toBe(0);
		});

		it('reports unavailable once and never writes again when storage refuses from the start', () => {
			const storage = new FakeStorage(1);
			installStorageOnly(storage);
			const a = open('tab-a');

			a.link.post(fromTab('tab-a'));
			a.link.post(fromTab('tab-a'));

			expect(a.events).toEqual([
				{
					type: 'tab.unavailable',
					reason: expect.stringContaining('QuotaExceededError')
				}
			]);
			expect(storage.setItemCalls).toBe(1);
		});

		it('reports unavailable once and stops writing when storage starts refusing later', () => {
			const storage = new FakeStorage(3);
			installStorageOnly(storage);
			const a = open('tab-a');

			a.link.post(fromTab('tab-a', 'one'));
			a.link.post(fromTab('tab-a', 'two'));
			a.link.post(fromTab('tab-a', 'three'));

			expect(a.events.map((event) => event.type)).toEqual(['tab.ready', 'tab.unavailable']);
			expect(storage.setItemCalls).toBe(3);
		});

		it('treats storage that throws on access as missing', () => {
			vi.stubGlobal('BroadcastChannel', undefined);
			Object.defineProperty(globalThis, 'localStorage', {
				configurable: true,
				get() {
					throw new DOMException('Blocked', 'SecurityError');
				}
			});

			try {
				expect(open('tab-a').events.map((event) => event.type)).toEqual(['tab.unavailable']);
			} finally {
				delete (globalThis as { localStorage?: unknown }).localStorage;
			}
		});
	});

	it('reports unavailable when the browser has neither transport', () => {
		vi.stubGlobal('BroadcastChannel', undefined);
		vi.stubGlobal('localStorage', undefined);

		expect(open('tab-a').events).toEqual([
			{ type: 'tab.unavailable', reason: 'This browser offers no way to talk to other tabs.' }
		]);
	});
});
