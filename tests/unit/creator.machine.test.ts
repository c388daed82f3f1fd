import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startCreator, watchStates } from './support/creator-harness';
import { alpha, eventFrame, fail, ok, patchAnswer, settle } from './support/fixtures';

describe('creatorMachine', () => {
	beforeEach(() => {
		vi.useFakeTimers();
		// Retry waits carry random jitter; at 0 they are exactly the doubling schedule.
		vi.spyOn(Math, 'random').mockReturnValue(0);
	});

	afterEach(() => {
		vi.useRealTimers();
		vi.restoreAllMocks();
	});

	describe('loading', () => {
		it('starts idle without a request when a snapshot is given', async () => {
			const { actor, requests } = startCreator([], { creatorId: 'c1', snapshot: alpha() });
			await settle();

			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context.view).toEqual(alpha());
			expect(requests).toHaveLength(0);
		});

		it('loads the creator and goes idle when the GET succeeds', async () => {
			const { actor, requests } = startCreator([ok({ creator: alpha() })], { creatorId: 'c1' });

			expect(actor.getSnapshot().value).toBe('loading');
			expect(actor.getSnapshot().hasTag('busy')).toBe(true);
			await settle();

			expect(requests).toEqual([{ method: 'GET', url: '/api/creators/c1' }]);
			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().hasTag('busy')).toBe(false);
			expect(actor.getSnapshot().context).toMatchObject({
				confirmed: alpha(),
				view: alpha(),
				error: null
			});
		});

		it('becomes unavailable with a not-found error when the creator does not exist', async () => {
			const { actor, requests } = startCreator([fail(404)], { creatorId: 'nobody' });
			await settle();

			expect(actor.getSnapshot().value).toBe('unavailable');
			expect(actor.getSnapshot().context.error).toMatchObject({
				category: 'notFound',
				status: 404
			});
			expect(actor.getSnapshot().context.view).toBeNull();
			expect(requests).toHaveLength(1);
		});

		it('loads again when refreshed while unavailable', async () => {
			const { actor } = startCreator([fail(404), ok({ creator: alpha() })], { creatorId: 'c1' });
			await settle();

			actor.send({ type: 'creator.refresh' });
			expect(actor.getSnapshot().value).toBe('loading');
			await settle();

			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context.error).toBeNull();
		});

		it('shows the creator when another tab sends it while unavailable', async () => {
			const { actor } = startCreator([fail(503)], { creatorId: 'c1' });
			await vi.advanceTimersByTimeAsync(2000);
			expect(actor.getSnapshot().value).toBe('unavailable');

			actor.send({ type: 'creator.remoteUpdate', creator: alpha({ version: 2 }) });

			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context.view?.version).toBe(2);
		});

		// Found by the model-based paths: each of these left `unavailable` with data to show.
		it('shows the creator when a creator_updated event brings it while unavailable', async () => {
			const { actor } = startCreator([fail(404)], { creatorId: 'c1' });
			await settle();

			actor.send({
				type: 'creator.serverEvent',
				frame: eventFrame('creator_updated', { creator: alpha({ version: 2 }) })
			});

			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context.view?.version).toBe(2);
		});

		it('keeps a copy that arrived while loading when the first read then fails', async () => {
			const { actor } = startCreator([fail(404)], { creatorId: 'c1' });
			actor.send({ type: 'creator.remoteUpdate', creator: alpha({ version: 2 }) });
			await settle();

			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context.view?.version).toBe(2);
			expect(actor.getSnapshot().context.error).toMatchObject({ category: 'notFound' });
		});

		it('treats a success answer without a creator as a server failure', async () => {
			const { actor } = startCreator([ok({ unexpected: true })], { creatorId: 'c1' });
			await settle();

			expect(actor.getSnapshot().value).toBe('unavailable');
			expect(actor.getSnapshot().context.error).toMatchObject({ category: 'server', status: 200 });
		});
	});

	describe('editing', () => {
		it('shows the edit at once and saves it with its editId when idle', () => {
			const { actor, requests } = startCreator(patchAnswer(alpha()), {
				creatorId: 'c1',
				snapshot: alpha()
			});

			actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });

			const snapshot = actor.getSnapshot();
			expect(snapshot.value).toBe('committing');
			expect(snapshot.hasTag('saving')).toBe(true);
			expect(snapshot.hasTag('busy')).toBe(true);
			expect(snapshot.context.view?.nickname).toBe('Beta');
			expect(snapshot.context.confirmed?.nickname).toBe('Alpha');
			expect(requests).toEqual([
				{
					method: 'PATCH',
					url: '/api/creators/c1',
					headers: { 'idempotency-key': 'e1' },
					body: { nickname: 'Beta', editId: 'e1', baseVersion: 1 }
				}
			]);
		});

		it('passes through optimistic, tagged saving, on the way to committing', () => {
			const { actor } = startCreator(patchAnswer(alpha()), { creatorId: 'c1', snapshot: alpha() });
			const seen = watchStates(actor);

			actor.send({ type: 'creator.edit', patch: { bio: 'y' } });

			expect(seen).toEqual([
				{ value: 'optimistic', saving: true },
				{ value: 'committing', saving: true }
			]);
		});

		it('generates an editId when none is given', () => {
			const { actor, patches } = startCreator(patchAnswer(alpha()), {
				creatorId: 'c1',
				snapshot: alpha()
			});

			actor.send({ type: 'creator.edit', patch: { bio: 'y' } });

			const { editId } = patches()[0].body as { editId: string };
			expect(editId).toMatch(/^[0-9a-f-]{36}$/);
			expect(actor.getSnapshot().context.pending[0].id).toBe(editId);
		});

		it('takes the server copy and reports the commit when the save succeeds', async () => {
			const { actor, committed } = startCreator(patchAnswer(alpha()), {
				creatorId: 'c1',
				snapshot: alpha()
			});

			actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
			await settle();

			const { context, value } = actor.getSnapshot();
			expect(value).toBe('idle');
			expect(context).toMatchObject({ pending: [], lastEditId: 'e1', error: null });
			expect(context.confirmed).toMatchObject({ nickname: 'Beta', version: 2 });
			expect(context.view).toEqual(context.confirmed);
			expect(committed).toEqual([{ creator: context.confirmed, editId: 'e1' }]);
		});

		it('queues an edit made while saving and saves it next, in order', async () => {
			const { actor, patches, committed } = startCreator(patchAnswer(alpha()), {
				creatorId: 'c1',
				snapshot: alpha()
			});

			actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
			actor.send({ type: 'creator.edit', patch: { bio: 'y' }, editId: 'e2' });
			expect(actor.getSnapshot().context.view).toMatchObject({ nickname: 'Beta', bio: 'y' });
			expect(actor.getSnapshot().context.pending.map((edit) => edit.id)).toEqual(['e1', 'e2']);
			expect(patches()).toHaveLength(1);
			await settle();

			expect(patches().map((request) => request.body)).toEqual([
				{ nickname: 'Beta', editId: 'e1', baseVersion: 1 },
				{ bio: 'y', editId: 'e2', baseVersion: 2 }
			]);
			expect(committed.map((entry) => entry.editId)).toEqual(['e1', 'e2']);
			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context.confirmed).toMatchObject({
				nickname: 'Beta',
				bio: 'y',
				version: 3
			});
		});

		it('rolls the edit back and keeps the error when the save is refused', async () => {
			const { actor, notifyAuthRequired, committed } = startCreator(
				[fail(422, 'Nickname cannot be empty.')],
				{
					creatorId: 'c1',
					snapshot: alpha()
				}
			);
			const seen = watchStates(actor);

			actor.send({ type: 'creator.edit', patch: { nickname: ' ' } });
			await settle();

			expect(seen.map((step) => step.value)).toEqual([
				'optimistic',
				'committing',
				'reverting',
				'idle'
			]);
			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context).toMatchObject({
				pending: [],
				view: alpha(),
				error: { category: 'invalid', status: 422, message: 'Nickname cannot be empty.' }
			});
			expect(notifyAuthRequired).not.toHaveBeenCalled();
			expect(committed).toHaveLength(0);
		});

		it('asks for sign-in once when the save is refused for lack of a session', async () => {
			const { actor, notifyAuthRequired, requests } = startCreator([fail(401)], {
				creatorId: 'c1',
				snapshot: alpha()
			});

			actor.send({ type: 'creator.edit', patch: { bio: 'y' } });
			await settle();

			expect(notifyAuthRequired).toHaveBeenCalledTimes(1);
			expect(requests).toHaveLength(1);
			expect(actor.getSnapshot().context.view).toEqual(alpha());
			expect(actor.getSnapshot().context.error?.category).toBe('auth');
		});

		it('rolls back only the refused edit when a later edit is queued', async () => {
			const { actor, patches } = startCreator(
				(request, index) => (index === 0 ? fail(409) : patchAnswer(alpha())(request)),
				{ creatorId: 'c1', snapshot: alpha() }
			);

			actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
			actor.send({ type: 'creator.edit', patch: { bio: 'y' }, editId: 'e2' });
			await settle();

			expect(patches()).toHaveLength(2);
			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context.view).toMatchObject({ nickname: 'Alpha', bio: 'y' });
			expect(actor.getSnapshot().context.error?.category).toBe('conflict');
		});
	});

	describe('reverting by hand', () => {
		it('drops every pending edit and aborts the save when reverted while committing', () => {
			const { actor, signals } = startCreator(patchAnswer(alpha()), {
				creatorId: 'c1',
				snapshot: alpha()
			});
			actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' } });
			actor.send({ type: 'creator.edit', patch: { bio: 'y' } });

			actor.send({ type: 'creator.revert' });

			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context).toMatchObject({ pending: [], view: alpha() });
			expect(signals[0].aborted).toBe(true);
		});

		it('keeps the view when reverted while idle', () => {
			const { actor } = startCreator([], { creatorId: 'c1', snapshot: alpha() });

			actor.send({ type: 'creator.revert' });

			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context.view).toEqual(alpha());
		});
	});

	describe('refreshing', () => {
		it('takes the server copy and clears the error when the refresh succeeds', async () => {
			const { actor } = startCreator(
				[fail(401), ok({ creator: alpha({ version: 5, bio: 'z' }) })],
				{
					creatorId: 'c1',
					snapshot: alpha()
				}
			);
			actor.send({ type: 'creator.edit', patch: { bio: 'y' } });
			await settle();
			expect(actor.getSnapshot().context.error).not.toBeNull();

			actor.send({ type: 'creator.refresh' });
			expect(actor.getSnapshot().value).toBe('refreshing');
			expect(actor.getSnapshot().hasTag('busy')).toBe(true);
			await settle();

			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context).toMatchObject({
				error: null,
				view: { bio: 'z', version: 5 }
			});
		});

		it('keeps the data shown and sets the error when the refresh fails', async () => {
			const { actor, requests } = startCreator(['network'], { creatorId: 'c1', snapshot: alpha() });

			actor.send({ type: 'creator.refresh' });
			await vi.advanceTimersByTimeAsync(2000);

			expect(requests).toHaveLength(4);
			expect(actor.getSnapshot().value).toBe('idle');
			expect(actor.getSnapshot().context).toMatchObject({
				view: alpha(),
				error: { category: 'network' }
			});
		});

		it('starts saving when the person edits during a refresh', () => {
			const { actor, requests } = startCreator(patchAnswer(alpha()), {
				creatorId: 'c1',
				snapshot: alpha()
			});
			actor.send({ type: 'creator.refresh' });

			actor.send({ type: 'creator.edit', patch: { bio: 'y' } });

			expect(actor.getSnapshot().value).toBe('committing');
			expect(requests.map((request) => request.method)).toEqual(['GET', 'PATCH']);
		});
	});

	describe('updates from elsewhere', () => {
		it('clears the error when dismissed', async () => {
			const { actor } = startCreator([fail(404)], { creatorId: 'c1' });
			await settle();

			actor.send({ type: 'creator.dismissError' });

			expect(actor.getSnapshot().context.error).toBeNull();
		});

		it('takes a newer copy and keeps pending edits on top when a remote update arrives', () => {
			const { actor } = startCreator(patchAnswer(alpha()), { creatorId: 'c1', snapshot: alpha() });
			actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' } });

			actor.send({ type: 'creator.remoteUpdate', creator: alpha({ version: 4, bio: 'from B' }) });

			expect(actor.getSnapshot().context.confirmed).toMatchObject({
				version: 4,
				nickname: 'Alpha'
			});
			expect(actor.getSnapshot().context.view).toMatchObject({ nickname: 'Beta', bio: 'from B' });
		});

		it('ignores a remote update when it is older than the confirmed copy', () => {
			const { actor } = startCreator([], { creatorId: 'c1', snapshot: alpha({ version: 3 }) });

			actor.send({ type: 'creator.remoteUpdate', creator: alpha({ version: 2, nickname: 'Old' }) });

			expect(actor.getSnapshot().context.view).toMatchObject({ version: 3, nickname: 'Alpha' });
		});

		it('drops a queued edit the server already applied, but not the one in flight', () => {
			const { actor } = startCreator(patchAnswer(alpha()), { creatorId: 'c1', snapshot: alpha() });
			actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
			actor.send({ type: 'creator.edit', patch: { bio: 'y' }, editId: 'e2' });

			actor.send({ type: 'creator.remoteUpdate', creator: alpha({ version: 2 }), editId: 'e1' });
			expect(actor.getSnapshot().context.pending.map((edit) => edit.id)).toEqual(['e1', 'e2']);

			actor.send({
				type: 'creator.remoteUpdate',
				creator: alpha({ version: 3, bio: 'y' }),
				editId: 'e2'
			});
			expect(actor.getSnapshot().context.pending.map((edit) => edit.id)).toEqual(['e1']);
		});

		it('applies server events to the confirmed copy when they arrive', () => {
			const { actor } = startCreator([], { creatorId: 'c1', snapshot: alpha() });

			actor.send({
				type: 'creator.serverEvent',
				frame: eventFrame('earnings_updated', { earningsCents: 10500 })
			});
			actor.send({
				type: 'creator.serverEvent',
				frame: eventFrame('new_subscription', { subscriberCount: 4 })
			});

			expect(actor.getSnapshot().context.confirmed).toMatchObject({
				earningsCents: 10500,
				subscriberCount: 4
			});
			expect(actor.getSnapshot().context.view).toEqual(actor.getSnapshot().context.confirmed);
		});

		it('handles a creator_updated event like a remote update', () => {
			const { actor } = startCreator([], { creatorId: 'c1', snapshot: alpha({ version: 2 }) });

			actor.send({
				type: 'creator.serverEvent',
				frame: eventFrame('creator_updated', { creator: alpha({ version: 1, nickname: 'Old' }) })
			});
			expect(actor.getSnapshot().context.view?.nickname).toBe('Alpha');

			actor.send({
				type: 'creator.serverEvent',
				frame: eventFrame('creator_updated', { creator: alpha({ version: 3, nickname: 'New' }) })
			});
			expect(actor.getSnapshot().context.view).toMatchObject({ nickname: 'New', version: 3 });
		});

		it("keeps the owner's earnings when a public creator_updated event arrives", () => {
			const owned = alpha({ version: 2, earningsCents: 10_700 });
			const { earningsCents: _private, ...publicCopy } = alpha({ version: 3, nickname: 'New' });
			const { actor } = startCreator([], { creatorId: 'c1', snapshot: owned });

			actor.send({
				type: 'creator.serverEvent',
				frame: eventFrame('creator_updated', { creator: publicCopy })
			});

			expect(actor.getSnapshot().context.view).toMatchObject({
				nickname: 'New',
				version: 3,
				earningsCents: 10_700
			});
		});

		it('ignores partial server events when nothing is loaded yet', () => {
			const { actor } = startCreator([fail(404)], { creatorId: 'c1' });

			actor.send({
				type: 'creator.serverEvent',
				frame: eventFrame('earnings_updated', { earningsCents: 1 })
			});

			expect(actor.getSnapshot().context.confirmed).toBeNull();
		});
	});
});
