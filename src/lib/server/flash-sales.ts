import type { Creator, FlashSale } from '$lib/shared/protocol';
import type { SessionUser } from './auth';
import { findCreator, requireOwnedCreator, toFlashSale } from './creators';
import { getDb, isUniqueViolation, writeTransaction } from './db';
import { appendEvent, flushEvents } from './events';
import { keyedWrite } from './idempotency';
import { ApiError } from './http';
import { logger } from './logger';

/** setTimeout fires at once for delays above 2^31-1 ms; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Timers for running sales, on globalThis so a reloaded module in dev does not double them. */
const TIMERS_KEY = Symbol.for('creatordata.flashSaleTimers');
type TimerHolder = { [TIMERS_KEY]?: Map<number, NodeJS.Timeout> };

function timers(): Map<number, NodeJS.Timeout> {
	const holder = globalThis as TimerHolder;
	holder[TIMERS_KEY] ??= new Map();
	return holder[TIMERS_KEY];
}

function scheduleEnd(sale: { id: number; ends_at: string }): void {
	clearTimeout(timers().get(sale.id));

	const delay = Math.max(0, Date.parse(sale.ends_at) - Date.now());
	const timer = setTimeout(
		() => {
			timers().delete(sale.id);
			if (delay > MAX_TIMER_MS) {
				scheduleEnd(sale);
				return;
			}
			endFlashSale(sale.id).catch((error: unknown) =>
				logger.error({ err: error, flashSaleId: sale.id }, 'could not end flash sale')
			);
		},
		Math.min(delay, MAX_TIMER_MS)
	);
	// A pending sale must not keep the process alive on shutdown.
	timer.unref();

	timers().set(sale.id, timer);
}

/**
 * Marks a sale ended and announces it, once: whichever of the owner, the timer or the
 * start-up sweep gets there first wins, and the others find nothing to do.
 * Returns whether this call ended it.
 */
async function endFlashSale(id: number): Promise<boolean> {
	const ended = await writeTransaction(async (trx) => {
		const row = await trx
			.updateTable('flash_sales')
			.set({ ended_at: new Date().toISOString() })
			.where('id', '=', id)
			.where('ended_at', 'is', null)
			.returning(['id', 'creator_id'])
			.executeTakeFirst();
		if (row) await appendEvent(trx, row.creator_id, 'flash_sale_ended', { flashSaleId: row.id });
		return row;
	});

	clearTimeout(timers().get(id));
	timers().delete(id);
	if (!ended) return false;

	await flushEvents();
	return true;
}

/** Ends the sales whose time is up and sets timers for the others. Safe to call again. */
export async function startFlashSaleScheduler(): Promise<void> {
	const db = await getDb();
	const open = await db
		.selectFrom('flash_sales')
		.select(['id', 'ends_at'])
		.where('ended_at', 'is', null)
		.execute();

	const now = Date.now();
	for (const sale of open) {
		if (Date.parse(sale.ends_at) <= now) await endFlashSale(sale.id);
		else scheduleEnd(sale);
	}
	logger.info({ running: timers().size }, 'flash sale scheduler started');
}

/** Starts a sale for the owner's creator; one may run at a time. */
export async function createFlashSale(
	creatorId: string,
	user: SessionUser,
	input: { discountPercent: number; durationSeconds: number },
	key: string | null = null
): Promise<FlashSale> {
	const db = await getDb();
	await requireOwnedCreator(db, creatorId, user);

	// A sale past its end that the timer has not reached yet must not block a new one.
	const overdue = await db
		.selectFrom('flash_sales')
		.select('id')
		.where('creator_id', '=', creatorId)
		.where('ended_at', 'is', null)
		.where('ends_at', '<=', new Date().toISOString())
		.execute();
	for (const sale of overdue) await endFlashSale(sale.id);

	const startsAt = new Date();
	const endsAt = new Date(startsAt.getTime() + input.durationSeconds * 1000);
	const request = { key, scope: `POST ${creatorId}/flash-sales`, input };
	const answer = await keyedWrite(user, request, async (trx) => {
		const row = await trx
			.insertInto('flash_sales')
			.values({
				creator_id: creatorId,
				discount_percent: input.discountPercent,
				starts_at: startsAt.toISOString(),
				ends_at: endsAt.toISOString()
			})
			.returningAll()
			.executeTakeFirstOrThrow()
			.catch((error: unknown) => {
				if (isUniqueViolation(error)) {
					throw new ApiError(409, 'A flash sale is already running. End it first.');
				}
				throw error;
			});

		const flashSale = toFlashSale(row);
		await appendEvent(trx, creatorId, 'flash_sale_created', { flashSale });
		return { status: 201, body: { flashSale } };
	});

	const flashSale = answer.body.flashSale as FlashSale;
	if (!answer.replayed) scheduleEnd({ id: flashSale.id, ends_at: flashSale.endsAt });

	return flashSale;
}

/** Ends one of the owner's sales before its time; answers with the owner's view. */
export async function cancelFlashSale(
	creatorId: string,
	saleId: number,
	user: SessionUser
): Promise<Creator> {
	const db = await getDb();
	await requireOwnedCreator(db, creatorId, user);

	const sale = await db
		.selectFrom('flash_sales')
		.select(['id', 'ended_at'])
		.where('id', '=', saleId)
		.where('creator_id', '=', creatorId)
		.executeTakeFirst();
	if (!sale) throw new ApiError(404, 'There is no such flash sale for this creator.');
	if (sale.ended_at !== null || !(await endFlashSale(sale.id))) {
		throw new ApiError(409, 'This flash sale has already ended.');
	}

	return (await findCreator(creatorId, user, db)) as Creator;
}
