import type { EventData, EventFrame, EventName } from '$lib/shared/protocol';
import { getDb } from './db';
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

/**
 * Appends an event to the log and hands it to the bus. Call it after the change it
 * describes is committed: the row id becomes the frame id, which clients use to order
 * events and to resume after a reconnect.
 *
 * @example
 * await publishEvent('c1', 'new_subscription', { subscriberCount: 3 });
 */
export async function publishEvent<N extends EventName>(
	creatorId: string,
	type: N,
	data: EventData<N>
): Promise<EventFrame> {
	const db = await getDb();
	const at = new Date().toISOString();
	const { id } = await db
		.insertInto('events')
		.values({ creator_id: creatorId, type, data: JSON.stringify(data), created_at: at })
		.returning('id')
		.executeTakeFirstOrThrow();

	const frame = { type: 'event', id, event: type, creatorId, data, at } as EventFrame;
	getEventBus().publish(frame);

	return frame;
}

/** Stored events after `afterId` for the given creators, oldest first, for a resuming client. */
export async function eventsSince(
	afterId: number,
	creatorIds: string[],
	limit: number
): Promise<EventFrame[]> {
	if (creatorIds.length === 0) return [];

	const db = await getDb();
	const rows = await db
		.selectFrom('events')
		.selectAll()
		.where('id', '>', afterId)
		.where('creator_id', 'in', creatorIds)
		.orderBy('id')
		.limit(limit)
		.execute();

	return rows.map(
		(row) =>
			({
				type: 'event',
				id: row.id,
				event: row.type,
				creatorId: row.creator_id,
				data: JSON.parse(row.data),
				at: row.created_at
			}) as EventFrame
	);
}
