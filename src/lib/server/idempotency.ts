/**
 * Keyed writes: a client that retries a write sends the same `Idempotency-Key`, and the
 * server performs it once. The first answer is stored in the write's own transaction, so a
 * repeat (after a lost answer, a timeout or a crash) gets that answer and changes nothing.
 * A key sent again with a different request is refused: its first answer would say a write
 * happened that never did. A key lives `IDEMPOTENCY_KEY_TTL_SECONDS` (a day); after that the
 * same key is a new write.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { stringify } from 'safe-stable-stringify';
import { z } from 'zod';
import type { SessionUser } from './auth';
import { idempotencyKeyTtlSeconds } from './config';
import { writeTransaction, type Database } from './db';
import { flushEvents } from './events';
import { ApiError } from './http';

/** Expired keys are cleared by a write at most this often (and at least once per key lifetime). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;
let lastPrunedAt = 0;

/** Clears keys older than their lifetime, within a write already under way. */
async function pruneExpiredKeys(trx: Kysely<Database>, now: number): Promise<void> {
	const ttlMs = idempotencyKeyTtlSeconds() * 1000;
	if (now - lastPrunedAt < Math.min(PRUNE_EVERY_MS, ttlMs)) return;

	lastPrunedAt = now;
	await trx
		.deleteFrom('idempotent_writes')
		.where('created_at', '<', new Date(now - ttlMs).toISOString())
		.execute();
}

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

/** What a keyed write asks for: the key, if any, and what must match for a repeat to replay. */
export interface KeyedRequest {
	key: string | null;
	/** Method and path, e.g. `PATCH c1`. */
	scope: string;
	/** The validated input the write acts on (null when its path says it all). */
	input: unknown;
}

/**
 * The fingerprint a repeat must match: sha256 of the validated input as canonical JSON, with
 * keys sorted and absent fields left out. The input is what the schema made of the body, so
 * the same request sent with its keys in another order or with a padded nickname still
 * matches.
 */
function requestHash(input: unknown): string {
	return createHash('sha256')
		.update(stringify(input) ?? 'null')
		.digest('hex');
}

/**
 * Runs `work` in one write transaction, at most once per (user, key): a repeat of the
 * same request with the same key is answered with the stored answer, and the key sent with
 * any other request is refused with 422. A refused write throws, rolls back and stores
 * nothing, so it can be tried again. Events the write appended are delivered after the commit.
 *
 * @example
 * const answer = await keyedWrite(
 * 	user,
 * 	{ key, scope: 'POST c1/flash-sales', input: { discountPercent: 20, durationSeconds: 60 } },
 * 	(trx) => …
 * );
 */
export async function keyedWrite(
	user: SessionUser,
	request: KeyedRequest,
	work: (trx: Kysely<Database>) => Promise<WriteAnswer>
): Promise<WriteAnswer & { replayed: boolean }> {
	const { key, scope } = request;
	const hash = requestHash(request.input);

	const answer = await writeTransaction(async (trx) => {
		await pruneExpiredKeys(trx, Date.now());
		if (key !== null) {
			const stored = await trx
				.selectFrom('idempotent_writes')
				.selectAll()
				.where('user_id', '=', user.id)
				.where('key', '=', key)
				.executeTakeFirst();
			if (stored) {
				// A row stored before requests were fingerprinted has no hash: its scope must match.
				const sameRequest =
					stored.scope === scope && (stored.request_hash === null || stored.request_hash === hash);
				if (!sameRequest) {
					throw new ApiError(422, 'This Idempotency-Key was already used for a different request.');
				}
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
					request_hash: hash,
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
