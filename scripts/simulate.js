/**
 * Drives a running CreatorData with believable traffic so the live pages have something
 * to show: fans subscribe and cancel, an owner runs a short flash sale that ends by itself.
 *
 *   npm run simulate -- --duration 30      (BASE_URL defaults to http://localhost:3000)
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({
	options: { duration: { type: 'string', default: '60' } },
	allowPositionals: true
});

/** `1 subscriber`, `3 subscribers`. */
const subscribers = (count) => `${count} subscriber${count === 1 ? '' : 's'}`;

const baseUrl = (process.env.BASE_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const durationSeconds = Number(values.duration);
if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) {
	console.error(`--duration must be a positive number of seconds, not "${values.duration}".`);
	process.exit(1);
}

const FANS = [1, 2, 3].map((n) => ({
	email: `fan${n}@creatordata.test`,
	password: 'fan-demo-pass'
}));
const OWNERS = [
	{ creatorId: 'c2', email: 'bravo@creatordata.test', password: 'bravo-demo-pass' },
	{ creatorId: 'c1', email: 'alpha@creatordata.test', password: 'alpha-demo-pass' }
];
const ACTION_INTERVAL_MS = 800;

const pick = (items) => items[Math.floor(Math.random() * items.length)];
const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));
const time = () => new Date().toISOString().slice(11, 19);
const log = (line) => console.log(`${time()}  ${line}`);
const dollars = (cents) => `$${(cents / 100).toFixed(2)}`;

async function call(method, path, { cookie, body } = {}) {
	const headers = { accept: 'application/json' };
	if (cookie) headers.cookie = cookie;
	if (body !== undefined) headers['content-type'] = 'application/json';

	const response = await fetch(`${baseUrl}${path}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await response.text();
	return {
		status: response.status,
		headers: response.headers,
		body: text ? JSON.parse(text) : null
	};
}

async function signIn(account) {
	const { email, password } = account;
	const response = await call('POST', '/api/session', { body: { email, password } });
	if (response.status !== 200) {
		throw new Error(
			`could not sign in ${account.email} (${response.status}): is the database seeded?`
		);
	}
	const cookie = response.headers.getSetCookie().find((line) => line.startsWith('cd_session='));
	return { ...account, cookie: cookie.split(';')[0], user: response.body.user };
}

async function toggleSubscription(fan, creators) {
	const creator = pick(creators.filter((c) => c.id !== fan.user.creatorId));
	const path = `/api/creators/${creator.id}/subscriptions`;
	const subscribed = await call('POST', path, { cookie: fan.cookie });

	if (subscribed.status === 201) {
		const { subscription, creator: after } = subscribed.body;
		log(
			`${fan.email} subscribed to ${after.nickname} for ${dollars(subscription.priceCents)} ` +
				`(${subscribers(after.subscriberCount)})`
		);
		return;
	}
	if (subscribed.status !== 409) {
		log(`${fan.email} could not subscribe to ${creator.id}: ${subscribed.body?.message}`);
		return;
	}

	const cancelled = await call('DELETE', path, { cookie: fan.cookie });
	if (cancelled.status === 200) {
		const after = cancelled.body.creator;
		log(`${fan.email} cancelled ${after.nickname} (${subscribers(after.subscriberCount)})`);
	} else {
		log(`${fan.email} could not cancel ${creator.id}: ${cancelled.body?.message}`);
	}
}

/** Starts a sale for an owner whose creator has none running; returns it, or null. */
async function startFlashSale(owners, durationSeconds) {
	const { creators } = (await call('GET', '/api/creators')).body;
	const free = owners.filter(
		(owner) => !creators.find((c) => c.id === owner.creatorId)?.activeFlashSale
	);
	if (free.length === 0) {
		log('every simulated owner already has a flash sale running');
		return null;
	}

	const owner = pick(free);
	const discountPercent = pick([10, 20, 25, 40]);
	const response = await call('POST', `/api/creators/${owner.creatorId}/flash-sales`, {
		cookie: owner.cookie,
		body: { discountPercent, durationSeconds }
	});

	if (response.status !== 201) {
		log(`${owner.creatorId} did not start a flash sale: ${response.body?.message}`);
		return null;
	}
	log(`${owner.creatorId} started a ${discountPercent}% flash sale for ${durationSeconds} s`);
	return response.body.flashSale;
}

/** Reports a sale the server has ended on its own; returns whether it has. */
async function reportEnded(sale) {
	const { creator } = (await call('GET', `/api/creators/${sale.creatorId}`)).body;
	if (creator.activeFlashSale?.id === sale.id) return false;

	log(`${sale.creatorId}'s ${sale.discountPercent}% flash sale ended`);
	return true;
}

async function main() {
	try {
		await fetch(`${baseUrl}/api/creators`);
	} catch {
		console.error(
			`CreatorData is not answering at ${baseUrl}. Start it with \`npm run dev\` or ` +
				'`npm run build && npm start`, or point BASE_URL at it.'
		);
		process.exit(1);
	}

	const { creators } = (await call('GET', '/api/creators')).body;
	const fans = await Promise.all(FANS.map(signIn));
	const owners = await Promise.all(OWNERS.map(signIn));
	log(`simulating ${durationSeconds} s against ${baseUrl} (${creators.length} creators)`);

	const endsAt = Date.now() + durationSeconds * 1000;
	const saleSeconds = Math.max(2, Math.min(15, Math.floor(durationSeconds / 3)));
	const saleEverySteps = Math.ceil((saleSeconds * 2 * 1000) / ACTION_INTERVAL_MS);
	let step = 0;
	let sale = null;

	while (Date.now() < endsAt) {
		try {
			if (sale && Date.now() >= Date.parse(sale.endsAt) && (await reportEnded(sale))) sale = null;
			else if (!sale && step % saleEverySteps === 0)
				sale = await startFlashSale(owners, saleSeconds);
			else await toggleSubscription(pick(fans), creators);
		} catch (error) {
			log(`request failed: ${error.message}`);
		}
		step += 1;
		await sleep(Math.min(ACTION_INTERVAL_MS, Math.max(0, endsAt - Date.now())));
	}

	log('done');
}

main().catch((error) => {
	console.error(`simulate failed: ${error.message}`);
	process.exit(1);
});
