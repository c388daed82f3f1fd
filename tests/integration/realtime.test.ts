import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
	ACCOUNTS,
	api,
	guestCookie,
	isEvent,
	signIn,
	SocketClient,
	startServer,
	type TestServer
} from './helpers';

let server: TestServer;
let alpha: string;
let bravo: string;
let fan1: string;
let fan3: string;

beforeAll(async () => {
	server = await startServer();
	[alpha, bravo, fan1, fan3] = await Promise.all([
		signIn(server, ACCOUNTS.alpha),
		signIn(server, ACCOUNTS.bravo),
		signIn(server, ACCOUNTS.fan1),
		signIn(server, ACCOUNTS.fan3)
	]);
});

afterAll(() => server?.stop());

/** The status an upgrade is answered with, or 'destroyed' when the server drops it. */
function upgradeStatus(path: string, headers: Record<string, string> = {}) {
	return new Promise<number | 'destroyed'>((done) => {
		const req = request(`${server.baseUrl}${path}`, {
			headers: {
				connection: 'Upgrade',
				upgrade: 'websocket',
				'sec-websocket-version': '13',
				'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
				...headers
			}
		});
		req.on('response', (response) => done(response.statusCode ?? 0));
		req.on('upgrade', (response, socket) => {
			socket.destroy();
			done(response.statusCode ?? 0);
		});
		req.on('error', () => done('destroyed'));
		req.end();
	});
}

describe('upgrade', () => {
	it('accepts guest and signed-in sockets on /ws, and answers 401 without a session', async () => {
		expect(await upgradeStatus('/ws', { cookie: await guestCookie(server) })).toBe(101);
		expect(await upgradeStatus('/ws', { cookie: fan1 })).toBe(101);
		expect(await upgradeStatus('/ws')).toBe(401);
	});

	it('answers 401 to a cookie that names no session', async () => {
		expect(await upgradeStatus('/ws', { cookie: 'cd_session=forged' })).toBe(401);
	});

	it('refuses a browser page from another origin', async () => {
		expect(await upgradeStatus('/ws', { origin: 'https://elsewhere.example' })).toBe(403);
		expect(await upgradeStatus('/ws', { origin: server.baseUrl, cookie: fan1 })).toBe(101);
	});

	it('drops upgrades on any other path', async () => {
		expect(await upgradeStatus('/not-ws')).toBe('destroyed');
		expect(await upgradeStatus('/wsx')).toBe('destroyed');
	});
});

describe('frames', () => {
	it('confirms subscribe and unsubscribe, and answers ping with pong', async () => {
		const client = await SocketClient.open(server);

		await client.subscribe('c1');
		client.send({ type: 'unsubscribe', creatorId: 'c1' });
		await client.next((frame) => frame.type === 'unsubscribed' && frame.creatorId === 'c1');
		await client.settle();

		client.close();
	});

	it('answers unknown_creator for a creator that does not exist', async () => {
		const client = await SocketClient.open(server);
		client.send({ type: 'subscribe', creatorId: 'c999' });

		const reply = await client.next((frame) => frame.type === 'error');
		expect(reply).toMatchObject({ code: 'unknown_creator' });
		client.close();
	});

	it('answers bad_json and bad_frame and keeps the socket usable', async () => {
		const client = await SocketClient.open(server);

		client.send('{not json');
		expect(await client.next((frame) => frame.type === 'error')).toMatchObject({
			code: 'bad_json'
		});
		client.send({ type: 'dance' });
		expect(await client.next((frame) => frame.type === 'error')).toMatchObject({
			code: 'bad_frame'
		});
		client.send({ type: 'subscribe', creatorId: 42 });
		expect(await client.next((frame) => frame.type === 'error')).toMatchObject({
			code: 'bad_frame'
		});

		await client.subscribe('c1');
		client.close();
	});

	it('closes with 1003 on a binary frame', async () => {
		const client = await SocketClient.open(server);
		client.socket.send(Buffer.from([1, 2, 3]), { binary: true });

		expect(await client.closed()).toBe(1003);
	});
});

