import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
	installMockSockets,
	MOCK_CONNECT_MS,
	startServer,
	startSocket,
	TrackedWebSocket,
	uninstallMockSockets
} from './support/socket-harness';
import { eventFrame } from './support/fixtures';

describe('socketMachine', () => {
	let server: ReturnType<typeof startServer>;

	beforeEach(() => {
		installMockSockets();
		server = startServer();
	});

	afterEach(() => {
		server.stop();
		uninstallMockSockets();
	});

	async function openSocket(input = {}) {
		const harness = startSocket(input);
		harness.actor.send({ type: 'socket.connect' });
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

		return harness;
	}

	describe('connecting', () => {
		it('opens nothing when started', () => {
			const { actor } = startSocket();

			expect(actor.getSnapshot().value).toBe('disconnected');
			expect(actor.getSnapshot().context).toMatchObject({ attempts: 0, maxAttempts: 5 });
			expect(TrackedWebSocket.created).toHaveLength(0);
		});

		it('opens one socket to the url when asked to connect', async () => {
			const { actor } = startSocket();

			actor.send({ type: 'socket.connect' });
			expect(actor.getSnapshot().matches({ active: 'connecting' })).toBe(true);
			await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

			expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
			expect(actor.getSnapshot().hasTag('connected')).toBe(true);
			expect(TrackedWebSocket.created.map((socket) => socket.url)).toEqual([
				'ws://localhost:4173/ws'
			]);
		});

		it('opens a socket when asked to reconnect while disconnected', async () => {
			const { actor } = startSocket();

			actor.send({ type: 'socket.reconnect' });
			await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

			expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
		});

		it('ignores the online event when disconnected on purpose', () => {
			const { actor } = startSocket();

			actor.send({ type: 'socket.online' });

			expect(actor.getSnapshot().value).toBe('disconnected');
			expect(TrackedWebSocket.created).toHaveLength(0);
		});
	});

	describe('subscriptions', () => {
		it('subscribes each followed creator once when the socket opens', async () => {
			const { actor } = startSocket();
			actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
			actor.send({ type: 'socket.subscribe', creatorId: 'c2' });
			actor.send({ type: 'socket.subscribe', creatorId: 'c1' });

			actor.send({ type: 'socket.connect' });
			await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

			expect(actor.getSnapshot().context.subscriptions).toEqual(['c1', 'c2']);
			expect(TrackedWebSocket.allSent()).toEqual([
				{ type: 'subscribe', creatorId: 'c1' },
				{ type: 'subscribe', creatorId: 'c2' }
			]);
		});

		it('sends subscribe and unsubscribe frames at once when open', async () => {
			const { actor } = await openSocket();

			actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
			actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
			actor.send({ type: 'socket.unsubscribe', creatorId: 'c1' });
			actor.send({ type: 'socket.unsubscribe', creatorId: 'c2' });

			expect(TrackedWebSocket.allSent()).toEqual([
				{ type: 'subscribe', creatorId: 'c1' },
				{ type: 'unsubscribe', creatorId: 'c1' }
			]);
			expect(actor.getSnapshot().context.subscriptions).toEqual([]);
		});

		it('only updates the list when not open', () => {
			const { actor } = startSocket();
			actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
			actor.send({ type: 'socket.subscribe', creatorId: 'c2' });

			actor.send({ type: 'socket.unsubscribe', creatorId: 'c1' });

			expect(actor.getSnapshot().context.subscriptions).toEqual(['c2']);
			expect(TrackedWebSocket.allSent()).toEqual([]);
		});
	});

	describe('messages', () => {
		it('passes event frames to the parent and remembers the last id', async () => {
			const { actor, forwarded } = await openSocket();
			const frame = eventFrame('earnings_updated', { earningsCents: 10500 });

			server.push(frame);

			expect(forwarded).toEqual([frame]);
			expect(actor.getSnapshot().context.cursors).toEqual({ c1: frame.id });
		});

		it('ignores other frames and malformed text', async () => {
			const { actor, forwarded } = await openSocket();

			server.push({ type: 'pong' });
			server.push({ type: 'subscribed', creatorId: 'c1' });
			server.push({ type: 'event', id: 1, event: 'earnings_updated', creatorId: 'c1', data: {} });
			server.connections[0].send('not json');

			expect(forwarded).toEqual([]);
			expect(actor.getSnapshot().context.cursors).toEqual({});
			expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
		});
	});

	describe('drops and backoff', () => {
		it('waits 500 ms and reconnects when the server drops the socket', async () => {
			const { actor } = await openSocket();

			server.drop();

			expect(actor.getSnapshot().value).toBe('backoff');
			expect(actor.getSnapshot().context).toMatchObject({
				attempts: 1,
				lastCloseCode: 1006,
				lastError: 'Server went away'
			});
			await vi.advanceTimersByTimeAsync(499);
			expect(TrackedWebSocket.created).toHaveLength(1);
			await vi.advanceTimersByTimeAsync(1);
			expect(TrackedWebSocket.created).toHaveLength(2);
			expect(actor.getSnapshot().matches({ active: 'connecting' })).toBe(true);
		});

		it('resubscribes, resets the count and tells the parent once the server confirms a reconnect', async () => {
			const { actor, notifyReopened } = await openSocket();
			actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
			expect(notifyReopened).not.toHaveBeenCalled();

			server.drop();
			server.stop();
			server = startServer();
			await vi.advanceTimersByTimeAsync(500 + MOCK_CONNECT_MS);

			expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
			expect(actor.getSnapshot().context).toMatchObject({ attempts: 0, lastError: null });
			expect(TrackedWebSocket.created[1].sent).toEqual([{ type: 'subscribe', creatorId: 'c1' }]);
			expect(notifyReopened).not.toHaveBeenCalled();

			server.push({ type: 'subscribed', creatorId: 'c1', lastEventId: 4 });
			server.push({ type: 'subscribed', creatorId: 'c1', lastEventId: 4 });
			expect(notifyReopened).toHaveBeenCalledTimes(1);
		});

		it('reloads nothing when a full server accepts a reconnect and turns it away at once', async () => {
			const { actor, notifyReopened } = await openSocket();
			actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
			server.drop();
			server.stop();
			server = startServer();
			await vi.advanceTimersByTimeAsync(500 + MOCK_CONNECT_MS);

			server.push({ type: 'retryAfter', ms: 7000 });
			server.server.close({ code: 1013, reason: 'Try again later', wasClean: true });

			expect(actor.getSnapshot().matches('backoff')).toBe(true);
			expect(actor.getSnapshot().context.retryAfterMs).toBe(7000);
			// The turned-away open did not count: the drop and the refusal are two attempts.
			expect(actor.getSnapshot().context.attempts).toBe(2);
			expect(notifyReopened).not.toHaveBeenCalled();
		});

		it('falls back to polling once a full server has turned it away as often as it may retry', async () => {
			const { actor } = await openSocket();
			server.server.on('connection', (socket) => {
				socket.send(JSON.stringify({ type: 'retryAfter', ms: 100 }));
				setTimeout(() => socket.close({ code: 1013, reason: 'At capacity', wasClean: true }), 1);
			});
			server.drop();

			await vi.advanceTimersByTimeAsync(60_000);

			expect(actor.getSnapshot().hasTag('gaveUp')).toBe(true);
			expect(actor.getSnapshot().context.attempts).toBe(5);
			expect(TrackedWebSocket.created).toHaveLength(6);
		});

		it('stays disconnected without retrying when closed with 1008', async () => {
			const { actor } = await openSocket();

			server.server.close({ code: 1008, reason: 'Signed out', wasClean: true });

			expect(actor.getSnapshot().value).toBe('disconnected');
			expect(actor.getSnapshot().context.lastCloseCode).toBe(1008);
			expect(vi.getTimerCount()).toBe(0);
		});

		it('gives up with no timer left when the attempts run out', async () => {
			server.stop();
			const { actor } = startSocket({ maxAttempts: 2 });
			actor.send({ type: 'socket.connect' });

			await vi.advanceTimersByTimeAsync(60_000);

			expect(actor.getSnapshot().matches('failed')).toBe(true);
			expect(actor.getSnapshot().hasTag('gaveUp')).toBe(true);
			expect(actor.getSnapshot().context.attempts).toBe(2);
			expect(TrackedWebSocket.created).toHaveLength(3);
			expect(vi.getTimerCount()).toBe(0);
		});

		it.each(['socket.reconnect', 'socket.online'] as const)(
			'reconnects at once with attempts reset on %s during backoff',
			async (type) => {
				const { actor } = await openSocket();
				server.drop();

				actor.send({ type });

				expect(actor.getSnapshot().matches({ active: 'connecting' })).toBe(true);
				expect(actor.getSnapshot().context.attempts).toBe(0);
				expect(TrackedWebSocket.created).toHaveLength(2);
				// mock-socket's connect timer and the connect timeout; the backoff timer is gone.
				expect(vi.getTimerCount()).toBe(2);
			}
		);

		it.each(['socket.reconnect', 'socket.online'] as const)(
			'starts over on %s after giving up',
			async (type) => {
				server.stop();
				const { actor } = startSocket({ maxAttempts: 1 });
				actor.send({ type: 'socket.connect' });
				await vi.advanceTimersByTimeAsync(10_000);
				expect(actor.getSnapshot().matches('failed')).toBe(true);
				server = startServer();

				actor.send({ type });
				await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

				expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
				expect(actor.getSnapshot().context.attempts).toBe(0);
			}
		);
	});

	describe('disconnecting', () => {
		it('closes the socket once with 1000 and never reconnects when asked', async () => {
			const { actor } = await openSocket();

			actor.send({ type: 'socket.disconnect' });
			await vi.advanceTimersByTimeAsync(60_000);

			expect(actor.getSnapshot().value).toBe('disconnected');
			expect(server.closeCodes).toEqual([1000]);
			expect(TrackedWebSocket.created[0].closeCalls).toEqual([1000]);
			expect(TrackedWebSocket.created).toHaveLength(1);
			expect(TrackedWebSocket.created[0].activeListeners).toBe(0);
		});

		it('cancels the pending reconnect when asked during backoff', async () => {
			const { actor } = await openSocket();
			server.drop();

			actor.send({ type: 'socket.disconnect' });

			expect(actor.getSnapshot().value).toBe('disconnected');
			expect(vi.getTimerCount()).toBe(0);
		});

		it('abandons a socket that is still connecting when asked', async () => {
			const { actor } = startSocket();
			actor.send({ type: 'socket.connect' });

			actor.send({ type: 'socket.disconnect' });
			await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

			expect(actor.getSnapshot().value).toBe('disconnected');
			expect(TrackedWebSocket.created[0].readyState).toBe(WebSocket.CLOSED);
			expect(TrackedWebSocket.created[0].activeListeners).toBe(0);
		});

		it('leaves no listener on a socket the server closed', async () => {
			await openSocket();

			server.drop();

			expect(TrackedWebSocket.created[0].activeListeners).toBe(0);
		});
	});
});
