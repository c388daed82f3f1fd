/**
 * A tab that is cut off while 100 events are published gets each missed event once and in
 * order when it comes back, or, when the log no longer holds them, is told to resync and
 * reloads the creator. The tab is the real root machine in Node; the cut is the browser
 * going offline, so no real minutes pass: a short outage is one the log's retention covers,
 * a long one is one it does not (the server keeps 50 events, fewer than were published).
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { createAppServer, type AppServer } from '../support/app-server';
import { ACCOUNTS, signIn } from './helpers';
import { useServerFetch } from './network';
import { openTab, type Tab } from './tab';

let server: AppServer | undefined;
let tab: Tab | undefined;
let restoreFetch: (() => void) | undefined;

afterEach(async () => {
	tab?.stop();
	restoreFetch?.();
	await server?.dispose();
});

const PUBLISHED = 100;

async function outage(options: { label: string; retention?: number }) {
	server = await createAppServer({
		env: options.retention ? { EVENT_LOG_RETENTION: String(options.retention) } : {}
	});
	await server.start();
	const cookie = await signIn({ baseUrl: server.url }, ACCOUNTS.alpha);
	restoreFetch = useServerFetch({ baseUrl: server.url, cookie });
	const { creator } = await (
		await fetch(`${server.url}/api/creators/c1`, { headers: { cookie } })
	).json();

	tab = openTab({ wsUrl: server.wsUrl, origin: server.url, cookie });
	tab.root.send({ type: 'creator.track', creatorId: 'c1', snapshot: creator });
	await tab.waitForSocket('open');
	await waitFor(tab.socket(), (snapshot) => snapshot.context.cursors.c1 !== undefined);
	const cursorBefore: number = tab.socket().getSnapshot().context.cursors.c1;

	tab.root.send({ type: 'socket.offline' });
	await tab.waitForSocket('offline');
	for (let index = 1; index <= PUBLISHED; index += 1) {
		const answer = await fetch(`${server.url}/api/creators/c1`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/json', cookie },
			body: JSON.stringify({ bio: `published ${index}` })
		});
		expect(answer.status).toBe(200);
	}
	const eventsBefore = tab.events.length;

	tab.root.send({ type: 'socket.online' });
	await tab.waitForSocket('open');
	await waitFor(
		tab.creator('c1'),
		(snapshot) =>
			snapshot.matches('idle') && snapshot.context.view?.bio === `published ${PUBLISHED}`,
		{ timeout: 10_000 }
	);
	await new Promise((settle) => setTimeout(settle, 200));

	const db = new Database(server.databasePath, { readonly: true });
	const logged = (
		db
			.prepare(`select id from events where creator_id = 'c1' and id > ? order by id`)
			.all(cursorBefore) as { id: number }[]
	).map((row) => row.id);
	const row = db.prepare(`select bio, version from creators where id = 'c1'`).get();
	db.close();

	const applied = tab.events.slice(eventsBefore).map((event) => event.id);
	const duplicates = applied.length - new Set(applied).size;
	const outOfOrder = applied.filter((id, index) => index > 0 && id <= applied[index - 1]).length;
	const gaps = tab.resyncs.length > 0 ? 0 : logged.filter((id) => !applied.includes(id)).length;
	console.log(
		`${options.label}: ${PUBLISHED} published, ${applied.length} replayed, ` +
			`${duplicates} duplicates, ${outOfOrder} out of order, ${gaps} gaps, ${tab.resyncs.length} resync`
	);

	return {
		applied,
		logged,
		duplicates,
		outOfOrder,
		gaps,
		row,
		view: tab.creator('c1').getSnapshot().context.view
	};
}

describe('resume after an outage', () => {
	it('replays each of 100 missed events once and in order after a short outage (10 s)', async () => {
		const result = await outage({ label: '10 s outage' });

		expect(tab?.resyncs).toEqual([]);
		expect(result.applied).toEqual(result.logged);
		expect(result.applied).toHaveLength(PUBLISHED);
		expect(result.duplicates).toBe(0);
		expect(result.gaps).toBe(0);
		expect(result.view).toMatchObject(result.row as object);
	});

	it('resyncs the creator over HTTP when the log no longer holds what was missed (60 s)', async () => {
		const result = await outage({ label: '60 s outage', retention: 50 });

		expect(tab?.resyncs).toEqual(['c1']);
		expect(result.applied).toEqual([]);
		expect(result.duplicates).toBe(0);
		expect(result.view).toMatchObject(result.row as object);
	});

	it('replays what happened between the page load and the first subscription', async () => {
		server = await createAppServer();
		await server.start();
		const cookie = await signIn({ baseUrl: server.url }, ACCOUNTS.alpha);
		restoreFetch = useServerFetch({ baseUrl: server.url, cookie });
		const page = await (
			await fetch(`${server.url}/api/creators/c1`, { headers: { cookie } })
		).json();
		for (let index = 1; index <= 3; index += 1) {
			await fetch(`${server.url}/api/creators/c1`, {
				method: 'PATCH',
				headers: { 'content-type': 'application/json', cookie },
				body: JSON.stringify({ bio: `after load ${index}` })
			});
		}

		tab = openTab({ wsUrl: server.wsUrl, origin: server.url, cookie });
		tab.root.send({
			type: 'creator.track',
			creatorId: 'c1',
			snapshot: page.creator,
			eventId: page.eventId
		});
		await waitFor(tab.creator('c1'), (snapshot) => snapshot.context.view?.bio === 'after load 3', {
			timeout: 5_000
		});

		expect(tab.events.map((event) => event.id)).toEqual([
			page.eventId + 1,
			page.eventId + 2,
			page.eventId + 3
		]);
	});
});
