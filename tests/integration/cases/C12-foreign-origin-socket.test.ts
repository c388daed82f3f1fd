/**
 * C12 — a socket from a foreign origin is refused. A WebSocket handshake carries cookies but
 * is not covered by CORS, so the Origin header is all that stops another site's page from
 * opening a socket as c1's owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
	ACCOUNTS,
	api,
	isEvent,
	signIn,
	SocketClient,
	startServer,
	type TestServer
} from '../helpers';
import { upgrade } from '../raw-socket';

let server: TestServer;
let owner: string;

beforeAll(async () => {
	server = await startServer();
	owner = await signIn(server, ACCOUNTS.alpha);
});

afterAll(() => server?.stop());

describe('C12 foreign origin socket', () => {
	it('answers 403 and never 101 to a foreign origin carrying a valid session cookie', async () => {
		const answer = await upgrade(server.baseUrl, { origin: 'https://evil.example', cookie: owner });
		expect(answer.status).toBe(403);

		const socket = new WebSocket(server.wsUrl, {
			headers: { origin: 'https://evil.example', cookie: owner }
		});
		const outcome = await new Promise<string>((done) => {
			socket.once('open', () => done('open'));
			socket.once('unexpected-response', (_request, response) => done(String(response.statusCode)));
			socket.once('error', () => done('error'));
		});
		expect(outcome).toBe('403');
	});

	it('follows the rule for a missing Origin: a non-browser client, let in on its session alone', async () => {
		expect((await upgrade(server.baseUrl, { cookie: owner })).status).toBe(101);
		expect((await upgrade(server.baseUrl)).status).toBe(401);
	});

	it('answers 101 to the app’s own origin', async () => {
		expect((await upgrade(server.baseUrl, { origin: server.baseUrl, cookie: owner })).status).toBe(
			101
		);
	});

	it('never delivers c2’s earnings to c1’s owner on the allowed connection', async () => {
		const client = await SocketClient.open(server, owner);
		await client.subscribe('c2');
		const watcher = await SocketClient.open(server, await signIn(server, ACCOUNTS.bravo));
		await watcher.subscribe('c2');

		const fan = await signIn(server, ACCOUNTS.fan2);
		expect(
			(await api(server, 'POST', '/api/creators/c2/subscriptions', { cookie: fan })).status
		).toBe(201);
		await watcher.next(isEvent('earnings_updated', 'c2'));
		await client.next(isEvent('new_subscription', 'c2'));
		client.send({ type: 'resume', lastEventId: 0 });
		await client.settle();

		expect(client.eventsFor('c2')).not.toContain('earnings_updated');
		client.close();
		watcher.close();
	});
});
