/**
 * C05 — re-subscribe once per connection; catch up after an outage. While the server is down
 * the database changes behind its back (no event is logged for that), three times over; the
 * tab must show each change right after reconnecting, subscribe once per connection, and
 * take the events sent afterwards once.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { createAppServer, type AppServer } from '../../support/app-server';
import { ACCOUNTS, signIn } from '../helpers';
import { useServerFetch } from '../network';
import { openTab, type Tab } from '../tab';

let server: AppServer;
let tab: Tab | undefined;
let restoreFetch: () => void;

beforeAll(async () => {
	server = await createAppServer();
	await server.start();
});

afterAll(async () => {
	tab?.stop();
	restoreFetch?.();
	await server.dispose();
});

/** What an operator's script does while the server is down: +50.00 earnings, one new fan. */
function changeBehindTheServersBack(fanEmail: string) {
	const db = new Database(server.databasePath);
	const now = new Date().toISOString();
	const fan = db
		.prepare(
			`insert into users (email, password_hash, display_name, created_at) values (?, 'x', 'Walk-in fan', ?) returning id`
		)
		.get(fanEmail, now) as { id: number };
	db.prepare(
		`insert into subscriptions (creator_id, fan_user_id, price_cents, created_at) values ('c1', ?, 500, ?)`
	).run(fan.id, now);
	db.prepare(
		`update creators set earnings_cents = earnings_cents + 5000, subscriber_count = subscriber_count + 1 where id = 'c1'`
	).run();
	const row = db
		.prepare(`select earnings_cents, subscriber_count from creators where id = 'c1'`)
		.get();
	db.close();

	return row as { earnings_cents: number; subscriber_count: number };
}

describe('C05 resubscribe and catch up', () => {
	it('subscribes once per connection, shows what changed while down, and takes later events once', async () => {
		const cookie = await signIn({ baseUrl: server.url }, ACCOUNTS.alpha);
		restoreFetch = useServerFetch({ baseUrl: server.url, cookie });
		const { creator } = await (
			await fetch(`${server.url}/api/creators/c1`, { headers: { cookie } })
		).json();
		expect(creator.earningsCents).toBe(10_000);

		tab = openTab({ wsUrl: server.wsUrl, origin: server.url, cookie });
		tab.root.send({ type: 'creator.track', creatorId: 'c1', snapshot: creator });
		await tab.waitForSocket('open');

		const fans = [
			'walkin1@creatordata.test',
			'walkin2@creatordata.test',
			'walkin3@creatordata.test'
		];
		for (const fan of fans) {
			await server.stop();
			await tab.waitForSocket('backoff');
			const expected = changeBehindTheServersBack(fan);
			await server.start();
			await tab.waitForSocket('open');

			await waitFor(
				tab.creator('c1'),
				(snapshot) =>
					snapshot.context.confirmed.earningsCents === expected.earnings_cents &&
					snapshot.context.confirmed.subscriberCount === expected.subscriber_count,
				{ timeout: 2_000 }
			);
		}
		expect(tab.creator('c1').getSnapshot().context.confirmed.earningsCents).toBe(25_000);

		const subscribesPerConnection = tab.sockets.map(
			(socket) =>
				(socket.sent ?? []).filter(
					(frame) => (frame as { type: string; creatorId?: string }).type === 'subscribe'
				).length
		);
		expect(subscribesPerConnection).toEqual(tab.sockets.map(() => 1));

		const fan = await signIn({ baseUrl: server.url }, ACCOUNTS.fan2);
		const before = tab.creator('c1').getSnapshot().context.confirmed.subscriberCount;
		const cancelled = await fetch(`${server.url}/api/creators/c1/subscriptions`, {
			method: 'DELETE',
			headers: { cookie: fan }
		});
		expect(cancelled.status).toBe(200);
		await waitFor(
			tab.creator('c1'),
			(snapshot) => snapshot.context.confirmed.subscriberCount === before - 1
		);
		await new Promise((settle) => setTimeout(settle, 200));
		expect(tab.events.filter((event) => event.event === 'subscription_cancelled')).toHaveLength(1);
	});
});
