/**
 * C07 — the other tab gets the new state itself, once. Two real root machines share a tab
 * channel; tab A saves, tab B must show the saved copy from the message alone (it never
 * re-reads anything), never go back, and tab A must not wait for an echo of its own write.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from 'xstate';
import { CHANNEL_NAME } from '../../../machines/tab-message';
import { FakeStorage, installStorageOnly } from '../support/browser-fakes';
import { alpha, patchAnswer } from '../support/fixtures';
import { startRootTab } from '../support/root-harness';

function nicknamesOf(tab: ReturnType<typeof startRootTab>) {
	const seen: string[] = [tab.creator().getSnapshot().context.view?.nickname ?? ''];
	tab.creator().subscribe((snapshot) => {
		const nickname = snapshot.context.view?.nickname ?? '';
		if (nickname !== seen.at(-1)) seen.push(nickname);
	});
	return seen;
}

function openTwoTabs() {
	const a = startRootTab('tab-a', patchAnswer(alpha()));
	const b = startRootTab('tab-b', patchAnswer(alpha()));
	for (const tab of [a, b])
		tab.actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });

	return { a, b };
}

describe('C07 tab gets the state itself', () => {
	afterEach(() => {
		vi.unstubAllGlobals();
	});

	it('shows Beta in tab B within a second over BroadcastChannel, and never reverts', async () => {
		const { a, b } = openTwoTabs();
		const seenByB = nicknamesOf(b);
		const started = Date.now();

		a.creator().send({ type: 'creator.edit', patch: { nickname: 'Beta' } });
		await waitFor(b.creator(), (snapshot) => snapshot.context.view?.nickname === 'Beta', {
			timeout: 1000
		});
		await new Promise((pause) => setTimeout(pause, 100));

		expect(Date.now() - started).toBeLessThan(1000);
		expect(seenByB).toEqual(['Alpha', 'Beta']);
		expect(b.creator().getSnapshot().context.confirmed).toMatchObject({
			nickname: 'Beta',
			version: 2
		});
		expect(b.requests).toEqual([]);
		a.actor.stop();
		b.actor.stop();
	});

	it('updates tab B exactly once on the localStorage path, and tab A needs no echo', async () => {
		vi.useFakeTimers();
		const storage = new FakeStorage();
		const browser = installStorageOnly(storage);
		const { a, b } = openTwoTabs();
		const seenByB = nicknamesOf(b);

		a.creator().send({ type: 'creator.edit', patch: { nickname: 'Beta' } });
		await vi.advanceTimersByTimeAsync(0);
		expect(a.creator().getSnapshot().value).toBe('idle');
		expect(a.creator().getSnapshot().context.confirmed).toMatchObject({ nickname: 'Beta' });

		const written = storage.getItem(CHANNEL_NAME) as string;
		expect(JSON.parse(written)).toMatchObject({
			type: 'creator.state',
			sourceTabId: 'tab-a',
			creator: { nickname: 'Beta', version: 2 }
		});
		// The browser fires `storage` in every other tab; both tabs listen on one target here,
		// so tab A hears its own write too and must ignore it.
		browser.deliverFromOtherTab(CHANNEL_NAME, written);
		await vi.advanceTimersByTimeAsync(1000);

		expect(seenByB).toEqual(['Alpha', 'Beta']);
		expect(b.creator().getSnapshot().context.confirmed).toMatchObject({
			nickname: 'Beta',
			version: 2
		});
		expect(b.requests).toEqual([]);
		expect(a.requests).toHaveLength(1);
		vi.useRealTimers();
		a.actor.stop();
		b.actor.stop();
	});
});
