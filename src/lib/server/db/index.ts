import { Migrator, sql, type Kysely } from 'kysely';
import { ApiError } from '../http';
import { logger } from '../logger';
import { BUSY_TIMEOUT_MS, connect, type Connection, type DialectName } from './connect';
import { isBusy } from './errors';
import { migrationProvider } from './migrations';
import type { Database } from './schema';
import { seed } from './seed';

export type { Database } from './schema';
export type { DialectName } from './connect';
export { isBusy, isUniqueViolation } from './errors';

/**
 * Kept on globalThis because in `vite dev` the WebSocket module and the routes can be
 * separate module instances; both must use one connection, not two.
 */
const DB_KEY = Symbol.for('creatordata.db');
const HEAD_KEY = Symbol.for('creatordata.db.headAtOpen');
type DbHolder = { [DB_KEY]?: Promise<Connection>; [HEAD_KEY]?: number };

/**
 * The newest event id when this process opened the database. Events after it are this
 * process's to deliver; older ones reached clients before a restart, or reach them by resume.
 */
export function eventHeadAtOpen(): number {
	return (globalThis as DbHolder)[HEAD_KEY] ?? 0;
}

/**
 * The database, opened, migrated and seeded on first use. Nothing touches the disk or the
 * network at import, because `vite build` evaluates server modules.
 *
 * @example
 * const db = await getDb();
 * const creators = await db.selectFrom('creators').selectAll().execute();
 */
export async function getDb(): Promise<Kysely<Database>> {
	return (await connection()).db;
}

function connection(): Promise<Connection> {
	const holder = globalThis as DbHolder;
	holder[DB_KEY] ??= openDatabase().catch((error: unknown) => {
		// Forget the failed attempt so the next request tries again instead of failing forever.
		delete holder[DB_KEY];
		throw error;
	});
	return holder[DB_KEY];
}

async function openDatabase(): Promise<Connection> {
	const opened = connect();
	const { db, dialect, location } = opened;

	try {
		const { error, results } = await new Migrator({
			db,
			provider: migrationProvider(dialect)
		}).migrateToLatest();
		for (const result of results ?? []) {
			if (result.status === 'Error')
				logger.error({ migration: result.migrationName }, 'migration failed');
			if (result.status === 'Success') logger.info({ migration: result.migrationName }, 'migrated');
		}
		if (error) throw error;

		// Under the write lock, so two servers starting on one new database seed it once.
		const seeded = await runWrite(db, dialect, async (trx) => {
			const anyUser = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
			if (anyUser) return false;

			await seed(trx);
			return true;
		});
		if (seeded) logger.info({ database: location }, 'seeded a new database');

		const head = await db
			.selectFrom('events')
			.select((eb) => eb.fn.max('id').as('head'))
			.executeTakeFirst();
		(globalThis as DbHolder)[HEAD_KEY] = Number(head?.head ?? 0);
	} catch (error) {
		await db.destroy();
		throw error;
	}

	return opened;
}

/**
 * Runs `work` as the only write in progress, and resolves only after the commit, i.e. once
 * the write is durable. A write that waits longer than the busy timeout for another one is
 * answered 503, which clients retry (with the same idempotency key).
 *
 * One writer at a time is what the app's guarantees rest on: a versioned edit reads the
 * version and writes the next one, a keyed write looks its key up and then stores it, and a
 * subscription checks for an active one, all with nothing committed in between; and every
 * write appends to the event log, whose ids must become visible in id order (see
 * `flushEvents`). How each database provides it:
 *
 * - SQLite: `begin immediate` takes the file's write lock at the start, so a second writer
 *   (another process on the same file) waits up to the busy timeout instead of failing
 *   half-way with SQLITE_BUSY.
 * - PostgreSQL: a read committed transaction whose first statement takes one transaction-level
 *   advisory lock, held until commit or rollback. Every later statement reads what the writers
 *   before it committed, so the checks above hold as they do on SQLite. A sequence alone would
 *   not keep the log in order: ids are handed out when rows are inserted, not when they
 *   commit, so with two writers a reader could see id N+1 before N and skip N for good.
 *   Under the lock an id is drawn only after the previous writer's commit is visible.
 *   Serializable isolation with retries would let writes to different creators overlap, but
 *   the log would still need this lock, and every write appends to it, so it would buy
 *   nothing but retries. Reads never take the lock. If write throughput ever outgrows one
 *   writer, the log needs ids assigned in commit order (e.g. by the publisher) instead.
 *
 * @example
 * const row = await writeTransaction((trx) => trx.updateTable('creators').set({ bio: '' }).execute());
 */
export async function writeTransaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
	const { db, dialect } = await connection();

	try {
		return await runWrite(db, dialect, work);
	} catch (error) {
		if (isBusy(error)) throw new ApiError(503, 'The server is busy. Try again in a moment.');
		throw error;
	}
}

/** Any number that no other application on the same PostgreSQL database locks ('CRDT'). */
const WRITE_LOCK_KEY = 0x43524454;

function runWrite<T>(
	db: Kysely<Database>,
	dialect: DialectName,
	work: (trx: Kysely<Database>) => Promise<T>
): Promise<T> {
	if (dialect === 'postgres') {
		return db
			.transaction()
			.setIsolationLevel('read committed')
			.execute(async (trx) => {
				await sql`set local lock_timeout = ${sql.lit(`${BUSY_TIMEOUT_MS}ms`)}`.execute(trx);
				await sql`select pg_advisory_xact_lock(${sql.lit(WRITE_LOCK_KEY)})`.execute(trx);
				return work(trx);
			});
	}

	return db.connection().execute(async (connection) => {
		await sql`begin immediate`.execute(connection);
		try {
			const result = await work(connection);
			await sql`commit`.execute(connection);
			return result;
		} catch (error) {
			await sql`rollback`.execute(connection);
			throw error;
		}
	});
}

/**
 * Runs reads that must agree with each other, e.g. a copy of a row and the log position it
 * reflects, so that no write commits between them.
 *
 * @example
 * const { creator, head } = await readSnapshot(async (db) => ({ creator: await …, head: await … }));
 */
export async function readSnapshot<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
	const { db, dialect } = await connection();

	if (dialect === 'postgres') {
		// One snapshot for the whole transaction, taken at its first read; it waits for no lock.
		return db
			.transaction()
			.setIsolationLevel('repeatable read')
			.setAccessMode('read only')
			.execute(work);
	}

	// One connection serves every query in turn, so nothing else runs until `work` is done.
	return db.connection().execute(work);
}
