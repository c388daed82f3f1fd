import { describe, expect, it } from 'vitest';
import { CHANNEL_NAME, readTabMessage, toPlainMessage } from '../../machines/tab-message';
import { alpha } from './support/fixtures';

describe('tab-message', () => {
	it('names the channel and the storage key fonana_creator_sync', () => {
		expect(CHANNEL_NAME).toBe('fonana_creator_sync');
	});

	it('drops function fields when the message carries them', () => {
		const plain = toPlainMessage({ nickname: 'Beta', format: () => 'Beta' });

		expect(plain).toEqual({ nickname: 'Beta' });
	});

	it('reads through a proxy when the message is reactive state', () => {
		const proxy = new Proxy(alpha({ nickname: 'Beta' }), {});
		const plain = toPlainMessage(proxy);

		expect(plain).toEqual(alpha({ nickname: 'Beta' }));
		expect(structuredClone(plain)).toEqual(plain);
	});

	it('returns null when the message cannot be copied', () => {
		const cyclic: Record<string, unknown> = {};
		cyclic.self = cyclic;

		expect(toPlainMessage(cyclic)).toBeNull();
		expect(toPlainMessage(() => 1)).toBeNull();
	});

	it('accepts a creator.state and a sync.request when well formed', () => {
		const state = { type: 'creator.state', sourceTabId: 't1', creator: alpha(), sentAt: 1 };
		const request = { type: 'sync.request', sourceTabId: 't1', sentAt: 1 };

		expect(readTabMessage(state)).toEqual(state);
		expect(readTabMessage(request)).toEqual(request);
	});

	it('rejects a message when its shape is wrong', () => {
		expect(readTabMessage({ type: 'creator.state', sourceTabId: 't1', sentAt: 1 })).toBeNull();
		expect(readTabMessage({ type: 'probe', sentAt: 1 })).toBeNull();
		expect(readTabMessage('hello')).toBeNull();
	});
});
