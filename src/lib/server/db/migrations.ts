import {
	sql,
	type ColumnDefinitionBuilder,
	type ColumnDataType,
	type Expression,
	type Kysely,
	type Migration,
	type MigrationProvider
} from 'kysely';
import type { DialectName } from './connect';

type DataType = ColumnDataType | Expression<unknown>;

/** The column types the schema is written in, as each database spells them. */
interface ColumnTypes {
	/** A 64-bit integer: SQLite's `integer` is one, PostgreSQL's is only 32 bits. */
	integer: DataType;
	text: DataType;
	/**
	 * An ISO-8601 UTC string. Queries compare these as text, so on PostgreSQL they compare
	 * byte by byte ("C") whatever collation the database was created with.
	 */
	timestamp: DataType;
	/** Makes a column the table's generated integer key. */
	generatedKey(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

const COLUMN_TYPES: Record<DialectName, ColumnTypes> = {
	sqlite: {
		integer: 'integer',
		text: 'text',
		timestamp: 'text',
		generatedKey: (col) => col.primaryKey().autoIncrement()
	},
	postgres: {
		integer: 'bigint',
		text: 'text',
		timestamp: sql`text collate "C"`,
		generatedKey: (col) => col.primaryKey().generatedByDefaultAsIdentity()
	}
};

/**
 * Migrations live in code, not in files, so the bundled production server carries them
 * and no migration folder has to be shipped or found at run time. Append; never edit what a
 * migration does to a database that already ran it: the SQLite statements below are the ones
 * first shipped, and the PostgreSQL spellings beside them were added with PostgreSQL support.
 */
function createMigrations(dialect: DialectName): Record<string, Migration> {
	const { integer, text, timestamp, generatedKey } = COLUMN_TYPES[dialect];

	return {
		'001_initial': {
			async up(db: Kysely<unknown>) {
				await db.schema
					.createTable('users')
					.addColumn('id', integer, generatedKey)
					.addColumn('email', text, (col) => col.notNull().unique())
					.addColumn('password_hash', text, (col) => col.notNull())
					.addColumn('display_name', text, (col) => col.notNull())
					.addColumn('created_at', timestamp, (col) => col.notNull())
					.execute();

				await db.schema
					.createTable('creators')
					.addColumn('id', text, (col) => col.primaryKey())
					.addColumn('user_id', integer, (col) =>
						col.notNull().unique().references('users.id').onDelete('cascade')
					)
					.addColumn('nickname', text, (col) => col.notNull())
					.addColumn('bio', text, (col) => col.notNull().defaultTo(''))
					.addColumn('avatar_url', text, (col) => col.notNull())
					.addColumn('subscriber_count', integer, (col) => col.notNull().defaultTo(0))
					.addColumn('earnings_cents', integer, (col) => col.notNull().defaultTo(0))
					.addColumn('subscription_price_cents', integer, (col) => col.notNull())
					.addColumn('version', integer, (col) => col.notNull().defaultTo(1))
					.addColumn('updated_at', timestamp, (col) => col.notNull())
					.execute();

				await db.schema
					.createTable('subscriptions')
					.addColumn('id', integer, generatedKey)
					.addColumn('creator_id', text, (col) =>
						col.notNull().references('creators.id').onDelete('cascade')
					)
					.addColumn('fan_user_id', integer, (col) =>
						col.notNull().references('users.id').onDelete('cascade')
					)
					.addColumn('price_cents', integer, (col) => col.notNull())
					.addColumn('created_at', timestamp, (col) => col.notNull())
					.addColumn('cancelled_at', timestamp)
					.execute();

				// The database, not only the route, guarantees one active subscription per fan.
				await db.schema
					.createIndex('subscriptions_one_active')
					.on('subscriptions')
					.columns(['creator_id', 'fan_user_id'])
					.unique()
					.where(sql.ref('cancelled_at'), 'is', null)
					.execute();

				await db.schema
					.createTable('flash_sales')
					.addColumn('id', integer, generatedKey)
					.addColumn('creator_id', text, (col) =>
						col.notNull().references('creators.id').onDelete('cascade')
					)
					.addColumn('discount_percent', integer, (col) => col.notNull())
					.addColumn('starts_at', timestamp, (col) => col.notNull())
					.addColumn('ends_at', timestamp, (col) => col.notNull())
					.addColumn('ended_at', timestamp)
					.execute();

				await db.schema
					.createIndex('flash_sales_one_running')
					.on('flash_sales')
					.column('creator_id')
					.unique()
					.where(sql.ref('ended_at'), 'is', null)
					.execute();

				await db.schema
					.createTable('sessions')
					.addColumn('id', text, (col) => col.primaryKey())
					.addColumn('user_id', integer, (col) =>
						col.notNull().references('users.id').onDelete('cascade')
					)
					.addColumn('created_at', timestamp, (col) => col.notNull())
					.addColumn('expires_at', timestamp, (col) => col.notNull())
					.execute();

				await db.schema
					.createTable('events')
					.addColumn('id', integer, generatedKey)
					.addColumn('creator_id', text, (col) =>
						col.notNull().references('creators.id').onDelete('cascade')
					)
					.addColumn('type', text, (col) => col.notNull())
					.addColumn('data', text, (col) => col.notNull())
					.addColumn('created_at', timestamp, (col) => col.notNull())
					.execute();

				await db.schema
					.createIndex('events_by_creator')
					.on('events')
					.columns(['creator_id', 'id'])
					.execute();
			}
		},
		'002_guest_sessions': {
			async up(db: Kysely<unknown>) {
				if (dialect === 'postgres') {
					await db.schema
						.alterTable('sessions')
						.alterColumn('user_id', (col) => col.dropNotNull())
						.execute();
				} else {
					await rebuildSessionsWithOptionalUser(db);
				}
				await db.schema
					.createIndex('sessions_by_expiry')
					.on('sessions')
					.column('expires_at')
					.execute();
			}
		},
		'003_idempotent_writes_and_event_retention': {
			async up(db: Kysely<unknown>) {
				await db.schema
					.createTable('idempotent_writes')
					.addColumn('user_id', integer, (col) =>
						col.notNull().references('users.id').onDelete('cascade')
					)
					.addColumn('key', text, (col) => col.notNull())
					.addColumn('scope', text, (col) => col.notNull())
					.addColumn('status', integer, (col) => col.notNull())
					.addColumn('body', text, (col) => col.notNull())
					.addColumn('created_at', timestamp, (col) => col.notNull())
					.addPrimaryKeyConstraint('idempotent_writes_pk', ['user_id', 'key'])
					.execute();

				await db.schema
					.createTable('event_log_state')
					.addColumn('id', integer, (col) => col.primaryKey().check(sql`id = 1`))
					.addColumn('pruned_through', integer, (col) => col.notNull().defaultTo(0))
					.execute();
				await sql`insert into event_log_state (id, pruned_through) values (1, 0)`.execute(db);
			}
		},
		'004_idempotent_request_hash': {
			async up(db: Kysely<unknown>) {
				await db.schema.alterTable('idempotent_writes').addColumn('request_hash', text).execute();
			}
		}
	};
}

/** SQLite cannot drop NOT NULL in place, so the table is rebuilt with user_id optional. */
async function rebuildSessionsWithOptionalUser(db: Kysely<unknown>): Promise<void> {
	const { integer, text, timestamp } = COLUMN_TYPES.sqlite;

	await db.schema
		.createTable('sessions_next')
		.addColumn('id', text, (col) => col.primaryKey())
		.addColumn('user_id', integer, (col) => col.references('users.id').onDelete('cascade'))
		.addColumn('created_at', timestamp, (col) => col.notNull())
		.addColumn('expires_at', timestamp, (col) => col.notNull())
		.execute();
	await sql`insert into sessions_next (id, user_id, created_at, expires_at)
	select id, user_id, created_at, expires_at from sessions`.execute(db);
	await db.schema.dropTable('sessions').execute();
	await db.schema.alterTable('sessions_next').renameTo('sessions').execute();
}

export function migrationProvider(dialect: DialectName): MigrationProvider {
	return {
		async getMigrations() {
			return createMigrations(dialect);
		}
	};
}
