import type { Kysely, Selectable } from 'kysely';
import type { EventData, EventFrame, EventName } from '$lib/shared/protocol';
import { eventHeadAtOpen, getDb, writeTransaction, type Database } from './db';
import type { EventsTable } from './db/schema';
import { logger } from './logger';

export type EventListener = (frame: EventFrame) => void;

/**
 * Where stored events go to reach sockets. The in-memory bus serves one process; a Redis
 * pub/sub bus with the same two methods would let several instances share events while
 * the socket hub stays as it is.
 */
export interface EventBus {
	publish(frame: EventFrame): void;
	subscribe(listener: EventListener): () => void;
}

/**
 * Delivers on a later turn of the event loop (in publish order), so the request that made
 * the change is answered before its event fans out to every subscriber.
 */
export function createMemoryEventBus(): EventBus {
	const listeners = new Set<EventListener>();

	return {
		publish(frame) {
			setImmediate(() => {
				for (const listener of listeners) {
					try {
						listener(frame);
					} catch (error) {
						logger.error({ err: error, eventId: frame.id }, 'event listener failed');
					}
				}
			});
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		}
	};
}

/** One bus per process, on globalThis so the dev server's separate module instances share it. */
const BUS_KEY = Symbol.for('creatordata.eventBus');
type BusHolder = { [BUS_KEY]?: EventBus };

export function getEventBus(): EventBus {
	const holder = globalThis as BusHolder;
	holder[BUS_KEY] ??= createMemoryEventBus();
	return holder[BUS_KEY];
}

type Queryable = Kysely<Database>;

/**
 * Appends an event to the log inside the caller's transaction, so the change and its event
 * are committed together or not at all. Call `flushEvents` after the commit to deliver it.
 * Returns the event id, which clients use to order events and to resume after a reconnect.
 * The caller's transaction must be a `writeTransaction`: its lock is what makes ids become
 * visible in id order, which `flushEvents` relies on.
 */
export async function appendEvent<N extends EventName>(
	db: Queryable,
	creatorId: string,
	type: N,
	data: EventData<N>
): Promise<number> {
	const { id } = await db
		.insertInto('events')
		.values({
			creator_id: creatorId,
			type,
			data: JSON.stringify(data),
			created_at: new Date().toISOString()
		})
		.returning('id')
		.executeTakeFirstOrThrow();

	return id;
}

/**
 * Appends one event in its own transaction and delivers it. For changes that are not part of
 * a larger write.
 *
 * @example
 * await publishEvent('c1', 'flash_sale_ended', { flashSaleId: 3 });
 */
export async function publishEvent<N extends EventName>(
	creatorId: string,
	type: N,
	data: EventData<N>
): Promise<number> {
	const id = await writeTransaction((trx) => appendEvent(trx, creatorId, type, data));
	await flushEvents();

	return id;
}

type Publisher = { lastPublished: number | null; running: Promise<void> | null; again: boolean };
const PUBLISHER_KEY = Symbol.for('creatordata.eventPublisher');
type PublisherHolder = { [PUBLISHER_KEY]?: Publisher };

function publisher(): Publisher {
	const holder = globalThis as PublisherHolder;
	holder[PUBLISHER_KEY] ??= { lastPublished: null, running: null, again: false };
	return holder[PUBLISHER_KEY];
}

/**
 * Hands every committed event not yet delivered to the bus, strictly in id order. Writers
 * commit concurrently and may call this in any order; reading the log itself (one reader at a
 * time) means an event is never skipped, repeated or overtaken by a later one.
 */
export function flushEvents(): Promise<void> {
	const state = publisher();
	if (state.running) {
		state.again = true;
		return state.running;
	}

	state.running = (async () => {
		try {
			do {
				state.again = false;
				await deliverCommitted(state);
			} while (state.again);
		} finally {
			state.running = null;
		}
	})();

	return state.running;
}

async function deliverCommitted(state: Publisher): Promise<void> {
	const db = await getDb();
	// Whatever was in the log at start was delivered (or missed) by the previous process;
	// clients that missed it catch up with `resume`.
	state.lastPublished ??= eventHeadAtOpen();

	const rows = await db
		.selectFrom('events')
		.selectAll()
		.where('id', '>', state.lastPublished)
		.orderBy('id')
		.execute();
	for (const row of rows) {
		getEventBus().publish(toFrame(row));
		state.lastPublished = row.id;
	}
	await pruneEventLog(db, state.lastPublished);
}

/** The id of the newest event in the log, 0 for an empty log. */
export async function headEventId(db: Queryable): Promise<number> {
	const row = await db
		.selectFrom('events')
		.select((eb) => eb.fn.max('id').as('head'))
		.executeTakeFirst();

	return Number(row?.head ?? 0);
}

/** How many events the log keeps; older ones are removed and a client that needs them resyncs. */
export function eventRetention(): number {
	const configured = Number(process.env.EVENT_LOG_RETENTION);

	return Number.isInteger(configured) && configured > 0 ? configured : 100_000;
}

async function pruneEventLog(db: Queryable, head: number): Promise<void> {
	const through = head - eventRetention();
	if (through <= 0) return;

	const { pruned_through } = await db
		.selectFrom('event_log_state')
		.select('pruned_through')
		.executeTakeFirstOrThrow();
	if (pruned_through >= through) return;

	await writeTransaction(async (trx) => {
		await trx.deleteFrom('events').where('id', '<=', through).execute();
		await trx.updateTable('event_log_state').set({ pruned_through: through }).execute();
	});
}

function toFrame(row: Selectable<EventsTable>): EventFrame {
	return {
		type: 'event',
		id: row.id,
		event: row.type,
		creatorId: row.creator_id,
		data: JSON.parse(row.data),
		at: row.created_at
	} as EventFrame;
}

/**
 * Why the log cannot replay: it already removed some of the events (`pruned`), the id is
 * ahead of everything it holds (`ahead`, another database), or more than the limit are missed.
 */
export type ResyncReason = 'pruned' | 'ahead' | 'too_many';

/** What a resuming client gets: the events it missed, or `resync` when the log cannot tell. */
export type Resumption =
	{ kind: 'events'; events: EventFrame[] } | { kind: 'resync'; reason: ResyncReason };

/**
 * The stored events after `afterId` for the given creators, oldest first. When some of them
 * were removed by retention, when there are more than `limit`, or when `afterId` is ahead of
 * the log (a different database), the client must reload instead.
 */
export async function resumeFrom(
	afterId: number,
	creatorIds: string[],
	limit: number
): Promise<Resumption> {
	const db = await getDb();
	const { pruned_through } = await db
		.selectFrom('event_log_state')
		.select('pruned_through')
		.executeTakeFirstOrThrow();
	if (afterId < pruned_through) return { kind: 'resync', reason: 'pruned' };
	if (afterId > (await headEventId(db))) return { kind: 'resync', reason: 'ahead' };
	if (creatorIds.length === 0) return { kind: 'events', events: [] };

	const rows = await db
		.selectFrom('events')
		.selectAll()
		.where('id', '>', afterId)
		.where('creator_id', 'in', creatorIds)
		.orderBy('id')
		.limit(limit + 1)
		.execute();
	if (rows.length > limit) return { kind: 'resync', reason: 'too_many' };

	return { kind: 'events', events: rows.map(toFrame) };
}
