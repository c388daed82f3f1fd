/** C04 — a manual reconnect (or the browser's online event) works after the attempts ran out. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
	installMockSockets,
	MOCK_CONNECT_MS,
	startServer,
	startSocket,
	TrackedWebSocket,
	uninstallMockSockets
} from '../support/socket-harness';

describe('C04 manual reconnect after failed', () => {
	beforeEach(() => {
		installMockSockets();
	});

	afterEach(() => {
		uninstallMockSockets();
	});

	async function failAllAttempts() {
		const harness = startSocket();
		harness.actor.send({ type: 'socket.subscribe', creatorId: 'c1' });
		harness.actor.send({ type: 'socket.connect' });
		await vi.advanceTimersByTimeAsync(60_000);
		expect(harness.actor.getSnapshot().matches('failed')).toBe(true);

		return harness;
	}

	it.each(['socket.reconnect', 'socket.online'] as const)(
		'opens on the first try with the counter at 0 and resubscribes on %s',
		async (type) => {
			const { actor } = await failAllAttempts();
			const server = startServer();
			const socketsBefore = TrackedWebSocket.created.length;

			actor.send({ type });
			await vi.advanceTimersByTimeAsync(MOCK_CONNECT_MS);

			expect(TrackedWebSocket.created).toHaveLength(socketsBefore + 1);
			expect(actor.getSnapshot().matches({ active: 'open' })).toBe(true);
			expect(actor.getSnapshot().hasTag('connected')).toBe(true);
			expect(actor.getSnapshot().context.attempts).toBe(0);
			expect(TrackedWebSocket.created.at(-1)?.sent).toEqual([
				{ type: 'subscribe', creatorId: 'c1' }
			]);
			server.stop();
		}
	);

	it('gets all 5 attempts again when the server is still down after a manual reconnect', async () => {
		const { actor } = await failAllAttempts();
		const socketsBefore = TrackedWebSocket.created.length;

		actor.send({ type: 'socket.reconnect' });
		await vi.advanceTimersByTimeAsync(60_000);

		expect(TrackedWebSocket.created.length - socketsBefore).toBe(6);
		expect(actor.getSnapshot().matches('failed')).toBe(true);
	});
});
