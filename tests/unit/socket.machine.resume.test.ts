/**
 * The socket machine under a real network's habits: repeats and resumes, resync, a silent
 * connection, offline spells, a tab coming into view, a restarting or full server asking to
 * wait, and polling once the socket has given up.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import type { PollInput, PollResult } from '../../machines/adapters/event-poll';
import {
	CONNECT_TIMEOUT_MS,
	heartbeat,
	POLL_INTERVAL_MS,
	POLLS_BEFORE_SOCKET_RETRY,
	socketMachine
} from '../../machines/socket.machine';
import type { EventFrame } from '../../src/lib/shared/protocol';
import { eventFrame } from './support/fixtures';
import {
	installMockSockets,
	MOCK_CONNECT_MS,
	SOCKET_URL,
	startServer,
	startSocket,
	TrackedWebSocket,
	uninstallMockSockets
} from './support/socket-harness';

describe('socketMachine resume and liveness', () => {
	let server: ReturnType<typeof startServer>;

	beforeEach(() => {
		installMockSockets();
		server = startServer();
	});

	afterEach(() => {
		server.stop();
		uninstallMockSockets();
	});

	async function openFollowing(creatorId = 'c1') {
		const harness = startSocket();
		harness.actor.send({ type: 'socket.subscribe', creatorId });
		harness.actor.send({ type: 'socket.connect' });
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

		return harness;
	}

	async function restartServer() {
		server.drop();
		server.stop();
		server = startServer();
		await vi.advanceTimersByTimeAsync(500 + MOCK_CONNECT_MS);
	}

	it('passes an event on once when the same id arrives twice', async () => {
		const { forwarded } = await openFollowing();
		const frame = eventFrame('earnings_updated', { earningsCents: 1 });

		server.push(frame);
		server.push(frame);

		expect(forwarded).toEqual([frame]);
	});

	it('subscribes once per connection however many frames arrive', async () => {
		const { actor } = await openFollowing();

		for (let index = 0; index < 20; index += 1) server.push({ type: 'pong' });

		expect(TrackedWebSocket.created[0].sent).toEqual([{ type: 'subscribe', creatorId: 'c1' }]);
		expect(actor.getSnapshot().context.opens).toBe(1);
	});

	it('asks to resume after the last event of each creator when it reconnects', async () => {
		const { actor } = await openFollowing();
		actor.send({ type: 'socket.subscribe', creatorId: 'c2' });
		server.push({ type: 'subscribed', creatorId: 'c2', lastEventId: 70 });
		server.push({ ...eventFrame('earnings_updated', { earningsCents: 1 }), id: 77 });

		await restartServer();

		expect(TrackedWebSocket.created[1].sent).toEqual([
			{ type: 'subscribe', creatorId: 'c1', afterEventId: 77 },
			{ type: 'subscribe', creatorId: 'c2', afterEventId: 70 }
		]);
	});

	it('replays from the page copy’s log position on the first subscription', async () => {
		const harness = startSocket();
		harness.actor.send({ type: 'socket.subscribe', creatorId: 'c1', afterEventId: 31 });
		harness.actor.send({ type: 'socket.connect' });
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);
		harness.actor.send({ type: 'socket.subscribe', creatorId: 'c2', afterEventId: 40 });
		server.push({ type: 'subscribed', creatorId: 'c1', lastEventId: 35 });

		expect(TrackedWebSocket.created[0].sent).toEqual([
			{ type: 'subscribe', creatorId: 'c1', afterEventId: 31 },
			{ type: 'subscribe', creatorId: 'c2', afterEventId: 40 }
		]);
		expect(harness.actor.getSnapshot().context.cursors).toEqual({ c1: 31, c2: 40 });
	});

	it('tells the parent to reload a creator when the server says resync', async () => {
		const resyncs: string[] = [];
		const machine = socketMachine.provide({
			actions: {
				notifyResync: ({ event }) => {
					if (event.type === 'socket.resyncRequired') resyncs.push(event.creatorId);
				},
				forwardEvent: () => {}
			}
		});
		const actor = createActor(machine, { input: { url: SOCKET_URL } }).start();
		actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
		actor.send({ type: 'socket.connect' });
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

		server.push({ type: 'resync', creatorId: 'c1', lastEventId: 900 });

		expect(resyncs).toEqual(['c1']);
		expect(actor.getSnapshot().context.cursors).toEqual({ c1: 900 });
	});

	it('drops a silent connection within interval + timeout and reconnects', async () => {
		const { actor } = await openFollowing();

		// The mock server never answers pings: the connection is as good as dead.
		await vi.advanceTimersByTimeAsync(heartbeat.intervalMs);
		expect(TrackedWebSocket.created[0].sent).toContainEqual({ type: 'ping' });
		await vi.advanceTimersByTimeAsync(heartbeat.timeoutMs - 1);
		expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
		await vi.advanceTimersByTimeAsync(1);

		expect(actor.getSnapshot().value).toBe('backoff');
		expect(actor.getSnapshot().context.lastCloseCode).toBe(4000);
		expect(TrackedWebSocket.created[0].closeCalls).toEqual([1000]);
		await vi.advanceTimersByTimeAsync(500 + MOCK_CONNECT_MS);
		expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
	});

	it('counts an attempt that hangs while connecting as failed and tries again', async () => {
		server.stop();
		const hanging = class extends TrackedWebSocket {
			constructor(url: string | URL) {
				super(url);
				// Neither open nor close ever arrives, as with a blackholed address.
				this.addEventListener = () => {};
			}
		};
		vi.stubGlobal('WebSocket', hanging);
		const { actor } = startSocket();
		actor.send({ type: 'socket.connect' });

		await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS - 1);
		expect(actor.getSnapshot().matches({ active: 'connecting' })).toBe(true);
		await vi.advanceTimersByTimeAsync(1);

		expect(actor.getSnapshot().value).toBe('backoff');
		expect(actor.getSnapshot().context).toMatchObject({ attempts: 1, lastCloseCode: 4000 });
	});

	it('keeps a connection that answers within the heartbeat', async () => {
		const { actor } = await openFollowing();

		for (let step = 0; step < 5; step += 1) {
			await vi.advanceTimersByTimeAsync(heartbeat.intervalMs);
			server.push({ type: 'pong' });
		}

		expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
		expect(TrackedWebSocket.created).toHaveLength(1);
	});

	it('spends no attempts while offline and reconnects at once when back online', async () => {
		const { actor } = await openFollowing();
		server.stop();

		actor.send({ type: 'socket.offline' });
		expect(actor.getSnapshot().value).toBe('offline');
		await vi.advanceTimersByTimeAsync(10 * 60_000);
		expect(TrackedWebSocket.created).toHaveLength(1);
		expect(actor.getSnapshot().context.attempts).toBe(0);

		server = startServer();
		actor.send({ type: 'socket.online' });
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);
		expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
	});

	it('reconnects at once and counts from zero when the tab comes into view during backoff', async () => {
		const { actor } = await openFollowing();
		server.drop();
		server.stop();
		await vi.advanceTimersByTimeAsync(500 + 2 * MOCK_CONNECT_MS);
		expect(actor.getSnapshot().context.attempts).toBe(2);

		server = startServer();
		actor.send({ type: 'socket.visible' });
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

		expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
		expect(actor.getSnapshot().context.attempts).toBe(0);
	});

	it('waits at least as long as a restarting server asked', async () => {
		const { actor } = await openFollowing();
		server.push({ type: 'retryAfter', ms: 3000 });
		server.drop();
		server.stop();
		server = startServer();

		await vi.advanceTimersByTimeAsync(2900);
		expect(actor.getSnapshot().value).toBe('backoff');
		await vi.advanceTimersByTimeAsync(100 + MOCK_CONNECT_MS);
		expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
	});

	it('waits at least as long as a full server asked and tries again, when it closes with 1013', async () => {
		let full = true;
		server.server.on('connection', (socket) => {
			if (!full) return;
			socket.send(JSON.stringify({ type: 'retryAfter', ms: 6000 }));
			socket.close({ code: 1013, reason: 'The server is at capacity.', wasClean: true });
		});
		const { actor } = startSocket();
		actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
		actor.send({ type: 'socket.connect' });
		// mock-socket opens after its delay and delivers the server's close after another.
		await vi.advanceTimersByTimeAsync(2 * MOCK_CONNECT_MS);

		// 1013 is "try again later", not the policy close (1008) that ends reconnecting.
		expect(actor.getSnapshot().value).toBe('backoff');
		expect(actor.getSnapshot().context).toMatchObject({ lastCloseCode: 1013, retryAfterMs: 6000 });
		await vi.advanceTimersByTimeAsync(6000 - 1);
		expect(TrackedWebSocket.created).toHaveLength(1);

		full = false;
		await vi.advanceTimersByTimeAsync(1 + MOCK_CONNECT_MS);
		expect(TrackedWebSocket.created).toHaveLength(2);
		expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
		expect(TrackedWebSocket.created[1].sent).toEqual([{ type: 'subscribe', creatorId: 'c1' }]);
	});

	it('polls the event log over HTTP once it has given up, and stops when the socket is back', async () => {
		const polls: PollInput[] = [];
		const forwarded: EventFrame[] = [];
		const frame = { ...eventFrame('new_subscription', { subscriberCount: 4 }), id: 12 };
		const machine = socketMachine.provide({
			actors: {
				pollEvents: fromPromise<PollResult[], PollInput>(async ({ input }) => {
					polls.push(input);
					return [{ creatorId: 'c1', kind: 'events', events: [frame], lastEventId: 15 }];
				})
			},
			actions: {
				forwardEvent: ({ event }) => {
					if (event.type === 'socket.eventReceived') forwarded.push(event.frame);
				},
				notifyReopened: () => {}
			}
		});
		const actor = createActor(machine, { input: { url: SOCKET_URL, maxAttempts: 1 } }).start();
		actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
		actor.send({ type: 'socket.connect' });
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);
		server.drop();
		server.stop();
		await vi.advanceTimersByTimeAsync(500 + 2 * MOCK_CONNECT_MS);

		expect(actor.getSnapshot().hasTag('polling')).toBe(true);
		await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
		expect(polls.length).toBeGreaterThanOrEqual(2);
		expect(polls[1].cursors).toEqual({ c1: 15 });
		expect(forwarded).toEqual([frame]);

		server = startServer();
		actor.send({ type: 'socket.reconnect' });
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);
		const pollsWhenBack = polls.length;
		await vi.advanceTimersByTimeAsync(3 * POLL_INTERVAL_MS);
		expect(actor.getSnapshot().hasTag('polling')).toBe(false);
		expect(polls).toHaveLength(pollsWhenBack);
		expect(TrackedWebSocket.created.at(-1)?.sent).toContainEqual({
			type: 'subscribe',
			creatorId: 'c1',
			afterEventId: 15
		});
	});

	it('tries the socket again once polls have reached the server for about a minute, waiting twice as long after each miss', async () => {
		let pollsAnswered = true;
		const machine = socketMachine.provide({
			actors: {
				pollEvents: fromPromise<PollResult[], PollInput>(async () =>
					pollsAnswered ? [{ creatorId: 'c1', kind: 'events', events: [], lastEventId: 3 }] : []
				)
			},
			actions: { forwardEvent: () => {}, notifyReopened: () => {} }
		});
		const actor = createActor(machine, { input: { url: SOCKET_URL, maxAttempts: 1 } }).start();
		actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
		actor.send({ type: 'socket.connect' });
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);
		// The socket server stays down; HTTP answers (a proxy that blocks sockets, say).
		server.drop();
		server.stop();
		await vi.advanceTimersByTimeAsync(500 + 2 * MOCK_CONNECT_MS);
		expect(actor.getSnapshot().hasTag('gaveUp')).toBe(true);
		const socketsWhenGivenUp = TrackedWebSocket.created.length;

		// 12 answered polls, the first at once and then every 5 s, then one probing socket,
		// refused again.
		await vi.advanceTimersByTimeAsync((POLLS_BEFORE_SOCKET_RETRY - 1) * POLL_INTERVAL_MS - 1_000);
		expect(TrackedWebSocket.created).toHaveLength(socketsWhenGivenUp);
		await vi.advanceTimersByTimeAsync(1_000 + 500 + 2 * MOCK_CONNECT_MS);
		expect(TrackedWebSocket.created).toHaveLength(socketsWhenGivenUp + 1);
		expect(actor.getSnapshot().hasTag('gaveUp')).toBe(true);

		// The next try waits two minutes; unanswered polls do not count towards it.
		pollsAnswered = false;
		await vi.advanceTimersByTimeAsync(2 * POLLS_BEFORE_SOCKET_RETRY * POLL_INTERVAL_MS);
		expect(TrackedWebSocket.created).toHaveLength(socketsWhenGivenUp + 1);
		pollsAnswered = true;
		server = startServer();
		await vi.advanceTimersByTimeAsync(2 * POLLS_BEFORE_SOCKET_RETRY * POLL_INTERVAL_MS);
		expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
		expect(actor.getSnapshot().context.attempts).toBe(0);
		expect(TrackedWebSocket.created.at(-1)?.sent).toContainEqual({
			type: 'subscribe',
			creatorId: 'c1',
			afterEventId: 3
		});
	});
});
