import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations live in code, not in files, so the bundled production server carries them
 * and no migration folder has to be shipped or found at run time. Append; never edit.
 */
const migrations: Record<string, Migration> = {
	'001_initial': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('users')
				.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
				.addColumn('email', 'text', (col) => col.notNull().unique())
				.addColumn('password_hash', 'text', (col) => col.notNull())
				.addColumn('display_name', 'text', (col) => col.notNull())
				.addColumn('created_at', 'text', (col) => col.notNull())
				.execute();

			await db.schema
				.createTable('creators')
				.addColumn('id', 'text', (col) => col.primaryKey())
				.addColumn('user_id', 'integer', (col) =>
					col.notNull().unique().references('users.id').onDelete('cascade')
				)
				.addColumn('nickname', 'text', (col) => col.notNull())
				.addColumn('bio', 'text', (col) => col.notNull().defaultTo(''))
				.addColumn('avatar_url', 'text', (col) => col.notNull())
				.addColumn('subscriber_count', 'integer', (col) => col.notNull().defaultTo(0))
				.addColumn('earnings_cents', 'integer', (col) => col.notNull().defaultTo(0))
				.addColumn('subscription_price_cents', 'integer', (col) => col.notNull())
				.addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
				.addColumn('updated_at', 'text', (col) => col.notNull())
				.execute();

			await db.schema
				.createTable('subscriptions')
				.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
				.addColumn('creator_id', 'text', (col) =>
					col.notNull().references('creators.id').onDelete('cascade')
				)
				.addColumn('fan_user_id', 'integer', (col) =>
					col.notNull().references('users.id').onDelete('cascade')
				)
				.addColumn('price_cents', 'integer', (col) => col.notNull())
				.addColumn('created_at', 'text', (col) => col.notNull())
				.addColumn('cancelled_at', 'text')
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
				.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
				.addColumn('creator_id', 'text', (col) =>
					col.notNull().references('creators.id').onDelete('cascade')
				)
				.addColumn('discount_percent', 'integer', (col) => col.notNull())
				.addColumn('starts_at', 'text', (col) => col.notNull())
				.addColumn('ends_at', 'text', (col) => col.notNull())
				.addColumn('ended_at', 'text')
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
				.addColumn('id', 'text', (col) => col.primaryKey())
				.addColumn('user_id', 'integer', (col) =>
					col.notNull().references('users.id').onDelete('cascade')
				)
				.addColumn('created_at', 'text', (col) => col.notNull())
				.addColumn('expires_at', 'text', (col) => col.notNull())
				.execute();

			await db.schema
				.createTable('events')
				.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
				.addColumn('creator_id', 'text', (col) =>
					col.notNull().references('creators.id').onDelete('cascade')
				)
				.addColumn('type', 'text', (col) => col.notNull())
				.addColumn('data', 'text', (col) => col.notNull())
				.addColumn('created_at', 'text', (col) => col.notNull())
				.execute();

			await db.schema
				.createIndex('events_by_creator')
				.on('events')
				.columns(['creator_id', 'id'])
				.execute();
		}
	},
	'002_guest_sessions': {
		// SQLite cannot drop NOT NULL in place, so the table is rebuilt with user_id optional.
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('sessions_next')
				.addColumn('id', 'text', (col) => col.primaryKey())
				.addColumn('user_id', 'integer', (col) => col.references('users.id').onDelete('cascade'))
				.addColumn('created_at', 'text', (col) => col.notNull())
				.addColumn('expires_at', 'text', (col) => col.notNull())
				.execute();
			await sql`insert into sessions_next (id, user_id, created_at, expires_at)
				select id, user_id, created_at, expires_at from sessions`.execute(db);
			await db.schema.dropTable('sessions').execute();
			await db.schema.alterTable('sessions_next').renameTo('sessions').execute();
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
				.addColumn('user_id', 'integer', (col) =>
					col.notNull().references('users.id').onDelete('cascade')
				)
				.addColumn('key', 'text', (col) => col.notNull())
				.addColumn('scope', 'text', (col) => col.notNull())
				.addColumn('status', 'integer', (col) => col.notNull())
				.addColumn('body', 'text', (col) => col.notNull())
				.addColumn('created_at', 'text', (col) => col.notNull())
				.addPrimaryKeyConstraint('idempotent_writes_pk', ['user_id', 'key'])
				.execute();

			await db.schema
				.createTable('event_log_state')
				.addColumn('id', 'integer', (col) => col.primaryKey().check(sql`id = 1`))
				.addColumn('pruned_through', 'integer', (col) => col.notNull().defaultTo(0))
				.execute();
			await sql`insert into event_log_state (id, pruned_through) values (1, 0)`.execute(db);
		}
	},
	'004_idempotent_request_hash': {
		async up(db: Kysely<unknown>) {
			await db.schema.alterTable('idempotent_writes').addColumn('request_hash', 'text').execute();
		}
	}
};

export const migrationProvider: MigrationProvider = {
	async getMigrations() {
		return migrations;
	}
};
