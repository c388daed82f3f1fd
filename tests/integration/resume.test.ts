/**
 * A tab that is cut off while 100 events are published gets each missed event once and in
 * order when it comes back, or, when the log no longer holds them, is told to resync and
 * reloads the creator. The tab is the real root machine in Node and reaches the server
 * through a link that really fails for 10 s (every connection reset) and for 60 s (silent:
 * nothing gets through and nothing says so, so only the heartbeat notices), while the events
 * are published over the whole outage. Past the log's retention, the tab is told to resync.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { createAppServer, type AppServer } from '../support/app-server';
import { ACCOUNTS, signIn } from './helpers';
import { openLink, type Link } from './link';
import { useServerFetch } from './network';
import { openTab, type Tab } from './tab';

let server: AppServer | undefined;
let tab: Tab | undefined;
let restoreFetch: (() => void) | undefined;
let link: Link | undefined;

afterEach(async () => {
	tab?.stop();
	restoreFetch?.();
	await link?.close();
	link = undefined;
	await server?.dispose();
});

const pause = (ms: number) => new Promise((resume) => setTimeout(resume, ms));

const PUBLISHED = 100;

/**
 * `cut`: the link fails for that long, in that way, while the events are published across
 * it. Without `cut`, the browser reports going offline and back, and no time passes.
 */
async function outage(options: {
	label: string;
	retention?: number;
	cut?: { ms: number; mode: 'reset' | 'silent' };
}) {
	server = await createAppServer({
		env: options.retention ? { EVENT_LOG_RETENTION: String(options.retention) } : {}
	});
	await server.start();
	link = await openLink({ host: '127.0.0.1', port: server.port });
	const cookie = await signIn({ baseUrl: server.url }, ACCOUNTS.alpha);
	// The tab's own calls (reloads, polls) cross the failing link too; the publisher's do not.
	restoreFetch = useServerFetch({ baseUrl: link.url, cookie });
	const { creator } = await (
		await fetch(`${server.url}/api/creators/c1`, { headers: { cookie } })
	).json();

	tab = openTab({ wsUrl: link.wsUrl, origin: server.url, cookie });
	tab.root.send({ type: 'creator.track', creatorId: 'c1', snapshot: creator });
	await tab.waitForSocket('open');
	await waitFor(tab.socket(), (snapshot) => snapshot.context.cursors.c1 !== undefined);
	const cursorBefore: number = tab.socket().getSnapshot().context.cursors.c1;
	const eventsBefore = tab.events.length;

	if (options.cut) link.cut(options.cut.mode);
	else {
		tab.root.send({ type: 'socket.offline' });
		await tab.waitForSocket('offline');
	}
	const started = Date.now();
	for (let index = 1; index <= PUBLISHED; index += 1) {
		const answer = await fetch(`${server.url}/api/creators/c1`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/json', cookie, 'if-match': '*' },
			body: JSON.stringify({ bio: `published ${index}` })
		});
		expect(answer.status).toBe(200);
		// Spread over the outage, so events land before, during and after the tab notices.
		if (options.cut) await pause(started + (index * options.cut.ms) / PUBLISHED - Date.now());
	}
	expect(tab.events.length).toBe(eventsBefore);

	if (options.cut) link.restore();
	else tab.root.send({ type: 'socket.online' });
	// Back through the socket (a backoff attempt) or, if it had given up, the event-log poll.
	await waitFor(
		tab.creator('c1'),
		(snapshot) =>
			snapshot.matches('idle') && snapshot.context.view?.bio === `published ${PUBLISHED}`,
		{ timeout: 30_000 }
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
			`${duplicates} duplicates, ${outOfOrder} out of order, ${gaps} gaps, ${tab.resyncs.length} resync; ` +
			`the socket is ${JSON.stringify(tab.socket().getSnapshot().value)}`
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
	it.each([
		['10 s', 10_000, 'reset'],
		['60 s', 60_000, 'silent']
	] as const)(
		'applies each of 100 events published during a %s outage once and in order',
		async (label, ms, mode) => {
			const result = await outage({ label: `${label} ${mode} outage`, cut: { ms, mode } });

			expect(tab?.resyncs).toEqual([]);
			expect(result.applied).toEqual(result.logged);
			expect(result.applied).toHaveLength(PUBLISHED);
			expect(result.duplicates).toBe(0);
			expect(result.outOfOrder).toBe(0);
			expect(result.gaps).toBe(0);
			expect(result.view).toMatchObject(result.row as object);
		},
		120_000
	);

	it('resyncs the creator over HTTP when the log no longer holds what was missed', async () => {
		const result = await outage({ label: 'past retention', retention: 50 });

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
				headers: { 'content-type': 'application/json', cookie, 'if-match': '*' },
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
