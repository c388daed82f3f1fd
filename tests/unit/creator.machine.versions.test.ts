/** The creator machine's versioned writes: conflicts, edits settled by their event, stale events. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { conflictFailure, MAX_REBASES } from '../../machines/creator.machine';
import type { Creator } from '../../src/lib/shared/protocol';
import { startCreator } from './support/creator-harness';
import { alpha, eventFrame, ok, settle, type Answer } from './support/fixtures';

const conflict = (creator: Creator): Answer => ({
	status: 409,
	body: { message: 'This profile changed.', creator }
});

function editSeen(actor: ReturnType<typeof startCreator>['actor']) {
	const nicknames: string[] = [];
	actor.subscribe((snapshot) => nicknames.push(snapshot.context.view?.nickname ?? ''));
	return nicknames;
}

describe('creatorMachine versions', () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});

	afterEach(() => {
		vi.useRealTimers();
	});

	it('re-applies the edit on the newer copy and saves it again when refused as stale', async () => {
		const newer = alpha({ bio: 'from another tab', version: 2 });
		const { actor, patches } = startCreator(
			[conflict(newer), ok({ creator: { ...newer, nickname: 'Beta', version: 3 }, eventId: 9 })],
			{ creatorId: 'c1', snapshot: alpha() }
		);
		const nicknames = editSeen(actor);

		actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
		await settle();
		await settle();

		expect(patches().map((request) => request.body)).toEqual([
			{ nickname: 'Beta', editId: 'e1', baseVersion: 1 },
			{ nickname: 'Beta', editId: 'e1', baseVersion: 2 }
		]);
		expect(actor.getSnapshot().value).toBe('idle');
		expect(actor.getSnapshot().context.view).toMatchObject({
			nickname: 'Beta',
			bio: 'from another tab',
			version: 3
		});
		expect(actor.getSnapshot().context.error).toBeNull();
		expect(nicknames).not.toContain('Alpha');
	});

	it(`undoes the edit with a clear message after ${MAX_REBASES} conflicts in a row`, async () => {
		let version = 1;
		const { actor, patches } = startCreator(
			() => conflict(alpha({ bio: `v${++version}`, version })),
			{ creatorId: 'c1', snapshot: alpha() }
		);

		actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
		for (let step = 0; step < 10; step += 1) await settle();

		expect(patches()).toHaveLength(MAX_REBASES + 1);
		expect(actor.getSnapshot().value).toBe('idle');
		expect(actor.getSnapshot().context.error).toEqual(conflictFailure);
		expect(actor.getSnapshot().context.view).toMatchObject({ nickname: 'Alpha', bio: 'v7' });
	});

	it('settles the edit from its own event when the event beats the answer, and ignores the answer', async () => {
		let answer!: (value: Answer) => void;
		const { actor, committed, signals } = startCreator(
			() => new Promise<Answer>((resolve) => (answer = resolve)),
			{ creatorId: 'c1', snapshot: alpha() }
		);

		actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
		const saved = alpha({ nickname: 'Beta', version: 2, earningsCents: undefined });
		actor.send({
			type: 'creator.serverEvent',
			frame: eventFrame('creator_updated', { creator: saved, editId: 'e1' })
		});

		expect(actor.getSnapshot().value).toBe('idle');
		expect(actor.getSnapshot().context.pending).toEqual([]);
		expect(actor.getSnapshot().context.confirmed).toMatchObject({
			nickname: 'Beta',
			version: 2,
			earningsCents: 10000
		});
		expect(signals[0].aborted).toBe(true);

		answer(ok({ creator: alpha({ nickname: 'Beta', version: 2 }) }));
		await settle();
		expect(committed.map((entry) => entry.editId)).toEqual(['e1']);
	});

	it('takes the answer and drops the later event of the same edit', async () => {
		const { actor, committed } = startCreator(
			[ok({ creator: alpha({ nickname: 'Beta', version: 2 }), eventId: 5, editId: 'e1' })],
			{ creatorId: 'c1', snapshot: alpha() }
		);

		actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
		await settle();
		const lateEvent = {
			...eventFrame('creator_updated', {
				creator: alpha({ nickname: 'Beta', version: 2, earningsCents: undefined }),
				editId: 'e1'
			}),
			id: 5
		};
		const before = actor.getSnapshot().context;
		actor.send({ type: 'creator.serverEvent', frame: lateEvent });

		expect(actor.getSnapshot().context.confirmed).toBe(before.confirmed);
		expect(committed).toHaveLength(1);
	});

	it('never lets an event older than the copy it has move a value back', async () => {
		const { actor } = startCreator(
			[ok({ creator: alpha({ subscriberCount: 7, version: 1 }), eventId: 40 })],
			{ creatorId: 'c1', snapshot: alpha() }
		);
		actor.send({ type: 'creator.refresh' });
		await settle();

		const older = { ...eventFrame('new_subscription', { subscriberCount: 5 }), id: 39 };
		actor.send({ type: 'creator.serverEvent', frame: older });
		expect(actor.getSnapshot().context.view?.subscriberCount).toBe(7);

		const newer = { ...eventFrame('new_subscription', { subscriberCount: 8 }), id: 41 };
		actor.send({ type: 'creator.serverEvent', frame: newer });
		actor.send({ type: 'creator.serverEvent', frame: newer });
		expect(actor.getSnapshot().context.view?.subscriberCount).toBe(8);
		expect(actor.getSnapshot().context.eventCursor).toBe(41);
	});

	it('keeps a newer subscriber count when a refresh answer read before it arrives', async () => {
		let answer!: (value: Answer) => void;
		const { actor } = startCreator(() => new Promise<Answer>((resolve) => (answer = resolve)), {
			creatorId: 'c1',
			snapshot: alpha({ subscriberCount: 3 }),
			eventId: 8
		});
		actor.send({ type: 'creator.refresh' });
		await settle();
		// The event overtakes the answer, which the server read at position 9.
		const subscribed = { ...eventFrame('new_subscription', { subscriberCount: 5 }), id: 10 };
		actor.send({ type: 'creator.serverEvent', frame: subscribed });
		answer(ok({ creator: alpha({ subscriberCount: 4 }), eventId: 9 }));
		await settle();

		expect(actor.getSnapshot().value).toBe('idle');
		expect(actor.getSnapshot().context.view?.subscriberCount).toBe(5);
		expect(actor.getSnapshot().context.eventCursor).toBe(10);
	});

	it('takes the saved nickname from an answer but keeps earnings that arrived after it was read', async () => {
		let answer!: (value: Answer) => void;
		const { actor } = startCreator(() => new Promise<Answer>((resolve) => (answer = resolve)), {
			creatorId: 'c1',
			snapshot: alpha({ earningsCents: 10000 }),
			eventId: 20
		});
		actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
		await settle();
		const earned = { ...eventFrame('earnings_updated', { earningsCents: 10500 }), id: 22 };
		actor.send({ type: 'creator.serverEvent', frame: earned });
		answer(
			ok({ creator: alpha({ nickname: 'Beta', version: 2, earningsCents: 10000 }), eventId: 21 })
		);
		await settle();

		expect(actor.getSnapshot().context.view).toMatchObject({
			nickname: 'Beta',
			version: 2,
			earningsCents: 10500
		});
		expect(actor.getSnapshot().context.pending).toEqual([]);
	});

	it('ignores a copy from another tab that is older than the events it has applied', () => {
		const { actor } = startCreator([], { creatorId: 'c1', snapshot: alpha(), eventId: 30 });
		const subscribed = { ...eventFrame('new_subscription', { subscriberCount: 9 }), id: 31 };
		actor.send({ type: 'creator.serverEvent', frame: subscribed });

		actor.send({
			type: 'creator.remoteUpdate',
			creator: alpha({ subscriberCount: 4 }),
			eventId: 30
		});
		expect(actor.getSnapshot().context.view?.subscriberCount).toBe(9);

		// A newer profile from that older copy is still taken, without its older count.
		actor.send({
			type: 'creator.remoteUpdate',
			creator: alpha({ nickname: 'Gamma', version: 2, subscriberCount: 4 }),
			eventId: 30
		});
		expect(actor.getSnapshot().context.view).toMatchObject({
			nickname: 'Gamma',
			subscriberCount: 9
		});

		// A copy from a tab that is further along is taken whole.
		actor.send({
			type: 'creator.remoteUpdate',
			creator: alpha({ nickname: 'Gamma', version: 2, subscriberCount: 10 }),
			eventId: 32
		});
		expect(actor.getSnapshot().context.view?.subscriberCount).toBe(10);
		expect(actor.getSnapshot().context.eventCursor).toBe(32);
	});

	it('keeps the owner’s earnings when a public copy arrives from another tab', () => {
		const { actor } = startCreator([], { creatorId: 'c1', snapshot: alpha() });

		actor.send({
			type: 'creator.remoteUpdate',
			creator: alpha({ nickname: 'Gamma', version: 2, earningsCents: undefined })
		});

		expect(actor.getSnapshot().context.view).toMatchObject({
			nickname: 'Gamma',
			earningsCents: 10000
		});
	});
});
