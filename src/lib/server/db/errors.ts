/**
 * The one place that knows how each driver reports the failures the app acts on. Everything
 * above the database asks these questions instead of comparing driver codes.
 */

/** What a failed statement means to the app, whichever database refused it. */
export type DatabaseFailure =
	/** A row broke a unique index or primary key: usually a concurrent duplicate. */
	| 'unique_violation'
	/** The database could not take a lock in time, or gave up on a transaction to avoid one. */
	| 'busy';

/** better-sqlite3 puts the extended result code on `code`, e.g. `SQLITE_BUSY_SNAPSHOT`. */
const SQLITE: Record<string, DatabaseFailure> = {
	SQLITE_CONSTRAINT_UNIQUE: 'unique_violation',
	SQLITE_CONSTRAINT_PRIMARYKEY: 'unique_violation',
	SQLITE_BUSY: 'busy',
	SQLITE_BUSY_RECOVERY: 'busy',
	SQLITE_BUSY_SNAPSHOT: 'busy',
	SQLITE_BUSY_TIMEOUT: 'busy',
	SQLITE_LOCKED: 'busy'
};

/** pg puts the SQLSTATE on `code`: https://www.postgresql.org/docs/current/errcodes-appendix.html */
const POSTGRES: Record<string, DatabaseFailure> = {
	'23505': 'unique_violation',
	// lock_not_available: `lock_timeout` ran out, the counterpart of SQLite's busy timeout.
	'55P03': 'busy',
	'40001': 'busy',
	'40P01': 'busy'
};

/** The failure a driver error stands for, or null for anything the app does not handle. */
export function databaseFailure(error: unknown): DatabaseFailure | null {
	if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') {
		return null;
	}

	return SQLITE[error.code] ?? POSTGRES[error.code] ?? null;
}

/** True when the database refused a row that breaks a unique index. */
export function isUniqueViolation(error: unknown): boolean {
	return databaseFailure(error) === 'unique_violation';
}

/** True when the database was too busy to perform the write; trying again later may succeed. */
export function isBusy(error: unknown): boolean {
	return databaseFailure(error) === 'busy';
}
