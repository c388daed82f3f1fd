/** The server's side of the heartbeat: a socket that stops answering pings is ended. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { guestCookie, startServer, type TestServer } from './helpers';

const HEARTBEAT_MS = 200;
let server: TestServer;

beforeAll(async () => {
	server = await startServer({ SOCKET_HEARTBEAT_MS: String(HEARTBEAT_MS) });
});

afterAll(() => server?.stop());

async function connect(options: { answerPings: boolean }) {
	const socket = new WebSocket(server.wsUrl, {
		headers: { cookie: await guestCookie(server) },
		autoPong: options.answerPings
	});
	await new Promise((open) => socket.once('open', open));
	const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));

	return { socket, closed };
}

describe('server heartbeat', () => {
	it('ends a socket that stops answering pings within three intervals', async () => {
		const silent = await connect({ answerPings: false });
		const started = Date.now();

		const code = await silent.closed;

		expect(code).toBe(1006);
		expect(Date.now() - started).toBeLessThanOrEqual(3 * HEARTBEAT_MS);
	});

	it('keeps a socket that answers', async () => {
		const lively = await connect({ answerPings: true });
		await new Promise((wait) => setTimeout(wait, 5 * HEARTBEAT_MS));

		expect(lively.socket.readyState).toBe(WebSocket.OPEN);
		lively.socket.close();
	});
});
