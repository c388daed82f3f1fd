/**
 * An answered write is durable: the server is killed with SIGKILL in the middle of a burst of
 * profile edits, and after a restart every edit it acknowledged is there, once, and SQLite's
 * integrity check passes.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServer, type AppServer } from '../support/app-server';
import { ACCOUNTS, signIn } from './helpers';

let server: AppServer;

beforeAll(async () => {
	server = await createAppServer();
	await server.start();
});

afterAll(() => server?.dispose());

describe('durability', () => {
	it('keeps every acknowledged edit after kill -9 during a burst', async () => {
		const cookie = await signIn({ baseUrl: server.url }, ACCOUNTS.alpha);
		const acknowledged: string[] = [];
		let failed = 0;
		let killed = false;

		const edit = async (index: number) => {
			const editId = `burst-${index}`;
			try {
				const response = await fetch(`${server.url}/api/creators/c1`, {
					method: 'PATCH',
					headers: {
						'content-type': 'application/json',
						cookie,
						'idempotency-key': editId,
						'if-match': '*'
					},
					body: JSON.stringify({ bio: `burst ${index}`, editId })
				});
				if (response.status === 200) acknowledged.push(editId);
				else failed += 1;
			} catch {
				failed += 1;
			}
			if (!killed && acknowledged.length >= 150) {
				killed = true;
				await server.stop('SIGKILL');
			}
		};

		// Ten writers at a time, so writes are in flight at the moment of the kill.
		const queue = Array.from({ length: 400 }, (_, index) => index);
		await Promise.all(
			Array.from({ length: 10 }, async () => {
				for (let next = queue.shift(); next !== undefined; next = queue.shift()) await edit(next);
			})
		);
		expect(killed).toBe(true);

		await server.start();
		const db = new Database(server.databasePath, { readonly: true });
		const integrity = db.pragma('integrity_check', { simple: true });
		const stored = db
			.prepare(`select data from events where type = 'creator_updated' and creator_id = 'c1'`)
			.all()
			.map((row) => (JSON.parse((row as { data: string }).data) as { editId?: string }).editId);
		const { version } = db.prepare(`select version from creators where id = 'c1'`).get() as {
			version: number;
		};
		db.close();

		const storedSet = new Set(stored);
		const missing = acknowledged.filter((editId) => !storedSet.has(editId));
		console.log(
			`kill -9: ${acknowledged.length} acknowledged, ${failed} unanswered, ${stored.length} stored, ` +
				`${missing.length} acknowledged but missing, integrity_check=${integrity}`
		);
		expect(missing).toEqual([]);
		expect(storedSet.size).toBe(stored.length);
		expect(version).toBe(1 + stored.length);
		expect(integrity).toBe('ok');
	}, 60_000);
});
