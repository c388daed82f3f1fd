/**
 * C10 — sign-out closes the socket once, cleanly. The tab closes its socket with 1000 as it
 * signs out; the server sees exactly that one close, no reconnect follows and no socket stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { createAppServer, type AppServer } from '../../support/app-server';
import { ACCOUNTS, signIn } from '../helpers';
import { openTab, type Tab } from '../tab';

let server: AppServer;
let tab: Tab | undefined;

beforeAll(async () => {
	server = await createAppServer({ env: { LOG_LEVEL: 'info' } });
	await server.start();
});

afterAll(async () => {
	tab?.stop();
	await server.dispose();
});

/** The close codes the server logged, from its JSON log lines. */
function serverCloseCodes(): number[] {
	return server
		.output()
		.split('\n')
		.filter((line) => line.includes('"socket closed"'))
		.map((line) => JSON.parse(line).code as number);
}

describe('C10 clean close on sign-out', () => {
	it('closes the socket once with 1000 and never reconnects', async () => {
		const cookie = await signIn({ baseUrl: server.url }, ACCOUNTS.alpha);
		tab = openTab({ wsUrl: server.wsUrl, origin: server.url, cookie });
		tab.root.send({ type: 'creator.track', creatorId: 'c1' });
		await tab.waitForSocket('open');
		expect((await (await fetch(`${server.url}/api/test/stats`)).json()).subscriptions.c1).toBe(1);

		// The order the app signs out in: the tab closes its socket, then ends the session.
		tab.root.send({ type: 'session.signedOut' });
		const signedOut = await fetch(`${server.url}/api/session`, {
			method: 'DELETE',
			headers: { cookie, origin: server.url }
		});
		expect(signedOut.status).toBe(204);
		await tab.waitForSocket('disconnected', 1_000);

		const deadline = Date.now() + 1_000;
		while (serverCloseCodes().length === 0 && Date.now() < deadline) {
			await new Promise((tick) => setTimeout(tick, 20));
		}
		expect(serverCloseCodes()).toEqual([1000]);

		// Longer than the first backoff delay: a reconnect would have happened by now.
		await new Promise((settle) => setTimeout(settle, 1_200));
		expect(tab.sockets).toHaveLength(1);
		expect(tab.sockets[0].readyState).toBe(NodeWebSocket.CLOSED);
		expect(serverCloseCodes()).toEqual([1000]);
		expect((await (await fetch(`${server.url}/api/test/stats`)).json()).sockets).toBe(0);
	});
});
