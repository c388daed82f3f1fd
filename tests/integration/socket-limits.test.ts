/**
 * What one socket can make the server send. A resume the log cannot serve still gets an
 * answer, once per creator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	ACCOUNTS,
	addEvents,
	api,
	eventLog,
	signIn,
	SocketClient,
	startServer,
	type TestServer
} from './helpers';

const eventIds = (frames: SocketClient['frames']) =>
	frames.flatMap((frame) => (frame.type === 'event' ? [frame.id] : []));

describe('a resume the log cannot serve', () => {
	let server: TestServer;
	let head: number;
	let prunedThrough: number;

	beforeAll(async () => {
		// The log keeps 600 events and holds 701 of c1's once a write flushes it.
		server = await startServer({ EVENT_LOG_RETENTION: '600' });
		const alpha = await signIn(server, ACCOUNTS.alpha);
		addEvents(server, 'c1', 700);
		await api(server, 'PATCH', '/api/creators/c1', { cookie: alpha, body: { bio: 'flush' } });
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
