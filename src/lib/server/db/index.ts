import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, sql, SqliteDialect } from 'kysely';
import { databasePath } from '../config';
import { logger } from '../logger';
import { migrationProvider } from './migrations';
import type { Database } from './schema';
import { seed } from './seed';

export type { Database } from './schema';

/**
 * Kept on globalThis because in `vite dev` the WebSocket module and the routes can be
 * separate module instances; both must use one connection, not two.
 */
const DB_KEY = Symbol.for('creatordata.db');
const HEAD_KEY = Symbol.for('creatordata.db.headAtOpen');
type DbHolder = { [DB_KEY]?: Promise<Kysely<Database>>; [HEAD_KEY]?: number };

/**
 * The newest event id when this process opened the database. Events after it are this
 * process's to deliver; older ones reached clients before a restart, or reach them by resume.
 */
export function eventHeadAtOpen(): number {
	return (globalThis as DbHolder)[HEAD_KEY] ?? 0;
}

/**
 * The database, opened, migrated and seeded on first use. Nothing touches the disk at
 * import, because `vite build` evaluates server modules.
 *
 * @example
 * const db = await getDb();
 * const creators = await db.selectFrom('creators').selectAll().execute();
 */
export function getDb(): Promise<Kysely<Database>> {
	const holder = globalThis as DbHolder;
	holder[DB_KEY] ??= openDatabase().catch((error: unknown) => {
		// Forget the failed attempt so the next request tries again instead of failing forever.
		delete holder[DB_KEY];
		throw error;
	});
	return holder[DB_KEY];
}

async function openDatabase(): Promise<Kysely<Database>> {
	const path = databasePath();
	mkdirSync(dirname(path), { recursive: true });

	const sqlite = new SQLite(path);
	sqlite.pragma('journal_mode = WAL');
	sqlite.pragma('busy_timeout = 5000');
	sqlite.pragma('foreign_keys = ON');
	// FULL syncs the WAL at every commit, so an answered write survives a crash of the process
	// and of the machine alike.
	sqlite.pragma('synchronous = FULL');

	const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });

	const { error, results } = await new Migrator({
		db,
		provider: migrationProvider
	}).migrateToLatest();
	for (const result of results ?? []) {
		if (result.status === 'Error')
			logger.error({ migration: result.migrationName }, 'migration failed');
		if (result.status === 'Success') logger.info({ migration: result.migrationName }, 'migrated');
	}
	if (error) {
		await db.destroy();
		throw error;
	}

	const anyUser = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
	if (!anyUser) {
		await seed(db);
		logger.info({ path }, 'seeded a new database');
	}

	const head = await db
		.selectFrom('events')
		.select((eb) => eb.fn.max('id').as('head'))
		.executeTakeFirst();
	(globalThis as DbHolder)[HEAD_KEY] = Number(head?.head ?? 0);

	return db;
}

/** True when an error is SQLite refusing a row that breaks a unique index. */
export function isUniqueViolation(error: unknown): boolean {
	return (
		error instanceof Error &&
		'code' in error &&
		(error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
	);
}

/**
 * Runs `work` in an immediate transaction: the write lock is taken at `begin`, so a second
 * writer (another process on the same file) waits up to the busy timeout instead of failing
 * half-way with SQLITE_BUSY. Resolves only after the commit, i.e. once the write is durable.
 *
 * @example
 * const row = await writeTransaction((trx) => trx.updateTable('creators').set({ bio: '' }).execute());
 */
export async function writeTransaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
	const db = await getDb();

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
