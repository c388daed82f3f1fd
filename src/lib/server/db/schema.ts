import type { Generated, Insertable, Selectable } from 'kysely';

/** Timestamps are ISO-8601 strings in UTC, so they sort as text and read the same in PostgreSQL. */
type Timestamp = string;

export interface UsersTable {
	id: Generated<number>;
	email: string;
	password_hash: string;
	display_name: string;
	created_at: Timestamp;
}

export interface CreatorsTable {
	id: string;
	user_id: number;
	nickname: string;
	bio: string;
	avatar_url: string;
	subscriber_count: number;
	earnings_cents: number;
	subscription_price_cents: number;
	version: Generated<number>;
	updated_at: Timestamp;
}

export interface SubscriptionsTable {
	id: Generated<number>;
	creator_id: string;
	fan_user_id: number;
	price_cents: number;
	created_at: Timestamp;
	cancelled_at: Timestamp | null;
}

export interface FlashSalesTable {
	id: Generated<number>;
	creator_id: string;
	discount_percent: number;
	starts_at: Timestamp;
	ends_at: Timestamp;
	ended_at: Timestamp | null;
}

export interface SessionsTable {
	/** sha256 of the cookie token, so a copy of the database cannot sign anyone in. */
	id: string;
	/** Null for a guest: a visitor who has not signed in. */
	user_id: number | null;
	created_at: Timestamp;
	expires_at: Timestamp;
}

export interface EventsTable {
	id: Generated<number>;
	creator_id: string;
	type: string;
	/** The event's data as JSON text. */
	data: string;
	created_at: Timestamp;
}

/** The first answer of each keyed write, replayed when the same key is sent again. */
export interface IdempotentWritesTable {
	user_id: number;
	key: string;
	/** Method and path, so a key reused for a different request is refused, not replayed. */
	scope: string;
	/**
	 * sha256 of the request's validated input as canonical JSON, so a key reused with another
	 * body is refused too; null on rows stored before it was recorded.
	 */
	request_hash: string | null;
	status: number;
	/** The answer's JSON body. */
	body: string;
	created_at: Timestamp;
}

/** One row: the highest event id removed from the log by retention (0 before any removal). */
export interface EventLogStateTable {
	id: number;
	pruned_through: number;
}

export interface Database {
	users: UsersTable;
	creators: CreatorsTable;
	subscriptions: SubscriptionsTable;
	flash_sales: FlashSalesTable;
	sessions: SessionsTable;
	events: EventsTable;
	idempotent_writes: IdempotentWritesTable;
	event_log_state: EventLogStateTable;
}

export type CreatorRow = Selectable<CreatorsTable>;
export type FlashSaleRow = Selectable<FlashSalesTable>;
export type NewUser = Insertable<UsersTable>;
