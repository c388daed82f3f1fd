import type { Kysely } from 'kysely';
import type { Creator } from '$lib/shared/protocol';
import type { SessionUser } from './auth';
import { activeFlashSales, findCreator, isOwner } from './creators';
import { getDb, isUniqueViolation, writeTransaction } from './db';
import type { Database } from './db/schema';
import { appendEvent, flushEvents } from './events';
import { keyedWrite } from './idempotency';
import { ApiError } from './http';

/** The fan's subscription to a creator that is not cancelled, if there is one. */
function activeSubscription(db: Kysely<Database>, creatorId: string, fan: SessionUser) {
	return db
		.selectFrom('subscriptions')
		.select('id')
		.where('creator_id', '=', creatorId)
		.where('fan_user_id', '=', fan.id)
		.where('cancelled_at', 'is', null)
		.executeTakeFirst();
}

export type Subscription = {
	id: number;
	creatorId: string;
	priceCents: number;
	createdAt: string;
};

/** The price after a flash sale's discount, rounded to whole cents. */
export function discountedPrice(priceCents: number, discountPercent: number): number {
	return Math.round((priceCents * (100 - discountPercent)) / 100);
}

/**
 * Subscribes `fan` to a creator at today's price (flash sale included), then announces the
 * new subscriber count to everyone and the new earnings to the owner.
 */
export async function subscribe(
	creatorId: string,
	fan: SessionUser,
	key: string | null = null
): Promise<{ subscription: Subscription; creator: Creator }> {
	// A subscription has no body: its path is the whole request.
	const request = { key, scope: `POST ${creatorId}/subscriptions`, input: null };
	const answer = await keyedWrite(fan, request, async (trx) => {
		const result = await (async () => {
			const creator = await trx
				.selectFrom('creators')
				.selectAll()
				.where('id', '=', creatorId)
				.executeTakeFirst();
			if (!creator) throw new ApiError(404, 'There is no creator with this id.');
			if (isOwner(fan, creatorId)) throw new ApiError(403, 'You cannot subscribe to yourself.');

			const existing = await activeSubscription(trx, creatorId, fan);
			if (existing) throw new ApiError(409, 'You are already subscribed to this creator.');

			const [sale] = await activeFlashSales(trx, [creatorId]);
			const priceCents = sale
				? discountedPrice(creator.subscription_price_cents, sale.discount_percent)
				: creator.subscription_price_cents;
			const createdAt = new Date().toISOString();

			const { id } = await trx
				.insertInto('subscriptions')
				.values({
					creator_id: creatorId,
					fan_user_id: fan.id,
					price_cents: priceCents,
					created_at: createdAt
				})
				.returning('id')
				.executeTakeFirstOrThrow();

			const totals = await trx
				.updateTable('creators')
				.set((eb) => ({
					subscriber_count: eb('subscriber_count', '+', 1),
					earnings_cents: eb('earnings_cents', '+', priceCents)
				}))
				.where('id', '=', creatorId)
				.returning(['subscriber_count', 'earnings_cents'])
				.executeTakeFirstOrThrow();

			const view = await findCreator(creatorId, fan, trx);
			return {
				subscription: { id, creatorId, priceCents, createdAt },
				creator: view as Creator,
				totals
			};
		})().catch((error: unknown) => {
			// Two tabs subscribing at once: the unique index turns the second into a conflict.
			if (isUniqueViolation(error)) {
				throw new ApiError(409, 'You are already subscribed to this creator.');
			}
			throw error;
		});

		const { subscriber_count: subscriberCount, earnings_cents: earningsCents } = result.totals;
		await appendEvent(trx, creatorId, 'new_subscription', { subscriberCount });
		await appendEvent(trx, creatorId, 'earnings_updated', { earningsCents });

		return {
			status: 201,
			body: { subscription: result.subscription, creator: result.creator }
		};
	});

	return answer.body as { subscription: Subscription; creator: Creator };
}

/** Ends `fan`'s active subscription to a creator and announces the new count. */
export async function unsubscribe(creatorId: string, fan: SessionUser): Promise<Creator> {
	const result = await writeTransaction(async (trx) => {
		const active = await activeSubscription(trx, creatorId, fan);
		if (!active) throw new ApiError(404, 'You have no active subscription to this creator.');

		await trx
			.updateTable('subscriptions')
			.set({ cancelled_at: new Date().toISOString() })
			.where('id', '=', active.id)
			.execute();

		const { subscriber_count } = await trx
			.updateTable('creators')
			.set((eb) => ({ subscriber_count: eb('subscriber_count', '-', 1) }))
			.where('id', '=', creatorId)
			.returning('subscriber_count')
			.executeTakeFirstOrThrow();

		await appendEvent(trx, creatorId, 'subscription_cancelled', {
			subscriberCount: subscriber_count
		});
		return { creator: (await findCreator(creatorId, fan, trx)) as Creator };
	});
	await flushEvents();

	return result.creator;
}

/** Whether `fan` currently follows the creator, for pages that show a subscribe button. */
export async function isSubscribed(creatorId: string, fan: SessionUser): Promise<boolean> {
	return (await activeSubscription(await getDb(), creatorId, fan)) !== undefined;
}
