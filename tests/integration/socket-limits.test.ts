/**
 * What one socket can make the server send, and what a full server tells a new one. A replay
 * reads whole events from the log, so repeating replaying subscribes and resumes must not
 * multiply it; a resume the log cannot serve still gets an answer; and past the server's
 * socket cap a browser, which cannot read a refused upgrade's status, learns when to return.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../src/lib/shared/protocol';
import {
	ACCOUNTS,
	addEvents,
	api,
	eventLog,
	isEvent,
	signIn,
	SocketClient,
	startServer,
	type TestServer
} from './helpers';

const ofType = <T extends ServerFrame['type']>(frames: ServerFrame[], type: T) =>
	frames.filter((frame): frame is Extract<ServerFrame, { type: T }> => frame.type === type);

const eventIds = (frames: ServerFrame[]) =>
	frames.flatMap((frame) => (frame.type === 'event' ? [frame.id] : []));

describe('replays to one socket', () => {
	let server: TestServer;
	let before: number;
	let head: number;
	let c1: number[];
	let c2: number[];

	beforeAll(async () => {
		// The frame burst is raised so every frame is handled and the counts below are exact;
		// the replay budget (50 events) refills so slowly that no test sees a refill.
		server = await startServer({ WS_FRAME_BURST: '5000', WS_REPLAY_BUDGET: '50/86400' });
		before = eventLog(server).head;
		c1 = addEvents(server, 'c1', 30);
		c2 = addEvents(server, 'c2', 10);
		head = c2.at(-1)!;
	});

	afterAll(() => server?.stop());

	it('answers 300 replaying subscribes and 300 resumes with one replay, one resync and 300 subscribed', async () => {
		const client = await SocketClient.open(server);

		for (let index = 0; index < 300; index += 1) {
			client.send({ type: 'subscribe', creatorId: 'c1', afterEventId: before });
			client.send({ type: 'resume', lastEventId: before });
		}
		await client.settle();

		// The first subscribe replays c1's 30 events (20 of the budget left); the first resume
		// would need those 30 again, so c1 is told to resync, once. Every later subscribe is
		// answered as already subscribed, and every later resume has nothing left to replay.
		expect(eventIds(client.frames)).toEqual(c1);
		expect(ofType(client.frames, 'resync')).toEqual([
			{ type: 'resync', creatorId: 'c1', lastEventId: head }
		]);
		const subscribed = ofType(client.frames, 'subscribed');
		expect(subscribed[0]).toEqual({ type: 'subscribed', creatorId: 'c1', lastEventId: head });
		expect(subscribed.slice(1)).toEqual(
			Array.from({ length: 299 }, () => ({ type: 'subscribed', creatorId: 'c1' }))
		);
		expect(client.frames).toHaveLength(1 + 30 + 1 + 299);
		client.close();
	});

	it('tells a socket that has spent its replay budget to resync instead of replaying again', async () => {
		const client = await SocketClient.open(server);

		client.send({ type: 'subscribe', creatorId: 'c1', afterEventId: before });
		client.send({ type: 'subscribe', creatorId: 'c2', afterEventId: before });
		for (let index = 0; index < 100; index += 1) {
			client.send({ type: 'unsubscribe', creatorId: 'c1' });
			client.send({ type: 'subscribe', creatorId: 'c1', afterEventId: before });
		}
		for (let index = 0; index < 2; index += 1) {
			client.send({ type: 'unsubscribe', creatorId: 'c2' });
			client.send({ type: 'subscribe', creatorId: 'c2', afterEventId: before });
		}
		await client.settle();

		// 50 events of budget: c1's 30 and c2's 10 are replayed, leaving 10. Each resubscribe
		// to c1 would need 30 and is told to resync; c2's 10 still fit once, then not again.
		expect(eventIds(client.frames)).toEqual([...c1, ...c2, ...c2]);
		expect(ofType(client.frames, 'resync').map((frame) => frame.creatorId)).toEqual([
			...Array.from({ length: 100 }, () => 'c1'),
			'c2'
		]);
		expect(ofType(client.frames, 'subscribed')).toHaveLength(2 + 100 + 2);
		expect(ofType(client.frames, 'unsubscribed')).toHaveLength(100 + 2);
		expect(client.frames).toHaveLength(50 + 101 + 104 + 102);
		client.close();
	});
});

describe('a reconnect’s replay', () => {
	let server: TestServer;
	let alpha: string;

	beforeAll(async () => {
		server = await startServer();
		alpha = await signIn(server, ACCOUNTS.alpha);
	});

	afterAll(() => server?.stop());

	it('arrives whole, once and in order, and a repeated subscribe replays nothing more', async () => {
		const first = await SocketClient.open(server);
		await first.subscribe('c1');
		await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'seen' }
		});
		const seen = await first.next(isEvent('creator_updated', 'c1'));
		first.close();
		for (let index = 1; index <= 100; index += 1) {
			await api(server, 'PATCH', '/api/creators/c1', {
				ifMatch: '*',
				cookie: alpha,
				body: { bio: `missed ${index}` }
			});
		}
		const missed = Array.from({ length: 100 }, (_, index) => seen.id + 1 + index);

		const client = await SocketClient.open(server);
		client.send({ type: 'subscribe', creatorId: 'c1', afterEventId: seen.id });
		client.send({ type: 'subscribe', creatorId: 'c1', afterEventId: seen.id });
		await client.settle();
		const replayed = eventIds(client.frames);
		const subscribed = ofType(client.frames, 'subscribed');
		client.frames.length = 0;
		await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'live' }
		});
		const live = await client.next(isEvent('creator_updated', 'c1'));
		await client.settle();

		expect(replayed).toEqual(missed);
		expect(subscribed).toEqual([
			{ type: 'subscribed', creatorId: 'c1', lastEventId: seen.id + 100 },
			{ type: 'subscribed', creatorId: 'c1' }
		]);
		expect(live.id).toBe(seen.id + 101);
		expect(client.frames).toEqual([]);
		client.close();
	});
});

describe('a resume the log cannot serve', () => {
	let server: TestServer;
	let head: number;
	let prunedThrough: number;

	beforeAll(async () => {
		// The log keeps 600 events and holds 701 of c1's once a write flushes it.
		server = await startServer({ EVENT_LOG_RETENTION: '600' });
		const alpha = await signIn(server, ACCOUNTS.alpha);
		addEvents(server, 'c1', 700);
		await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'flush' }
		});
		const deadline = Date.now() + 5000;
		while (eventLog(server).prunedThrough === 0 && Date.now() < deadline) {
			await new Promise((wait) => setTimeout(wait, 20));
		}
		({ head, prunedThrough } = eventLog(server));
		expect(prunedThrough).toBe(head - 600);
	});

	afterAll(() => server?.stop());

	async function following(...creatorIds: string[]): Promise<SocketClient> {
		const client = await SocketClient.open(server);
		for (const creatorId of creatorIds) await client.subscribe(creatorId);
		return client;
	}

	it('tells each followed creator to resync when the resume is ahead of the log', async () => {
		const client = await following('c1', 'c2');

		client.send({ type: 'resume', lastEventId: head + 100 });
		await client.settle();

		expect(client.frames).toEqual([
			{ type: 'resync', creatorId: 'c1', lastEventId: head },
			{ type: 'resync', creatorId: 'c2', lastEventId: head }
		]);
		client.close();
	});

	it('tells each followed creator to resync when the log has pruned what the resume asks for', async () => {
		const client = await following('c1');

		client.send({ type: 'resume', lastEventId: prunedThrough - 1 });
		await client.settle();

		expect(client.frames).toEqual([{ type: 'resync', creatorId: 'c1', lastEventId: head }]);
		client.close();
	});

	it('tells each followed creator to resync when the resume is more than 500 events behind', async () => {
		const tooFar = await following('c1');
		const atTheLimit = await following('c1');

		tooFar.send({ type: 'resume', lastEventId: head - 501 });
		atTheLimit.send({ type: 'resume', lastEventId: head - 500 });
		await Promise.all([tooFar.settle(), atTheLimit.settle()]);

		expect(tooFar.frames).toEqual([{ type: 'resync', creatorId: 'c1', lastEventId: head }]);
		expect(eventIds(atTheLimit.frames)).toEqual(
			Array.from({ length: 500 }, (_, index) => head - 499 + index)
		);
		tooFar.close();
		atTheLimit.close();
	});

	it('answers cannot_resume when no followed creator is left to tell', async () => {
		const none = await following();
		const told = await following('c1');

		none.send({ type: 'resume', lastEventId: head + 100 });
		none.send({ type: 'resume', lastEventId: prunedThrough - 1 });
		told.send({ type: 'resume', lastEventId: head + 100 });
		told.send({ type: 'resume', lastEventId: head + 100 });
		await Promise.all([none.settle(), told.settle()]);

		expect(none.frames.map((frame) => frame.type === 'error' && frame.code)).toEqual([
			'cannot_resume',
			'cannot_resume'
		]);
		expect(none.frames[0]).toMatchObject({ message: expect.stringContaining('ahead') });
		expect(none.frames[1]).toMatchObject({ message: expect.stringContaining('older') });
		expect(told.frames).toEqual([
			{ type: 'resync', creatorId: 'c1', lastEventId: head },
			expect.objectContaining({ type: 'error', code: 'cannot_resume' })
		]);
		none.close();
		told.close();
	});
});

describe('the server’s socket cap', () => {
	let server: TestServer;

	beforeAll(async () => {
		server = await startServer({ WS_MAX_SOCKETS: '2' });
	});

	afterAll(() => server?.stop());

	async function openSockets(): Promise<number> {
		const stats = await api(server, 'GET', '/api/test/stats');
		return (stats.body as { sockets: number }).sockets;
	}

	it('turns a socket past the cap away with retryAfter and 1013, and lets one in once a socket closes', async () => {
		const first = await SocketClient.open(server);
		const second = await SocketClient.open(server);

		const turnedAway = await SocketClient.open(server);
		const wait = await turnedAway.next(
			(frame): frame is Extract<ServerFrame, { type: 'retryAfter' }> => frame.type === 'retryAfter'
		);
		expect(await turnedAway.closed()).toBe(1013);
		expect(turnedAway.frames).toEqual([]);
		expect(wait.ms).toBeGreaterThanOrEqual(5000);
		expect(wait.ms).toBeLessThan(10_000);
		expect(await openSockets()).toBe(2);

		first.close();
		await first.closed();
		const deadline = Date.now() + 3000;
		while ((await openSockets()) > 1 && Date.now() < deadline) {
			await new Promise((pause) => setTimeout(pause, 20));
		}
		const third = await SocketClient.open(server);
		await third.subscribe('c1');
		expect(third.closeCode).toBeNull();
		second.close();
		third.close();
	});
});
