/**
 * Keyed writes: a client that retries a write sends the same `Idempotency-Key`, and the
 * server performs it once. The first answer is stored in the write's own transaction, so a
 * repeat (after a lost answer, a timeout or a crash) gets that answer and changes nothing.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SessionUser } from './auth';
import { writeTransaction, type Database } from './db';
import { flushEvents } from './events';
import { ApiError } from './http';

/** An answer as it is stored and replayed. */
export interface WriteAnswer {
	status: number;
	body: Record<string, unknown>;
}

const keySchema = z
	.string()
	.min(1, 'The idempotency key cannot be empty.')
	.max(100, 'The idempotency key can be at most 100 characters.');

/** The `Idempotency-Key` header, or `fallback` (e.g. an edit id); null when neither is given. */
export function idempotencyKey(request: Request, fallback?: string): string | null {
	const key = request.headers.get('idempotency-key') ?? fallback;
	if (key === undefined || key === null) return null;

	const parsed = keySchema.safeParse(key);
	if (!parsed.success) throw new ApiError(422, parsed.error.issues[0].message);
	return parsed.data;
}

/**
 * Runs `work` in an immediate transaction, at most once per (user, key): a repeat with the
 * same key is answered with the stored answer. A refused write throws, rolls back and stores
 * nothing, so it can be tried again. Events the write appended are delivered after the commit.
 *
 * @example
 * const answer = await keyedWrite(user, key, 'POST /api/creators/c1/subscriptions', (trx) => …);
 */
export async function keyedWrite(
	user: SessionUser,
	key: string | null,
	scope: string,
	work: (trx: Kysely<Database>) => Promise<WriteAnswer>
): Promise<WriteAnswer & { replayed: boolean }> {
	const answer = await writeTransaction(async (trx) => {
		if (key !== null) {
			const stored = await trx
				.selectFrom('idempotent_writes')
				.selectAll()
				.where('user_id', '=', user.id)
				.where('key', '=', key)
				.executeTakeFirst();
			if (stored && stored.scope !== scope) {
				throw new ApiError(422, 'This idempotency key was already used for another request.');
			}
			if (stored) {
				return { status: stored.status, body: JSON.parse(stored.body), replayed: true };
			}
		}

		const result = await work(trx);
		if (key !== null) {
			await trx
				.insertInto('idempotent_writes')
				.values({
					user_id: user.id,
					key,
					scope,
					status: result.status,
					body: JSON.stringify(result.body),
					created_at: new Date().toISOString()
				})
				.execute();
		}
		return { ...result, replayed: false };
	});

	if (!answer.replayed) await flushEvents();
	return answer;
}
