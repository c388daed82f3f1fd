/**
 * C09 — storage that refuses writes degrades, never breaks. BroadcastChannel is absent, so
 * the localStorage fallback is in use, and its setItem throws QuotaExceededError.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAME } from '../../../machines/tab-message';
import { FakeStorage, installStorageOnly } from '../support/browser-fakes';
import { alpha, patchAnswer, settle } from '../support/fixtures';
import { startRootTab } from '../support/root-harness';

describe('C09 storage refuses writes', () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});

	afterEach(() => {
		vi.unstubAllGlobals();
		vi.useRealTimers();
	});

	async function editAndSave(
		tab: ReturnType<typeof startRootTab>,
		patch: { nickname?: string; bio?: string }
	) {
		tab.creator().send({ type: 'creator.edit', patch });
		await settle();
	}

	it('reports sync unavailable at load and keeps editing when every write is refused', async () => {
		const storage = new FakeStorage(1);
		installStorageOnly(storage);

		const tab = startRootTab('tab-a', patchAnswer(alpha()));
		tab.actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });

		expect(tab.tabSync()?.getSnapshot().value).toBe('unavailable');
		expect(tab.tabSync()?.getSnapshot().context).toMatchObject({
			transport: 'none',
			lastError: expect.stringContaining('QuotaExceededError')
		});

		await editAndSave(tab, { nickname: 'Beta' });
		await editAndSave(tab, { bio: 'y' });

		expect(tab.creator().getSnapshot().value).toBe('idle');
		expect(tab.creator().getSnapshot().context.confirmed).toMatchObject({
			nickname: 'Beta',
			bio: 'y',
			version: 3
		});
		expect(tab.requests.filter((request) => request.method === 'PATCH')).toHaveLength(2);
		expect(storage.setItemCalls).toBe(1);
		expect(tab.errors).toEqual([]);
	});

	it('turns sync off once and stops writing when storage refuses from the third write on', async () => {
		const storage = new FakeStorage(3);
		installStorageOnly(storage);
		const tab = startRootTab('tab-a', patchAnswer(alpha()));
		tab.actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
		expect(tab.tabSync()?.getSnapshot().context.transport).toBe('storage');
		const states: unknown[] = [];
		tab.tabSync()?.subscribe((snapshot) => {
			if (snapshot.value !== states.at(-1)) states.push(snapshot.value);
		});

		await editAndSave(tab, { nickname: 'Beta' });
		expect(JSON.parse(storage.getItem(CHANNEL_NAME) as string)).toMatchObject({
			type: 'creator.state',
			sourceTabId: 'tab-a',
			creator: { nickname: 'Beta', version: 2 }
		});
		await editAndSave(tab, { bio: 'y' });
		await editAndSave(tab, { nickname: 'Gamma' });
		await vi.advanceTimersByTimeAsync(60_000);

		expect(storage.setItemCalls).toBe(3);
		expect(tab.tabSync()?.getSnapshot().value).toBe('unavailable');
		expect(states).toEqual(['active', 'unavailable']);
		expect(tab.creator().getSnapshot().context.view).toMatchObject({
			nickname: 'Gamma',
			bio: 'y',
			version: 4
		});
		expect(tab.errors).toEqual([]);
	});
});
