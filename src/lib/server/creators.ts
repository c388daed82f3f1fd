import type { Kysely, Transaction } from 'kysely';
import type { Creator, FlashSale, ProfilePatch } from '$lib/shared/protocol';
import type { SessionUser } from './auth';
import { getDb, readSnapshot, type Database } from './db';
import type { CreatorRow, FlashSaleRow } from './db/schema';
import { appendEvent, headEventId } from './events';
import { takeFault } from './faults';
import { ApiError } from './http';
import { keyedWrite, type WriteAnswer } from './idempotency';

type Queryable = Kysely<Database> | Transaction<Database>;

export function toFlashSale(row: FlashSaleRow): FlashSale {
	return {
		id: row.id,
		creatorId: row.creator_id,
		discountPercent: row.discount_percent,
		startsAt: row.starts_at,
		endsAt: row.ends_at
	};
}

/** The creator as anyone may see it; `withEarnings` only for the owner's own view. */
function toCreator(
	row: CreatorRow,
	sale: FlashSaleRow | undefined,
	withEarnings: boolean
): Creator {
	const creator: Creator = {
		id: row.id,
		nickname: row.nickname,
		bio: row.bio,
		avatarUrl: row.avatar_url,
		subscriberCount: row.subscriber_count,
		subscriptionPriceCents: row.subscription_price_cents,
		version: row.version,
		updatedAt: row.updated_at,
		activeFlashSale: sale ? toFlashSale(sale) : null
	};
	if (withEarnings) creator.earningsCents = row.earnings_cents;
	return creator;
}

/** Running sales: not ended by anyone and not past their end time (the scheduler may lag). */
export async function activeFlashSales(
	db: Queryable,
	creatorIds: string[]
): Promise<FlashSaleRow[]> {
	if (creatorIds.length === 0) return [];

	return db
		.selectFrom('flash_sales')
		.selectAll()
		.where('creator_id', 'in', creatorIds)
		.where('ended_at', 'is', null)
		.where('ends_at', '>', new Date().toISOString())
		.execute();
}

export function isOwner(user: SessionUser | null, creatorId: string): boolean {
	return user?.creatorId === creatorId;
}

/**
 * Every creator's public copy and the log position the list reflects, so a page that shows
 * it can follow each creator from there without missing what happens before its socket opens.
 */
export async function listCreators(): Promise<{ creators: Creator[]; eventId: number }> {
	const db = await getDb();

	// One connection serves every query, so no write lands between the reads.
	return db.connection().execute(async (connection) => {
		const rows = await connection.selectFrom('creators').selectAll().orderBy('id').execute();
		const ids = rows.map((row) => row.id);
		const sales = new Map(
			(await activeFlashSales(connection, ids)).map((sale) => [sale.creator_id, sale])
		);
		const creators = rows.map((row) => toCreator(row, sales.get(row.id), false));

		return { creators, eventId: await headEventId(connection) };
	});
}

/** The creator as `viewer` may see them, or null when there is no such creator. */
export async function findCreator(
	id: string,
	viewer: SessionUser | null,
	db: Queryable
): Promise<Creator | null> {
	const row = await db.selectFrom('creators').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) return null;

	const [sale] = await activeFlashSales(db, [id]);
	return toCreator(row, sale, isOwner(viewer, id));
}

export async function readCreator(id: string, viewer: SessionUser | null): Promise<Creator> {
	const creator = await findCreator(id, viewer, await getDb());
	if (!creator) throw new ApiError(404, 'There is no creator with this id.');
	return creator;
}

export async function creatorExists(id: string): Promise<boolean> {
	const db = await getDb();
	const row = await db.selectFrom('creators').select('id').where('id', '=', id).executeTakeFirst();
	return row !== undefined;
}

/**
 * The creator `user` owns, for owner-only actions. Unknown ids answer 404 before 403, so
 * the answer for someone else's creator never depends on whether the caller may see it.
 */
export async function requireOwnedCreator(
	db: Queryable,
	id: string,
	user: SessionUser
): Promise<CreatorRow> {
	const row = await db.selectFrom('creators').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) throw new ApiError(404, 'There is no creator with this id.');
	if (!isOwner(user, id)) throw new ApiError(403, 'Only the creator can change this profile.');
	return row;
}

export interface ProfileWrite {
	patch: ProfilePatch;
	/** Travels with the answer and the `creator_updated` event, so the client settles it once. */
	editId?: string;
	/**
	 * The version the edit was based on; a different stored version refuses the edit (409).
	 * `'any'` (If-Match: *) overwrites whatever is stored; naming none is refused (428).
	 */
	baseVersion?: number | 'any';
	idempotencyKey: string | null;
}

/**
 * Applies the owner's profile edit, bumps the version and appends `creator_updated`, in one
 * write transaction. A stale `baseVersion` changes nothing and answers 409 with the
 * stored copy, so the client can re-apply its edit on top. Answers `{ creator, editId,
 * eventId }`; a repeat with the same idempotency key gets the first answer again. An armed
 * test fault (faults.ts) fails the save with its status and changes nothing.
 */
export async function updateProfile(
	id: string,
	user: SessionUser,
	write: ProfileWrite
): Promise<WriteAnswer> {
	const { patch, editId, baseVersion } = write;
	// The version it was based on is part of the request: the same change made on top of
	// another version is another edit, and the first one's answer would not describe it.
	const request = {
		key: write.idempotencyKey,
		scope: `PATCH ${id}`,
		input: { patch, editId, baseVersion }
	};

	return keyedWrite(user, request, async (trx) => {
		const row = await requireOwnedCreator(trx, id, user);
		if (baseVersion === undefined) {
			throw new ApiError(
				428,
				'Say which version this edit is based on: If-Match with the ETag of your copy, or baseVersion in the body (If-Match: * overwrites any version).'
			);
		}
		if (baseVersion !== 'any' && row.version !== baseVersion) {
			throw new ApiError(
				409,
				`This profile changed since version ${baseVersion}; it is now at version ${row.version}.`,
				undefined,
				{ creator: await findCreator(id, user, trx), eventId: await headEventId(trx) }
			);
		}

		// The user's armed fault is the last check, so only a save that would otherwise go
		// through spends it; a repeat answered from the store never gets here.
		const fault = takeFault(user.id);
		if (fault !== null) {
			throw new ApiError(fault, `The server was told to fail this save with ${fault}.`);
		}

		await trx
			.updateTable('creators')
			.set({
				...(patch.nickname !== undefined && { nickname: patch.nickname }),
				...(patch.bio !== undefined && { bio: patch.bio }),
				version: row.version + 1,
				updated_at: new Date().toISOString()
			})
			.where('id', '=', id)
			.where('version', '=', row.version)
			.execute();

		const owner = (await findCreator(id, user, trx)) as Creator;
		const { earningsCents: _private, ...publicView } = owner;
		const eventId = await appendEvent(trx, id, 'creator_updated', {
			creator: publicView,
			...(editId !== undefined && { editId })
		});

		return { status: 200, body: { creator: owner, eventId, ...(editId && { editId }) } };
	});
}

/** The creator as `viewer` may see them and the log position that copy reflects. */
export async function readCreatorAt(
	id: string,
	viewer: SessionUser | null
): Promise<{ creator: Creator; eventId: number }> {
	// No write lands between these two reads, so the copy is exactly the one at `eventId`.
	return readSnapshot(async (db) => {
		const creator = await findCreator(id, viewer, db);
		if (!creator) throw new ApiError(404, 'There is no creator with this id.');
		return { creator, eventId: await headEventId(db) };
	});
}
