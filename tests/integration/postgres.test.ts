/**
 * The built server on PostgreSQL (DATABASE_URL) instead of SQLite: the same API, the same
 * refusals, and an event log delivered in id order while writes run concurrently.
 *
 * It creates a database of its own and drops it afterwards, through POSTGRES_TEST_URL (any
 * database on a server where that user may CREATE DATABASE; by default the local server as
 * `postgres`). Without a reachable server the suite is skipped with the reason printed, or
 * fails when REQUIRE_POSTGRES=1, so CI that promises PostgreSQL cannot skip it silently.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventFrame } from '../../src/lib/shared/protocol';
import { createAppServer, type AppServer } from '../support/app-server';
import { ACCOUNTS, api, isEvent, signIn, SocketClient, type TestServer } from './helpers';

const ADMIN_URL = process.env.POSTGRES_TEST_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const REQUIRED = process.env.REQUIRE_POSTGRES === '1';
/** The advisory lock every write of the server holds until it commits (db/index.ts). */
const WRITE_LOCK_KEY = 0x43524454;

/** Why PostgreSQL cannot be used, or null when it can. */
async function unreachableReason(): Promise<string | null> {
	const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
	try {
		await client.connect();
		await client.query('select 1');
		return null;
	} catch (error) {
		return error instanceof Error ? error.message || error.name : String(error);
	} finally {
		await client.end().catch(() => undefined);
	}
}

const unreachable = await unreachableReason();
const shownUrl = ADMIN_URL.replace(/:[^:@/]*@/, ':***@');
if (unreachable !== null) {
	console.warn(
		[
			'',
			'!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
			`!!! PostgreSQL tests ${REQUIRED ? 'FAIL' : 'SKIPPED'}: cannot reach ${shownUrl}`,
			`!!! (${unreachable})`,
			'!!! Set POSTGRES_TEST_URL to a user that may CREATE DATABASE; REQUIRE_POSTGRES=1',
			'!!! makes an unreachable server a failure instead of a skip.',
			'!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
			''
		].join('\n')
	);
}

describe.runIf(unreachable !== null && REQUIRED)('PostgreSQL (REQUIRE_POSTGRES=1)', () => {
	it('is reachable', () => {
		throw new Error(`PostgreSQL at ${shownUrl} is not reachable: ${unreachable}`);
	});
});

type CreatorBody = {
	creator: {
		version: number;
		nickname: string;
		bio: string;
		subscriberCount: number;
		earningsCents?: number;
		activeFlashSale: { id: number } | null;
	};
	eventId: number;
};

