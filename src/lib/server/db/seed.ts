import type { Kysely } from 'kysely';
import { hashPassword } from '../password';
import type { Database } from './schema';

interface SeedCreator {
	id: string;
	nickname: string;
	bio: string;
	email: string;
	password: string;
	displayName: string;
	priceCents: number;
	earningsCents: number;
}

/** Neutral demo data; the failure cases and end-to-end tests rely on c1 and c2 as written. */
const CREATORS: SeedCreator[] = [
	{
		id: 'c1',
		nickname: 'Alpha',
		bio: 'x',
		email: 'alpha@creatordata.test',
		password: 'alpha-demo-pass',
		displayName: 'Alpha Owner',
		priceCents: 500,
		earningsCents: 10000
	},
	{
		id: 'c2',
		nickname: 'Bravo',
		bio: 'Weekly behind-the-scenes notes.',
		email: 'bravo@creatordata.test',
		password: 'bravo-demo-pass',
		displayName: 'Bravo Owner',
		priceCents: 800,
		earningsCents: 24000
	},
	{
		id: 'c3',
		nickname: 'Charlie',
		bio: 'Sketches, drafts and the occasional finished piece.',
		email: 'charlie@creatordata.test',
		password: 'charlie-demo-pass',
		displayName: 'Charlie Owner',
		priceCents: 300,
		earningsCents: 4500
	},
	{
		id: 'c4',
		nickname: 'Delta',
		bio: 'Long-form essays, one a month.',
		email: 'delta@creatordata.test',
		password: 'delta-demo-pass',
		displayName: 'Delta Owner',
		priceCents: 1200,
		earningsCents: 0
	}
];

const FANS = [1, 2, 3].map((n) => ({
	email: `fan${n}@creatordata.test`,
	displayName: `Fan ${n}`
}));
const FAN_PASSWORD = 'fan-demo-pass';

/** Which fan (1-based) follows which creator; subscriber counts are derived from this. */
const SUBSCRIPTIONS: Array<[fan: number, creatorId: string]> = [
	[1, 'c1'],
	[2, 'c1'],
	[1, 'c2'],
	[3, 'c2'],
	[2, 'c3']
];

/** Runs for the longest a sale may (a day), so a demo started today still shows it tonight. */
const FLASH_SALE = { creatorId: 'c2', discountPercent: 25, durationMs: 24 * 60 * 60 * 1000 };

/** Fills an empty database, inside the caller's write transaction so it happens once. */
export async function seed(trx: Kysely<Database>): Promise<void> {
	const now = new Date().toISOString();
	const fanHash = await hashPassword(FAN_PASSWORD);
	const creatorHashes = await Promise.all(CREATORS.map((c) => hashPassword(c.password)));

	const fanIds: number[] = [];
	for (const fan of FANS) {
		const { id } = await trx
			.insertInto('users')
			.values({
				email: fan.email,
				password_hash: fanHash,
				display_name: fan.displayName,
				created_at: now
			})
			.returning('id')
			.executeTakeFirstOrThrow();
		fanIds.push(id);
	}

	for (const [index, creator] of CREATORS.entries()) {
		const { id: userId } = await trx
			.insertInto('users')
			.values({
				email: creator.email,
				password_hash: creatorHashes[index],
				display_name: creator.displayName,
				created_at: now
			})
			.returning('id')
			.executeTakeFirstOrThrow();

		await trx
			.insertInto('creators')
			.values({
				id: creator.id,
				user_id: userId,
				nickname: creator.nickname,
				bio: creator.bio,
				avatar_url: `/avatars/${creator.id}.svg`,
				subscriber_count: SUBSCRIPTIONS.filter(([, id]) => id === creator.id).length,
				earnings_cents: creator.earningsCents,
				subscription_price_cents: creator.priceCents,
				updated_at: now
			})
			.execute();
	}

	for (const [fan, creatorId] of SUBSCRIPTIONS) {
		const creator = CREATORS.find((c) => c.id === creatorId);
		await trx
			.insertInto('subscriptions')
			.values({
				creator_id: creatorId,
				fan_user_id: fanIds[fan - 1],
				price_cents: creator?.priceCents ?? 0,
				created_at: now
			})
			.execute();
	}

	await trx
		.insertInto('flash_sales')
		.values({
			creator_id: FLASH_SALE.creatorId,
			discount_percent: FLASH_SALE.discountPercent,
			starts_at: now,
			ends_at: new Date(Date.now() + FLASH_SALE.durationMs).toISOString()
		})
		.execute();
}
