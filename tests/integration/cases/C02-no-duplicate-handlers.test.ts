/**
 * C02 — reconnects never multiply handlers or connections. A tab on c1 lives through three
 * server restarts; one earnings change afterwards is applied once, the server holds one
 * socket for the tab, and no closed socket keeps a listener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { WebSocket as NodeWebSocket } from 'ws';
import { createAppServer, type AppServer } from '../../support/app-server';
import { ACCOUNTS, signIn } from '../helpers';
import { openTab, type Tab } from '../tab';

let server: AppServer;
let tab: Tab | undefined;

beforeAll(async () => {
	server = await createAppServer();
	await server.start();
});

afterAll(async () => {
	tab?.stop();
	await server.dispose();
});

async function api(method: string, path: string, cookie: string) {
	const response = await fetch(`${server.url}${path}`, { method, headers: { cookie } });
	return { status: response.status, body: await response.json() };
}

describe('C02 no duplicate handlers', () => {
	it('applies one earnings change once after three server restarts', async () => {
		const owner = await signIn({ baseUrl: server.url }, ACCOUNTS.alpha);
		const { body } = await api('GET', '/api/creators/c1', owner);
		expect(body.creator.earningsCents).toBe(10_000);
		expect(body.creator.subscriptionPriceCents).toBe(500);

		tab = openTab({ wsUrl: server.wsUrl, origin: server.url, cookie: owner });
		tab.root.send({ type: 'creator.track', creatorId: 'c1', snapshot: body.creator });
		await tab.waitForSocket('open');

		for (let restart = 0; restart < 3; restart++) {
			await server.stop();
			await tab.waitForSocket('backoff');
			await server.start();
			await tab.waitForSocket('open');
		}

		const applied: number[] = [];
		tab
			.creator('c1')
			.subscribe((snapshot: { context: { confirmed: { earningsCents?: number } } }) =>
				applied.push(snapshot.context.confirmed.earningsCents ?? -1)
			);

		// One subscription at c1's price of 5.00 is the "+5" earnings change.
		const fan = await signIn({ baseUrl: server.url }, ACCOUNTS.fan3);
		const subscribed = await api('POST', '/api/creators/c1/subscriptions', fan);
		expect(subscribed.status).toBe(201);

		await waitFor(
			tab.creator('c1'),
			(snapshot) => snapshot.context.confirmed?.earningsCents === 10_500,
			{ timeout: 5_000 }
		);
		await new Promise((settle) => setTimeout(settle, 300));
		expect(tab.creator('c1').getSnapshot().context.confirmed.earningsCents).toBe(10_500);
		expect(new Set(applied.filter((value) => value > 10_000))).toEqual(new Set([10_500]));

		const stats = await (await fetch(`${server.url}/api/test/stats`)).json();
		expect(stats.sockets).toBe(1);
		expect(stats.subscriptions.c1).toBe(1);

		expect(tab.sockets.length).toBeGreaterThanOrEqual(4);
		for (const closed of tab.sockets.slice(0, -1)) {
			expect(closed.readyState).toBe(NodeWebSocket.CLOSED);
			for (const type of ['open', 'message', 'close']) expect(closed.listenerCount(type)).toBe(0);
		}
	});
});