describe.skipIf(unreachable !== null)('the server on PostgreSQL', () => {
	const databaseName = `creatordata_test_${process.pid}_${Date.now()}`;
	const admin = new pg.Client({ connectionString: ADMIN_URL });
	let databaseUrl: string;
	let direct: pg.Client;
	let app: AppServer;
	let server: TestServer;
	let alpha: string;
	let bravo: string;

	beforeAll(async () => {
		await admin.connect();
		await admin.query(`create database "${databaseName}"`);
		const url = new URL(ADMIN_URL);
		url.pathname = `/${databaseName}`;
		databaseUrl = url.toString();

		app = await createAppServer({ databaseUrl });
		await app.start();
		server = {
			baseUrl: app.url,
			wsUrl: app.wsUrl,
			databasePath: app.databasePath,
			output: () => app.output(),
			stop: () => app.dispose()
		};
		direct = new pg.Client({ connectionString: databaseUrl });
		await direct.connect();
		[alpha, bravo] = await Promise.all([
			signIn(server, ACCOUNTS.alpha),
			signIn(server, ACCOUNTS.bravo)
		]);
	});

	afterAll(async () => {
		await direct?.end().catch(() => undefined);
		await app?.dispose();
		await admin.query(`drop database if exists "${databaseName}" with (force)`);
		await admin.end();
	});

	async function current(id = 'c1', cookie = alpha): Promise<CreatorBody> {
		return (await api(server, 'GET', `/api/creators/${id}`, { cookie })).body as CreatorBody;
	}

	function patch(body: Record<string, unknown>, headers: Record<string, string> = {}) {
		return fetch(`${server.baseUrl}/api/creators/c1`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/json', cookie: alpha, ...headers },
			body: JSON.stringify(body)
		});
	}

	it('keeps its data in PostgreSQL and serves the seeded creators', async () => {
		const { rows } = await direct.query<{ users: string }>('select count(*) as users from users');
		const { body } = await api(server, 'GET', '/api/creators');
		const creators = (body as { creators: Array<{ id: string; activeFlashSale: unknown }> })
			.creators;

		expect(Number(rows[0].users)).toBe(7);
		expect(creators.map((creator) => creator.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
		expect(creators.find((creator) => creator.id === 'c2')?.activeFlashSale).not.toBeNull();
	});

	it('answers ids and edit ids PostgreSQL cannot store (a NUL byte) with 404 and 422, not 500', async () => {
		for (const path of [
			'/api/creators/c%00',
			'/api/creators/%00/events?after=1',
			'/api/creators/c%00/subscriptions'
		]) {
			const response = await fetch(`${server.baseUrl}${path}`, { headers: { cookie: alpha } });
			expect({ path, status: response.status }).toEqual({ path, status: 404 });
		}
		const edit = await patch({ nickname: 'q', editId: 'a\u0000b' }, { 'if-match': '*' });
		expect(edit.status).toBe(422);
	});

	it('signs in and knows who is signed in', async () => {
		const { body } = await api(server, 'GET', '/api/session', { cookie: alpha });

		expect(body).toMatchObject({ user: { email: ACCOUNTS.alpha.email, creatorId: 'c1' } });
	});

	it('accepts an edit on the current version and announces it over the socket', async () => {
		const watcher = await SocketClient.open(server);
		await watcher.subscribe('c1');
		const before = await current();

		const response = await patch({ nickname: 'Alpha PG', baseVersion: before.creator.version });
		const body = (await response.json()) as CreatorBody;
		const event = await watcher.next(isEvent('creator_updated', 'c1'));

		expect(response.status).toBe(200);
		expect(body.creator).toMatchObject({
			nickname: 'Alpha PG',
			version: before.creator.version + 1
		});
		expect(event.id).toBe(body.eventId);
		expect(event.data.creator.nickname).toBe('Alpha PG');
		watcher.close();
	});

	it('refuses a stale version with 409 and the current copy, and changes nothing', async () => {
		const before = await current();

		const response = await patch({ bio: 'stale', baseVersion: before.creator.version - 1 });
		const body = (await response.json()) as CreatorBody;

		expect(response.status).toBe(409);
		expect(body.creator).toEqual(before.creator);
		expect((await current()).creator).toEqual(before.creator);
	});

	it('performs a keyed edit once when the same key is sent twice', async () => {
		const before = await current();
		const key = `pg-edit-${Date.now()}`;
		const send = () =>
			patch({ bio: 'keyed on PostgreSQL' }, { 'idempotency-key': key, 'if-match': '*' });

		const answers = await Promise.all([send(), send()]);
		const bodies = await Promise.all(answers.map((answer) => answer.json()));
		const { rows } = await direct.query(
			`select id from events where creator_id = 'c1' and type = 'creator_updated' and id > $1`,
			[before.eventId]
		);

		expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
		expect(bodies[1]).toEqual(bodies[0]);
		expect((await current()).creator.version).toBe(before.creator.version + 1);
		expect(rows).toHaveLength(1);
	});

	it('tells the owner of a new subscription and the new earnings, and the public only the count', async () => {
		const fan3 = await signIn(server, ACCOUNTS.fan3);
		const owner = await SocketClient.open(server, alpha);
		const guest = await SocketClient.open(server);
		await owner.subscribe('c1');
		await guest.subscribe('c1');
		const before = await current();

		const response = await fetch(`${server.baseUrl}/api/creators/c1/subscriptions`, {
			method: 'POST',
			headers: { cookie: fan3 }
		});
		const { subscription } = (await response.json()) as { subscription: { priceCents: number } };
		const subscribed = await owner.next(isEvent('new_subscription', 'c1'));
		const earned = await owner.next(isEvent('earnings_updated', 'c1'));
		await guest.next(isEvent('new_subscription', 'c1'));
		await guest.settle();

		expect(response.status).toBe(201);
		expect(subscribed.data.subscriberCount).toBe(before.creator.subscriberCount + 1);
		expect(earned.data.earningsCents).toBe(
			(before.creator.earningsCents ?? 0) + subscription.priceCents
		);
		expect(earned.id).toBeGreaterThan(subscribed.id);
		expect(guest.eventsFor('c1')).not.toContain('earnings_updated');
		owner.close();
		guest.close();
	});

	it('starts a flash sale, refuses a second, and ends it once', async () => {
		const watcher = await SocketClient.open(server);
		await watcher.subscribe('c1');
		const start = () =>
			api(server, 'POST', '/api/creators/c1/flash-sales', {
				cookie: alpha,
				body: { discountPercent: 30, durationSeconds: 600 }
			});

		const created = await start();
		const { flashSale } = created.body as { flashSale: { id: number } };
		const second = await start();
		const ended = await api(server, 'DELETE', `/api/creators/c1/flash-sales/${flashSale.id}`, {
			cookie: alpha
		});
		const again = await api(server, 'DELETE', `/api/creators/c1/flash-sales/${flashSale.id}`, {
			cookie: alpha
		});

		expect(created.status).toBe(201);
		expect((await watcher.next(isEvent('flash_sale_created', 'c1'))).data.flashSale.id).toBe(
			flashSale.id
		);
		expect(second.status).toBe(409);
		expect(ended.status).toBe(200);
		expect((ended.body as CreatorBody).creator.activeFlashSale).toBeNull();
		expect((await watcher.next(isEvent('flash_sale_ended', 'c1'))).data.flashSaleId).toBe(
			flashSale.id
		);
		expect(again.status).toBe(409);
		watcher.close();
	});

	it('accepts exactly one of two writes based on the same version, for 100 pairs', async () => {
		let accepted = 0;
		for (let pair = 0; pair < 100; pair += 1) {
			const { version } = (await current()).creator;
			const answers = await Promise.all([
				patch({ bio: `a${pair}`, baseVersion: version }),
				patch({ bio: `b${pair}`, baseVersion: version })
			]);
			const statuses = answers.map((answer) => answer.status).sort();

			expect(statuses).toEqual([200, 409]);
			expect((await current()).creator.version).toBe(version + 1);
			accepted += 1;
		}

		console.log(
			`PostgreSQL stale pairs: 100 pairs on one version each → ${accepted} accepted once`
		);
		expect(accepted).toBe(100);
	}, 120_000);

	it('accepts exactly one of 20 writes racing on one version', async () => {
		const { version } = (await current()).creator;

		const answers = await Promise.all(
			Array.from({ length: 20 }, (_, n) => patch({ bio: `race ${n}`, baseVersion: version }))
		);
		const statuses = answers.map((answer) => answer.status);

		expect(statuses.filter((status) => status === 200)).toHaveLength(1);
		expect(statuses.filter((status) => status === 409)).toHaveLength(19);
		expect((await current()).creator.version).toBe(version + 1);
	});

	it('delivers every event in strictly increasing id order while writes run concurrently', async () => {
		// The owner of c2, so the private earnings events reach this socket too.
		const watcher = await SocketClient.open(server, bravo);
		await watcher.subscribe('c1');
		await watcher.subscribe('c2');
		const startId = (await current()).eventId;
		const fans = await Promise.all([signIn(server, ACCOUNTS.fan1), signIn(server, ACCOUNTS.fan2)]);
		const edit = (id: string, cookie: string, n: number) =>
			fetch(`${server.baseUrl}/api/creators/${id}`, {
				method: 'PATCH',
				headers: { 'content-type': 'application/json', cookie, 'if-match': '*' },
				body: JSON.stringify({ bio: `concurrent ${n}` })
			});
		const follow = (cookie: string, method: 'POST' | 'DELETE') =>
			fetch(`${server.baseUrl}/api/creators/c2/subscriptions`, { method, headers: { cookie } });

		const edits: Array<Promise<Response>> = [];
		const follows: Array<Promise<Response>> = [];
		for (let n = 0; n < 60; n += 1) {
			edits.push(edit('c1', alpha, n), edit('c2', bravo, n));
			if (n % 10 === 0) follows.push(follow(fans[n % 20 === 0 ? 0 : 1], 'POST'));
			if (n % 10 === 5) follows.push(follow(fans[0], 'DELETE'));
		}
		const answers = await Promise.all(edits);
		for (const answer of [...answers, ...(await Promise.all(follows))]) await answer.arrayBuffer();
		const { rows } = await direct.query<{ id: number }>(
			`select id from events where id > $1 and creator_id in ('c1', 'c2') order by id`,
			[startId]
		);
		const logged = rows.map((row) => Number(row.id));
		const delivered = async () => {
			await watcher.settle();
			return watcher.frames
				.filter((frame): frame is EventFrame => frame.type === 'event')
				.map((frame) => frame.id)
				.filter((id) => id > startId);
		};
		await expect.poll(async () => (await delivered()).length).toBe(logged.length);
		const ids = await delivered();

		expect(answers.filter((answer) => answer.status === 200)).toHaveLength(120);
		expect(ids).toEqual(logged);
		expect(ids.every((id, index) => index === 0 || id > ids[index - 1])).toBe(true);
		watcher.close();
	});

	it('holds a write back while an earlier writer has drawn an event id and not committed it', async () => {
		const watcher = await SocketClient.open(server, alpha);
		await watcher.subscribe('c1');
		// A writer that follows the server's protocol: the lock first, then its event, held open.
		const slow = new pg.Client({ connectionString: databaseUrl });
		await slow.connect();
		await slow.query('begin');
		await slow.query('select pg_advisory_xact_lock($1)', [WRITE_LOCK_KEY]);
		const { rows } = await slow.query<{ id: number }>(
			`insert into events (creator_id, type, data, created_at)
			values ('c1', 'flash_sale_ended', '{"flashSaleId":0}', $1) returning id`,
			[new Date().toISOString()]
		);
		const heldId = Number(rows[0].id);

		let answered = false;
		const pending = patch({ bio: 'after the slow writer' }, { 'if-match': '*' }).then(
			(response) => {
				answered = true;
				return response;
			}
		);
		await new Promise((wait) => setTimeout(wait, 300));
		const waited = !answered;
		await slow.query('commit');
		await slow.end();
		const body = (await (await pending).json()) as CreatorBody;
		const anyEvent = (frame: { type: string }) => frame.type === 'event';
		const delivered = [await watcher.next(anyEvent), await watcher.next(anyEvent)];

		expect(waited).toBe(true);
		expect(body.eventId).toBeGreaterThan(heldId);
		expect(delivered.map((frame) => (frame as EventFrame).id)).toEqual([heldId, body.eventId]);
		watcher.close();
	});
});
