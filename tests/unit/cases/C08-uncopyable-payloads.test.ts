/**
 * C08 — uncopyable payloads and closed channels never throw. Runs two tabs over Node's own
 * BroadcastChannel, whose postMessage refuses proxies and functions exactly like a browser's.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openTabLink } from '../../../machines/adapters/tab-channel';
import type { Creator } from '../../../src/lib/shared/protocol';
import { startRootTab } from '../support/root-harness';
import { alpha, ok, patchAnswer, type Answer } from '../support/fixtures';

describe('C08 uncopyable payloads', () => {
	const stops: (() => void)[] = [];
	const unhandled: unknown[] = [];
	const onUnhandled = (reason: unknown) => unhandled.push(reason);

	afterEach(() => {
		stops.splice(0).forEach((stop) => stop());
		process.off('unhandledRejection', onUnhandled);
		unhandled.length = 0;
	});

	function twoTabs() {
		process.on('unhandledRejection', onUnhandled);
		const a = startRootTab('tab-a', patchAnswer(alpha()));
		const b = startRootTab('tab-b', [ok({ creator: alpha() })]);
		stops.push(
			() => a.actor.stop(),
			() => b.actor.stop()
		);
		a.actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
		b.actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });

		return { a, b };
	}

	it('delivers plain data to the other tab when the creator is a reactive proxy', async () => {
		const { a, b } = twoTabs();
		const reactive = new Proxy(alpha({ nickname: 'Beta', version: 2 }), {});
		expect(() => structuredClone(reactive)).toThrow();

		a.actor.send({ type: 'creator.committed', creator: reactive, editId: 'e1', eventId: 7 });

		await vi.waitFor(() => expect(b.creator().getSnapshot().context.view?.nickname).toBe('Beta'));
		expect(b.creator().getSnapshot().context.confirmed).toEqual(
			alpha({ nickname: 'Beta', version: 2 })
		);
		expect(a.errors).toEqual([]);
		expect(b.errors).toEqual([]);
	});

	it('delivers the data without the function when the payload has a function field', async () => {
		const { a, b } = twoTabs();
		const withFunction = { ...alpha({ bio: 'y', version: 3 }), format: () => 'y' } as Creator;
		expect(() => structuredClone(withFunction)).toThrow();

		a.actor.send({ type: 'creator.committed', creator: withFunction, editId: 'e2', eventId: 8 });

		await vi.waitFor(() => expect(b.creator().getSnapshot().context.view?.bio).toBe('y'));
		expect(b.creator().getSnapshot().context.confirmed).not.toHaveProperty('format');
		expect(b.tabSync()?.getSnapshot().context.lastSyncAt).toEqual(expect.any(Number));
	});

	it('throws nothing when a save finishes after the page (and its channel) closed', async () => {
		process.on('unhandledRejection', onUnhandled);
		let answer: (value: Answer) => void = () => {};
		const inFlight = new Promise<Answer>((resolve) => (answer = resolve));
		const a = startRootTab('tab-a', () => inFlight);
		a.actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
		const creator = a.creator();
		creator.send({ type: 'creator.edit', patch: { nickname: 'Beta' } });
		expect(creator.getSnapshot().value).toBe('committing');

		a.actor.stop();
		answer(ok({ creator: alpha({ nickname: 'Beta', version: 2 }) }));
		await new Promise((resolve) => setTimeout(resolve, 20));

		expect(a.errors).toEqual([]);
		expect(unhandled).toEqual([]);
		expect(creator.getSnapshot().status).toBe('stopped');
	});

	it('ignores a post after the link is closed, and notes it once', () => {
		const notes: string[] = [];
		const link = openTabLink({ tabId: 'tab-a', report: () => {}, note: (m) => notes.push(m) });
		link.close();

		for (let post = 0; post < 3; post += 1) {
			expect(() =>
				link.post({ type: 'sync.request', sourceTabId: 'tab-a', sentAt: Date.now() })
			).not.toThrow();
		}
		expect(notes).toEqual(['Tab sync dropped a message: this tab has closed its channel.']);
	});

	it('notes a message that cannot be copied once, and still sends the next good one', () => {
		const notes: string[] = [];
		const posted: unknown[] = [];
		vi.stubGlobal(
			'BroadcastChannel',
			class {
				onmessage = null;
				postMessage(data: unknown) {
					posted.push(data);
				}
				close() {}
			}
		);
		const link = openTabLink({ tabId: 'tab-a', report: () => {}, note: (m) => notes.push(m) });
		const cyclic: Record<string, unknown> = { type: 'sync.request' };
		cyclic.self = cyclic;

		link.post(cyclic);
		link.post(cyclic);
		link.post({ type: 'sync.request', sourceTabId: 'tab-a', sentAt: 1 });

		expect(notes).toEqual(['Tab sync dropped a message: it could not be copied as plain data.']);
		expect(posted).toEqual([{ type: 'sync.request', sourceTabId: 'tab-a', sentAt: 1 }]);
		vi.unstubAllGlobals();
	});
});
