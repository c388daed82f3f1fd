/**
 * C03 — one failed attempt counts once; exactly 5 reconnects. A failed attempt fires both
 * `error` and `close`; mock-socket does the same when nothing listens at the address. The
 * waits are jittered, so each must lie in [0, ceiling] with ceilings 0.5/1/2/4/8 s.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
	installMockSockets,
	MOCK_CONNECT_MS,
	startServer,
	startSocket,
	TrackedWebSocket,
	uninstallMockSockets
} from '../support/socket-harness';

describe('C03 attempt counting', () => {
	beforeEach(() => {
		installMockSockets({ jitter: 'random' });
	});

	afterEach(() => {
		uninstallMockSockets();
	});

	it('reconnects exactly 5 times within 0.5/1/2/4/8 s each, then fails once when nothing listens', async () => {
		const { actor } = startSocket();
		let failedEntries = 0;
		let wasFailed = false;
		actor.subscribe((snapshot) => {
			const isFailed = snapshot.matches('failed');
			if (isFailed && !wasFailed) failedEntries += 1;
			wasFailed = isFailed;
		});
		const errors: number[] = [];
		const countErrors = () =>
			TrackedWebSocket.created.forEach((socket, index) => {
				socket.onerror = () => errors.push(index);
			});

		actor.send({ type: 'socket.connect' });
		countErrors();
		for (let step = 0; step < 600; step += 1) {
			await vi.advanceTimersByTimeAsync(1000);
			countErrors();
		}

		const sockets = TrackedWebSocket.created;
		expect(sockets).toHaveLength(6);
		const gaps = sockets
			.slice(1)
			.map((socket, index) => socket.createdAt - (sockets[index].closedAt ?? NaN));
		const ceilings = [500, 1000, 2000, 4000, 8000];
		gaps.forEach((gap, index) => {
			expect(gap).toBeGreaterThanOrEqual(0);
			expect(gap).toBeLessThanOrEqual(ceilings[index]);
		});
		expect(failedEntries).toBe(1);
		expect(actor.getSnapshot().matches('failed')).toBe(true);
		expect(actor.getSnapshot().context.attempts).toBe(5);
		expect(vi.getTimerCount()).toBe(0);
	});

	it('counts a failure that fires both error and close once', async () => {
		const { actor } = startSocket();

		actor.send({ type: 'socket.connect' });
		const first = TrackedWebSocket.created[0];
		const fired: string[] = [];
		first.onerror = () => fired.push('error');
		await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

		expect(fired).toEqual(['error']);
		expect(first.closedAt).not.toBeNull();
		expect(actor.getSnapshot().context.attempts).toBe(1);
	});

	it('spreads the waits of many tabs over the whole range instead of one moment', async () => {
		const { reconnectDelay } = await import('../../../machines/backoff');
		const delays = Array.from({ length: 1000 }, () => reconnectDelay(5));

		expect(Math.min(...delays)).toBeLessThan(800);
		expect(Math.max(...delays)).toBeGreaterThan(7200);
		expect(new Set(delays).size).toBeGreaterThan(500);
	});

	it('sets the attempt counter back to 0 when a later open succeeds', async () => {
		vi.spyOn(Math, 'random').mockReturnValue(0.9999);
		const { actor } = startSocket();
		actor.send({ type: 'socket.connect' });
		await vi.advanceTimersByTimeAsync(3 * MOCK_CONNECT_MS + 500 + 1000);
		expect(actor.getSnapshot().context.attempts).toBe(3);

		const server = startServer();
		await vi.advanceTimersByTimeAsync(2000 + MOCK_CONNECT_MS);

		expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
		expect(actor.getSnapshot().context.attempts).toBe(0);
		server.stop();
	});
});