describe('events', () => {
	it('reach the subscribers of that creator only', async () => {
		const ofC1 = await SocketClient.open(server);
		const ofC2 = await SocketClient.open(server);
		await ofC1.subscribe('c1');
		await ofC2.subscribe('c2');

		await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'Live from c1', editId: 'edit-1' }
		});
		const update = await ofC1.next(isEvent('creator_updated', 'c1'));
		await api(server, 'PATCH', '/api/creators/c2', {
			ifMatch: '*',
			cookie: bravo,
			body: { bio: 'c2 too' }
		});
		await ofC2.next(isEvent('creator_updated', 'c2'));

		expect(update.data).toMatchObject({
			creator: { id: 'c1', bio: 'Live from c1' },
			editId: 'edit-1'
		});
		expect(update.data.creator).not.toHaveProperty('earningsCents');
		expect(ofC2.eventsFor('c1')).toEqual([]);
		ofC1.close();
		ofC2.close();
	});

	it('send earnings only to the owner’s sockets, and counts to everyone', async () => {
		const owner = await SocketClient.open(server, alpha);
		const fan = await SocketClient.open(server, fan1);
		const anonymous = await SocketClient.open(server);
		for (const client of [owner, fan, anonymous]) await client.subscribe('c1');

		const response = await api(server, 'POST', '/api/creators/c1/subscriptions', { cookie: fan3 });
		expect(response.status).toBe(201);

		const earnings = await owner.next(isEvent('earnings_updated', 'c1'));
		await owner.next(isEvent('new_subscription', 'c1'));
		const subscribed = await fan.next(isEvent('new_subscription', 'c1'));
		await anonymous.next(isEvent('new_subscription', 'c1'));
		// Both events went out in one turn, so anyone who got the count would have the earnings by now.
		await Promise.all([fan.settle(), anonymous.settle()]);

		expect(earnings.data.earningsCents).toBeGreaterThan(10000);
		expect(fan.eventsFor('c1')).not.toContain('earnings_updated');
		expect(anonymous.eventsFor('c1')).not.toContain('earnings_updated');

		await api(server, 'DELETE', '/api/creators/c1/subscriptions', { cookie: fan3 });
		const cancelled = await fan.next(isEvent('subscription_cancelled', 'c1'));
		expect(cancelled.data.subscriberCount).toBe(subscribed.data.subscriberCount - 1);

		for (const client of [owner, fan, anonymous]) client.close();
	});

	it('announce a flash sale and its automatic end', async () => {
		const client = await SocketClient.open(server);
		await client.subscribe('c1');

		const response = await api(server, 'POST', '/api/creators/c1/flash-sales', {
			cookie: alpha,
			body: { discountPercent: 30, durationSeconds: 1 }
		});
		const created = await client.next(isEvent('flash_sale_created', 'c1'));
		const ended = await client.next(isEvent('flash_sale_ended', 'c1'), 4000);

		expect(response.status).toBe(201);
		expect(created.data.flashSale.discountPercent).toBe(30);
		expect(ended.data.flashSaleId).toBe(created.data.flashSale.id);
		expect(ended.id).toBeGreaterThan(created.id);
		const after = await api(server, 'GET', '/api/creators/c1');
		expect(
			(after.body as { creator: { activeFlashSale: unknown } }).creator.activeFlashSale
		).toBeNull();
		client.close();
	});

	it('replay what a socket missed on resume, oldest first, private ones to the owner only', async () => {
		const first = await SocketClient.open(server);
		await first.subscribe('c1');
		await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'before' }
		});
		const seen = await first.next(isEvent('creator_updated', 'c1'));
		first.close();

		await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'missed' }
		});
		await api(server, 'POST', '/api/creators/c1/subscriptions', { cookie: fan3 });
		await api(server, 'DELETE', '/api/creators/c1/subscriptions', { cookie: fan3 });

		const fan = await SocketClient.open(server, fan1);
		const owner = await SocketClient.open(server, alpha);
		for (const client of [fan, owner]) {
			await client.subscribe('c1');
			client.send({ type: 'resume', lastEventId: seen.id });
			await client.next(isEvent('subscription_cancelled', 'c1'));
		}

		const ids = fan.frames.flatMap((frame) => (frame.type === 'event' ? [frame.id] : []));
		expect(ids).toEqual([...ids].sort((a, b) => a - b));
		expect(fan.eventsFor('c1')).toEqual(['creator_updated', 'new_subscription']);
		expect(owner.eventsFor('c1')).toEqual([
			'creator_updated',
			'new_subscription',
			'earnings_updated'
		]);
		fan.close();
		owner.close();
	});

	it('arrive with strictly increasing ids', async () => {
		const client = await SocketClient.open(server, alpha);
		await client.subscribe('c1');

		await Promise.all(
			['one', 'two', 'three', 'four'].map((bio) =>
				api(server, 'PATCH', '/api/creators/c1', { ifMatch: '*', cookie: alpha, body: { bio } })
			)
		);
		const events = [];
		for (let i = 0; i < 4; i++) events.push(await client.next(isEvent('creator_updated', 'c1')));

		const ids = events.map((event) => event.id);
		ids.slice(1).forEach((id, index) => expect(id).toBeGreaterThan(ids[index] as number));
		expect(events.map((event) => event.data.creator.bio).sort()).toEqual([
			'four',
			'one',
			'three',
			'two'
		]);
		// The last event names what was stored last.
		const stored = await api(server, 'GET', '/api/creators/c1');
		expect((stored.body as { creator: { bio: string } }).creator.bio).toBe(
			events[3]?.data.creator.bio
		);
		client.close();
	});
});

describe('shutdown', () => {
	it('closes every socket with 1001 and exits cleanly', async () => {
		const own = await startServer();
		const client = await SocketClient.open(own);
		const closed = client.closed(5000);

		await own.stop();

		expect(await closed).toBe(1001);
		expect(client.socket.readyState).toBe(WebSocket.CLOSED);
	});
});
