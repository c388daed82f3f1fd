/**
 * Versioned and keyed writes against the built server: a stale write changes nothing, of two
 * writes on one version exactly one wins, and a keyed write repeated is performed once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	ACCOUNTS,
	api,
	isEvent,
	signIn,
	SocketClient,
	startServer,
	type TestServer
} from './helpers';

type CreatorBody = {
	creator: { version: number; nickname: string; bio: string };
	eventId?: number;
};

let server: TestServer;
let alpha: string;
let fan3: string;

beforeAll(async () => {
	server = await startServer();
	[alpha, fan3] = await Promise.all([
		signIn(server, ACCOUNTS.alpha),
		signIn(server, ACCOUNTS.fan3)
	]);
});

afterAll(() => server?.stop());

async function current(): Promise<CreatorBody['creator']> {
	const { body } = await api(server, 'GET', '/api/creators/c1', { cookie: alpha });
	return (body as CreatorBody).creator;
}

function patch(body: Record<string, unknown>, headers: Record<string, string> = {}) {
	return fetch(`${server.baseUrl}/api/creators/c1`, {
		method: 'PATCH',
		headers: { 'content-type': 'application/json', cookie: alpha, ...headers },
		body: JSON.stringify(body)
	});
}

describe('versioned writes', () => {
	it('answers a read with its version as ETag and the log position it reflects', async () => {
		const response = await api(server, 'GET', '/api/creators/c1', { cookie: alpha });
		const body = response.body as CreatorBody;

		expect(response.headers.get('etag')).toBe(`"${body.creator.version}"`);
		expect(body.eventId).toEqual(expect.any(Number));
	});

	it('refuses a stale If-Match with 409 and the current copy, and changes nothing', async () => {
		const before = await current();

		const response = await patch({ bio: 'stale' }, { 'if-match': `"${before.version - 1}"` });
		const body = (await response.json()) as CreatorBody & { message: string };

		expect(response.status).toBe(409);
		expect(body.creator).toEqual(before);
		expect(body.message).toMatch(/changed since version/);
		expect(await current()).toEqual(before);
	});

	it('refuses an edit that names no version with 428, changes nothing, and takes If-Match: * as a deliberate overwrite', async () => {
		const before = await current();

		const unversioned = await patch({ bio: 'blind' });
		const body = (await unversioned.json()) as { message: string };
		expect(unversioned.status).toBe(428);
		expect(body.message).toMatch(/which version/);
		expect(await current()).toEqual(before);

		const overwrite = await patch({ bio: 'on purpose' }, { 'if-match': '*' });
		expect(overwrite.status).toBe(200);
		expect(await current()).toMatchObject({ bio: 'on purpose', version: before.version + 1 });
	});

	it('refuses an If-Match that names no version a creator can have with 400', async () => {
		const before = await current();

		for (const ifMatch of [`"1${'0'.repeat(23)}"`, '"7", "8"', '"-1"', 'seven']) {
			const response = await patch({ bio: 'odd precondition' }, { 'if-match': ifMatch });
			const { message } = (await response.json()) as { message: string };
			expect({ ifMatch, status: response.status, message }).toEqual({
				ifMatch,
				status: 400,
				message: 'If-Match must name one version, e.g. "7".'
			});
		}
		expect(await current()).toEqual(before);
	});

	it('accepts exactly one of two writes based on the same version, for 500 pairs', async () => {
		let accepted = 0;
		let refused = 0;
		let doubles = 0;
		for (let pair = 0; pair < 500; pair += 1) {
			const { version } = await current();
			const answers = await Promise.all([
				patch({ bio: `a${pair}`, baseVersion: version }),
				patch({ bio: `b${pair}`, baseVersion: version })
			]);
			const statuses = answers.map((answer) => answer.status).sort();
			if (statuses[0] === 200 && statuses[1] === 409) accepted += 1;
			else if (statuses.every((status) => status === 200)) doubles += 1;
			refused += statuses.filter((status) => status === 409).length;
			expect(statuses).toEqual([200, 409]);
			expect((await current()).version).toBe(version + 1);
		}

		console.log(
			`stale pairs: 500 pairs on one version each → ${accepted} accepted once, ${refused} refused, ${doubles} accepted twice`
		);
		expect(accepted).toBe(500);
		expect(doubles).toBe(0);
	}, 120_000);

	it('performs a keyed edit once and answers a repeat with the first answer', async () => {
		const watcher = await SocketClient.open(server, alpha);
		await watcher.subscribe('c1');
		const before = await current();
		const key = `edit-${Date.now()}`;

		const edit = { nickname: 'Keyed', editId: key, baseVersion: before.version };
		const first = await patch(edit, { 'idempotency-key': key });
		const again = await patch(edit, { 'idempotency-key': key });
		const firstBody = await first.json();

		expect(first.status).toBe(200);
		expect(again.status).toBe(200);
		expect(await again.json()).toEqual(firstBody);
		expect(firstBody).toMatchObject({ editId: key, creator: { version: before.version + 1 } });
		expect((await current()).version).toBe(before.version + 1);

		await watcher.settle();
		const events = watcher.frames.filter(isEvent('creator_updated', 'c1'));
		expect(events.map((event) => event.data.editId)).toEqual([key]);
		expect(events[0].id).toBe(firstBody.eventId);
		watcher.close();
	});

	it('subscribes once for a repeated keyed subscribe: one subscription, one charge, one event', async () => {
		const watcher = await SocketClient.open(server, alpha);
		await watcher.subscribe('c1');
		const before = (await api(server, 'GET', '/api/creators/c1', { cookie: alpha })).body as {
			creator: { subscriberCount: number; earningsCents: number };
		};
		const send = () =>
			fetch(`${server.baseUrl}/api/creators/c1/subscriptions`, {
				method: 'POST',
				headers: { cookie: fan3, 'idempotency-key': 'subscribe-once' }
			});

		const answers = await Promise.all([send(), send(), send()]);
		const bodies = await Promise.all(answers.map((answer) => answer.json()));

		expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
		expect(new Set(bodies.map((body) => body.subscription.id)).size).toBe(1);
		const after = (await api(server, 'GET', '/api/creators/c1', { cookie: alpha })).body as {
			creator: { subscriberCount: number; earningsCents: number };
		};
		expect(after.creator.subscriberCount).toBe(before.creator.subscriberCount + 1);
		expect(after.creator.earningsCents).toBe(
			before.creator.earningsCents + bodies[0].subscription.priceCents
		);
		expect(Number.isInteger(bodies[0].subscription.priceCents)).toBe(true);

		await watcher.settle();
		expect(watcher.eventsFor('c1')).toEqual(['new_subscription', 'earnings_updated']);
		watcher.close();
	});

	it('starts one flash sale for a repeated keyed request', async () => {
		const send = () =>
			fetch(`${server.baseUrl}/api/creators/c1/flash-sales`, {
				method: 'POST',
				headers: {
					cookie: alpha,
					'content-type': 'application/json',
					'idempotency-key': 'one-sale'
				},
				body: JSON.stringify({ discountPercent: 20, durationSeconds: 60 })
			});

		const first = await send();
		const again = await send();

		expect(first.status).toBe(201);
		expect(again.status).toBe(201);
		expect((await again.json()).flashSale).toEqual((await first.json()).flashSale);
	});

	it('refuses a key reused for a different request', async () => {
		const response = await fetch(`${server.baseUrl}/api/creators/c1/subscriptions`, {
			method: 'POST',
			headers: { cookie: alpha, 'idempotency-key': 'one-sale' }
		});

		expect(response.status).toBe(422);
	});
});

describe('idempotency keys over time', () => {
	let shortLived: TestServer;

	beforeAll(async () => {
		shortLived = await startServer({ IDEMPOTENCY_KEY_TTL_SECONDS: '1' });
	});

	afterAll(() => shortLived?.stop());

	it('forgets a key after its lifetime, so the table stays small and the key is a new write', async () => {
		const cookie = await signIn(shortLived, ACCOUNTS.alpha);
		const keyed = () =>
			api(shortLived, 'PATCH', '/api/creators/c1', {
				cookie,
				ifMatch: '*',
				body: { bio: 'kept a second', editId: 'edit-ttl' }
			});

		const first = await keyed();
		const repeat = await keyed();
		await new Promise((elapse) => setTimeout(elapse, 1_200));
		const later = await keyed();

		expect([first.status, repeat.status, later.status]).toEqual([200, 200, 200]);
		const version = (answer: typeof first) =>
			(answer.body as { creator: { version: number } }).creator.version;
		expect(version(repeat)).toBe(version(first));
		expect(version(later)).toBe(version(first) + 1);
	});
});
