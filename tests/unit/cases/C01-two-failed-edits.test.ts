/** C01 — two failed edits roll back to the server's state, never to each other's. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpRequest } from '../../../machines/adapters/http';
import type { Creator } from '../../../src/lib/shared/protocol';
import { startCreator, watchStates } from '../support/creator-harness';
import { alpha, fail, ok, type Answer } from '../support/fixtures';

/** A fake API over one stored row; `refuse(n)` decides whether the n-th PATCH gets a 500. */
function database(refuse: (patchIndex: number) => boolean) {
	let row: Creator = alpha();
	let patchIndex = 0;
	const attemptsPerEdit = new Map<string, number>();

	const answer = (request: HttpRequest): Answer => {
		const { editId, baseVersion, ...patch } = request.body as {
			editId: string;
			baseVersion: number;
		};
		attemptsPerEdit.set(editId, (attemptsPerEdit.get(editId) ?? 0) + 1);
		if (attemptsPerEdit.get(editId) === 1) patchIndex += 1;
		if (refuse(patchIndex)) return fail(500);
		if (baseVersion !== row.version) return { status: 409, body: { creator: row } };

		row = { ...row, ...patch, version: row.version + 1 };

		return ok({ creator: row });
	};

	return { answer, row: () => row, attemptsPerEdit };
}

describe('C01 two failed edits', () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});

	afterEach(() => {
		vi.useRealTimers();
	});

	async function editTwice(db: ReturnType<typeof database>) {
		const harness = startCreator(db.answer, { creatorId: 'c1', snapshot: alpha() });
		const states = watchStates(harness.actor);
		const errors: unknown[] = [];
		harness.actor.subscribe((snapshot) => {
			if (snapshot.context.error && snapshot.context.error !== errors.at(-1)) {
				errors.push(snapshot.context.error);
			}
		});

		harness.actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
		await vi.advanceTimersByTimeAsync(50);
		harness.actor.send({ type: 'creator.edit', patch: { bio: 'y' }, editId: 'e2' });
		await vi.advanceTimersByTimeAsync(10_000);

		return { ...harness, states, errors };
	}

	it('shows Alpha / x and leaves the row unchanged when both edits are refused', async () => {
		const db = database(() => true);
		const { actor, states, errors } = await editTwice(db);

		expect(actor.getSnapshot().value).toBe('idle');
		expect(actor.getSnapshot().context.view).toMatchObject({ nickname: 'Alpha', bio: 'x' });
		expect(actor.getSnapshot().context.pending).toEqual([]);
		expect(db.row()).toEqual(alpha());
		expect(Object.fromEntries(db.attemptsPerEdit)).toEqual({ e1: 4, e2: 4 });
		expect(states.filter((step) => step.value === 'reverting')).toHaveLength(2);
		expect(errors).toHaveLength(2);
		expect(errors).toEqual([
			expect.objectContaining({ category: 'server', status: 500 }),
			expect.objectContaining({ category: 'server', status: 500 })
		]);
	});

	it('never shows the first edit again while rolling back the second', async () => {
		const db = database(() => true);
		const harness = startCreator(db.answer, { creatorId: 'c1', snapshot: alpha() });
		const nicknames: string[] = [];
		harness.actor.subscribe((snapshot) => nicknames.push(snapshot.context.view?.nickname ?? ''));

		harness.actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' }, editId: 'e1' });
		await vi.advanceTimersByTimeAsync(50);
		harness.actor.send({ type: 'creator.edit', patch: { bio: 'y' }, editId: 'e2' });
		await vi.advanceTimersByTimeAsync(10_000);

		const afterFirstRollback = nicknames.slice(nicknames.indexOf('Alpha', 1));
		expect(afterFirstRollback.length).toBeGreaterThan(0);
		expect(afterFirstRollback).not.toContain('Beta');
	});

	it('ends at Alpha / y in the view and the row when only the first edit is refused', async () => {
		const db = database((patchIndex) => patchIndex === 1);
		const { actor, errors } = await editTwice(db);

		expect(actor.getSnapshot().context.view).toMatchObject({ nickname: 'Alpha', bio: 'y' });
		expect(db.row()).toMatchObject({ nickname: 'Alpha', bio: 'y', version: 2 });
		expect(actor.getSnapshot().context.confirmed).toEqual(db.row());
		expect(errors).toHaveLength(1);
	});
});
