import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { databasePath, databaseUrl } from '../config';
import { logger } from '../logger';
import type { Database } from './schema';

/** The databases the query layer runs on; code above `db/` never asks which one it is. */
export type DialectName = 'sqlite' | 'postgres';

/** How long a write waits for another one to finish before it gives up as busy. */
export const BUSY_TIMEOUT_MS = 5000;

export interface Connection {
	db: Kysely<Database>;
	dialect: DialectName;
	/** Where the data lives, for logs: the file, or the URL without its password. */
	location: string;
}

/**
 * Opens the database the environment names: PostgreSQL for a `postgres://` DATABASE_URL,
 * otherwise the SQLite file at DATABASE_PATH.
 */
export function connect(): Connection {
	const url = databaseUrl();
	if (url === null) return connectSqlite(databasePath());

	if (!/^postgres(ql)?:\/\//.test(url)) {
		throw new Error('DATABASE_URL must be a postgres:// URL; unset it to use DATABASE_PATH.');
	}
	return connectPostgres(url);
}

function connectSqlite(path: string): Connection {
	mkdirSync(dirname(path), { recursive: true });

	const sqlite = new SQLite(path);
	sqlite.pragma('journal_mode = WAL');
	sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
	sqlite.pragma('foreign_keys = ON');
	// FULL syncs the WAL at every commit, so an answered write survives a crash of the process
	// and of the machine alike.
	sqlite.pragma('synchronous = FULL');

	const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
	return { db, dialect: 'sqlite', location: path };
}

/** pg's type id for `bigint` (int8), which it hands over as a string unless told otherwise. */
const INT8_OID = 20;

/**
 * SQLite's integers are 64-bit, so integer columns are `bigint` on PostgreSQL, and read back
 * as numbers, as better-sqlite3 reads them. A value past 2^53 would silently lose digits as a
 * number; it fails loudly instead. Set on this pool only, not on pg's global parsers.
 */
const types: pg.CustomTypesConfig = {
	getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
		if (oid !== INT8_OID) return pg.types.getTypeParser(oid, format);

		return (value: string) => {
			const number = Number(value);
			if (!Number.isSafeInteger(number)) {
				throw new RangeError(`The integer ${value} does not fit a JavaScript number.`);
			}
			return number;
		};
	}) as pg.CustomTypesConfig['getTypeParser']
};

function connectPostgres(url: string): Connection {
	const pool = new pg.Pool({ connectionString: url, types, application_name: 'creatordata' });
	// Without a listener, a pooled connection that drops while idle (a server restart, a
	// network cut) would crash the process; the pool replaces it on the next query.
	pool.on('error', (error) => logger.error({ err: error }, 'idle database connection failed'));

	const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
	return { db, dialect: 'postgres', location: withoutPassword(url) };
}

function withoutPassword(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString();
	} catch {
		return 'postgres://…';
	}
}
