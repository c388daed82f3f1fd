import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, api, signIn, SocketClient, startServer, type TestServer } from './helpers';

type Body = Record<string, unknown> & {
	message?: string;
	fieldErrors?: Record<string, string>;
	creator?: Record<string, unknown>;
	creators?: Array<Record<string, unknown>>;
	user?: Record<string, unknown> | null;
	flashSale?: Record<string, unknown>;
};
const bodyOf = (response: { body: unknown }) => response.body as Body;

let server: TestServer;
let alpha: string;
let bravo: string;
let fan1: string;
let fan2: string;

beforeAll(async () => {
	server = await startServer();
	[alpha, bravo, fan1, fan2] = await Promise.all([
		signIn(server, ACCOUNTS.alpha),
		signIn(server, ACCOUNTS.bravo),
		signIn(server, ACCOUNTS.fan1),
		signIn(server, ACCOUNTS.fan2)
	]);
});

afterAll(() => server?.stop());

describe('session', () => {
	it('signs in every demo account the README lists, as the role it names', async () => {
		const readme = readFileSync('README.md', 'utf8');
		const rows = [
			...readme.matchAll(/^\| `([^`]+@creatordata\.test)`.*?\| `([^`]+)` +\| ([^|]+?) +\|$/gm)
		];
		expect(rows.length).toBeGreaterThanOrEqual(5);

		for (const [, email, password, role] of rows) {
			const response = await fetch(`${server.baseUrl}/api/session`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ email, password })
			});
			const { user } = (await response.json()) as { user: { creatorId: string | null } };
			const creatorId = /creator `(c\d+)`/.exec(role as string)?.[1] ?? null;
			expect({ email, status: response.status, creatorId: user.creatorId }).toEqual({
				email,
				status: 200,
				creatorId
			});
		}
	});

	it('signs in with a cookie that is httpOnly, SameSite=Lax and lasts 30 days', async () => {
		const response = await fetch(`${server.baseUrl}/api/session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(ACCOUNTS.alpha)
		});
		const cookie = response.headers.getSetCookie()[0];

		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({
			user: {
				id: expect.any(Number),
				email: 'alpha@creatordata.test',
				displayName: expect.any(String),
				creatorId: 'c1'
			}
		});
		expect(cookie).toMatch(/^cd_session=[\w-]{43};/);
		expect(cookie).toContain('HttpOnly');
		expect(cookie).toContain('SameSite=Lax');
		expect(cookie).toContain('Path=/');
		expect(cookie).toContain('Max-Age=2592000');
		expect(cookie).not.toContain('Secure');
	});

	it('answers 400 with a message per field when the input is invalid', async () => {
		const response = await api(server, 'POST', '/api/session', {
			body: { email: 'not-an-email', password: '' }
		});

		expect(response.status).toBe(400);
		expect(Object.keys(bodyOf(response).fieldErrors ?? {}).sort()).toEqual(['email', 'password']);
	});

	it('answers 400 when the body is not JSON', async () => {
		const response = await api(server, 'POST', '/api/session', { body: '{"email":' });
		expect(response.status).toBe(400);
		expect(bodyOf(response).message).toMatch(/JSON/);
	});

	it('answers 401 for a wrong password and for an unknown email alike', async () => {
		const wrong = await api(server, 'POST', '/api/session', {
			body: { email: ACCOUNTS.alpha.email, password: 'nope' }
		});
		const unknown = await api(server, 'POST', '/api/session', {
			body: { email: 'nobody@creatordata.test', password: 'nope' }
		});

		expect(wrong.status).toBe(401);
		expect(unknown.status).toBe(401);
		expect(bodyOf(wrong).message).toBe(bodyOf(unknown).message);
	});

	it('tells who is signed in, and null for nobody', async () => {
		expect(bodyOf(await api(server, 'GET', '/api/session', { cookie: fan1 })).user).toMatchObject({
			email: 'fan1@creatordata.test',
			creatorId: null
		});
		expect(bodyOf(await api(server, 'GET', '/api/session')).user).toBeNull();
	});

	it('signs out with 204, forgets the session, closes its sockets with 1008 and hands out a guest session', async () => {
		const cookie = await signIn(server, ACCOUNTS.fan3);
		const socket = await SocketClient.open(server, cookie);
		const other = await SocketClient.open(server, fan1);

		const response = await api(server, 'DELETE', '/api/session', { cookie });

		expect(response.status).toBe(204);
		const guest = response.headers.get('set-cookie')?.match(/^cd_session=([\w-]+);/)?.[1];
		expect(guest).toBeDefined();
		expect(cookie).not.toContain(guest);
		expect(await socket.closed()).toBe(1008);
		expect(bodyOf(await api(server, 'GET', '/api/session', { cookie })).user).toBeNull();
		await other.settle();
		other.close();
	});
});

describe('creators', () => {
	it('lists creators without anyone’s earnings', async () => {
		const response = await api(server, 'GET', '/api/creators', { cookie: alpha });
		const creators = bodyOf(response).creators ?? [];

		expect(response.status).toBe(200);
		expect(creators.map((creator) => creator.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
		expect(creators.every((creator) => !('earningsCents' in creator))).toBe(true);
		expect(creators[1].activeFlashSale).toMatchObject({ creatorId: 'c2', discountPercent: 25 });
	});

	it('lists creators with the log position the list reflects, so a page follows on from it', async () => {
		const before = bodyOf(await api(server, 'GET', '/api/creators')) as { eventId?: number };
		const saved = await api(server, 'PATCH', '/api/creators/c2', {
			ifMatch: '*',
			cookie: bravo,
			body: { bio: 'listed after this' }
		});
		const after = bodyOf(await api(server, 'GET', '/api/creators')) as {
			eventId?: number;
			creators?: { id: string; bio: string }[];
		};

		expect(saved.status).toBe(200);
		expect(typeof before.eventId).toBe('number');
		expect(after.eventId).toBe((bodyOf(saved) as { eventId: number }).eventId);
		expect(after.eventId).toBeGreaterThan(before.eventId as number);
		expect(after.creators?.find((creator) => creator.id === 'c2')?.bio).toBe('listed after this');
	});

	it('shows earnings to the owner only', async () => {
		const own = await api(server, 'GET', '/api/creators/c1', { cookie: alpha });
		const other = await api(server, 'GET', '/api/creators/c1', { cookie: bravo });
		const anonymous = await api(server, 'GET', '/api/creators/c1');

		expect(own.status).toBe(200);
		expect(bodyOf(own).creator).toMatchObject({ id: 'c1', nickname: 'Alpha', bio: 'x' });
		expect(bodyOf(own).creator?.earningsCents).toEqual(expect.any(Number));
		expect(bodyOf(other).creator).not.toHaveProperty('earningsCents');
		expect(bodyOf(anonymous).creator).not.toHaveProperty('earningsCents');
	});

	it('answers 404 for an unknown creator', async () => {
		const response = await api(server, 'GET', '/api/creators/c999');
		expect(response.status).toBe(404);
		expect(bodyOf(response).message).toEqual(expect.any(String));
	});
});

describe('PATCH /api/creators/[id]', () => {
	const patch = (cookie: string | undefined, body: unknown, id = 'c4') =>
		api(server, 'PATCH', `/api/creators/${id}`, { ifMatch: '*', cookie, body });

	it('answers 401 when signed out', async () => {
		expect((await patch(undefined, { nickname: 'Hi' })).status).toBe(401);
	});

	it('answers 404 for an unknown id before checking ownership', async () => {
		expect((await patch(fan1, { nickname: 'Hi' }, 'c999')).status).toBe(404);
	});

	it('answers 403 to someone who does not own the creator', async () => {
		expect((await patch(bravo, { nickname: 'Hi' }, 'c1')).status).toBe(403);
	});

	it('answers 400 for malformed JSON', async () => {
		expect((await patch(alpha, '{nickname', 'c1')).status).toBe(400);
	});

	it.each([
		[{ nickname: '' }, 'nickname'],
		[{ nickname: '   ' }, 'nickname'],
		[{ nickname: 'n'.repeat(41) }, 'nickname'],
		[{ bio: 'b'.repeat(501) }, 'bio'],
		[{ nickname: 42 }, 'nickname'],
		[{ bio: null }, 'bio'],
		[{ nickname: 'Ok', role: 'admin' }, 'role'],
		[{ nickname: 'Ok', editId: 7 }, 'editId']
	])('answers 422 with a field error for %j', async (body, field) => {
		const response = await patch(alpha, body, 'c1');

		expect(response.status).toBe(422);
		expect(bodyOf(response).fieldErrors?.[field]).toEqual(expect.any(String));
	});

	it('answers 422 when nothing is sent to change', async () => {
		const response = await patch(alpha, {}, 'c1');
		expect(response.status).toBe(422);
		expect(bodyOf(response).message).toMatch(/nickname or a bio/);
	});

	it('stores the edit, bumps the version and answers the owner view', async () => {
		const before = bodyOf(await api(server, 'GET', '/api/creators/c4')).creator;
		const delta = await signIn(server, {
			email: 'delta@creatordata.test',
			password: 'delta-demo-pass'
		});

		const response = await patch(delta, { nickname: '  Delta Prime ', bio: 'New', editId: 'e1' });
		const after = bodyOf(await api(server, 'GET', '/api/creators/c4')).creator;

		expect(response.status).toBe(200);
		expect(bodyOf(response).creator).toMatchObject({
			nickname: 'Delta Prime',
			bio: 'New',
			version: Number(before?.version) + 1,
			earningsCents: expect.any(Number)
		});
		expect(after).toMatchObject({ nickname: 'Delta Prime', version: Number(before?.version) + 1 });
	});
});

describe('fault switch', () => {
	const faults = (method: string, cookie?: string, body?: unknown) =>
		api(server, method, '/api/test/faults', { cookie, body });

	it('makes the next PATCH answer the chosen status and change nothing', async () => {
		const armed = await faults('POST', alpha, { status: 503 });
		expect(armed.status).toBe(200);
		expect(bodyOf(await faults('GET', alpha)).fault).toEqual({ status: 503, remaining: 1 });

		const failed = await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { nickname: 'Faulted' }
		});
		const unchanged = bodyOf(await api(server, 'GET', '/api/creators/c1')).creator;
		const next = await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'x' }
		});

		expect(failed.status).toBe(503);
		expect(bodyOf(failed).message).toEqual(expect.any(String));
		expect(unchanged?.nickname).not.toBe('Faulted');
		expect(next.status).toBe(200);
	});

	it('fails as many saves as its count, and DELETE disarms it', async () => {
		await faults('POST', alpha, { status: 500, count: 3 });
		const first = await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'x' }
		});

		expect(first.status).toBe(500);
		expect(bodyOf(await faults('GET', alpha)).fault).toEqual({ status: 500, remaining: 2 });
		expect((await faults('DELETE', alpha)).status).toBe(204);
		expect(bodyOf(await faults('GET', alpha)).fault).toBeNull();
	});

	it('answers 422 for a status or count out of range', async () => {
		const response = await faults('POST', alpha, { status: 200, count: 11 });

		expect(response.status).toBe(422);
		expect(Object.keys(bodyOf(response).fieldErrors ?? {}).sort()).toEqual(['count', 'status']);
	});
});

describe('subscriptions', () => {
	const path = '/api/creators/c3/subscriptions';

	it('subscribes a fan (201), raising the count and the owner’s earnings', async () => {
		const charlie = await signIn(server, {
			email: 'charlie@creatordata.test',
			password: 'charlie-demo-pass'
		});
		const before = bodyOf(
			await api(server, 'GET', '/api/creators/c3', { cookie: charlie })
		).creator;

		const response = await api(server, 'POST', path, { cookie: fan1 });
		const after = bodyOf(await api(server, 'GET', '/api/creators/c3', { cookie: charlie })).creator;

		expect(response.status).toBe(201);
		expect(bodyOf(response)).toMatchObject({
			subscription: { creatorId: 'c3', priceCents: 300 },
			creator: { subscriberCount: Number(before?.subscriberCount) + 1 }
		});
		expect(after?.earningsCents).toBe(Number(before?.earningsCents) + 300);
		expect(bodyOf(await api(server, 'GET', path, { cookie: fan1 })).subscribed).toBe(true);
	});

	it('answers 409 to a second subscription', async () => {
		expect((await api(server, 'POST', path, { cookie: fan1 })).status).toBe(409);
	});

	it('charges the flash sale price while one runs', async () => {
		const response = await api(server, 'POST', '/api/creators/c2/subscriptions', {
			cookie: fan2
		});
		expect(response.status).toBe(201);
		expect(bodyOf(response).subscription).toMatchObject({ priceCents: 600 });
	});

	it('answers 401 signed out, 403 to the owner and 404 for an unknown creator', async () => {
		expect((await api(server, 'POST', path)).status).toBe(401);
		expect(
			(await api(server, 'POST', '/api/creators/c1/subscriptions', { cookie: alpha })).status
		).toBe(403);
		expect(
			(await api(server, 'POST', '/api/creators/c999/subscriptions', { cookie: fan1 })).status
		).toBe(404);
	});

	it('cancels (200, count down) and answers 404 when there is nothing to cancel', async () => {
		const before = bodyOf(await api(server, 'GET', '/api/creators/c3')).creator;

		const response = await api(server, 'DELETE', path, { cookie: fan1 });
		const again = await api(server, 'DELETE', path, { cookie: fan1 });

		expect(response.status).toBe(200);
		expect(bodyOf(response).creator?.subscriberCount).toBe(Number(before?.subscriberCount) - 1);
		expect(again.status).toBe(404);
		expect((await api(server, 'DELETE', path)).status).toBe(401);
	});
});

describe('flash sales', () => {
	it('starts one for the owner (201) and refuses a second (409)', async () => {
		const response = await api(server, 'POST', '/api/creators/c1/flash-sales', {
			cookie: alpha,
			body: { discountPercent: 20, durationSeconds: 600 }
		});
		const second = await api(server, 'POST', '/api/creators/c1/flash-sales', {
			cookie: alpha,
			body: { discountPercent: 10, durationSeconds: 60 }
		});

		expect(response.status).toBe(201);
		expect(bodyOf(response).flashSale).toMatchObject({ creatorId: 'c1', discountPercent: 20 });
		expect(second.status).toBe(409);
	});

	it('ends one early for the owner, then 409 for ending it again', async () => {
		const { creator } = bodyOf(await api(server, 'GET', '/api/creators/c1'));
		const sale = creator?.activeFlashSale as { id: number };

		const ended = await api(server, 'DELETE', `/api/creators/c1/flash-sales/${sale.id}`, {
			cookie: alpha
		});
		const again = await api(server, 'DELETE', `/api/creators/c1/flash-sales/${sale.id}`, {
			cookie: alpha
		});

		expect(ended.status).toBe(200);
		expect(bodyOf(ended).creator?.activeFlashSale).toBeNull();
		expect(again.status).toBe(409);
	});

	it('answers 422 per field for out-of-range input', async () => {
		const response = await api(server, 'POST', '/api/creators/c1/flash-sales', {
			cookie: alpha,
			body: { discountPercent: 95, durationSeconds: 0 }
		});

		expect(response.status).toBe(422);
		expect(Object.keys(bodyOf(response).fieldErrors ?? {}).sort()).toEqual([
			'discountPercent',
			'durationSeconds'
		]);
	});

	it('answers 401, 403 and 404 where they apply', async () => {
		const body = { discountPercent: 10, durationSeconds: 60 };

		expect((await api(server, 'POST', '/api/creators/c1/flash-sales', { body })).status).toBe(401);
		expect(
			(await api(server, 'POST', '/api/creators/c1/flash-sales', { cookie: bravo, body })).status
		).toBe(403);
		expect(
			(await api(server, 'POST', '/api/creators/c999/flash-sales', { cookie: bravo, body })).status
		).toBe(404);
		expect(
			(await api(server, 'DELETE', '/api/creators/c2/flash-sales/99999', { cookie: bravo })).status
		).toBe(404);
		expect(
			(await api(server, 'DELETE', '/api/creators/c2/flash-sales/1', { cookie: alpha })).status
		).toBe(403);
	});
});

describe('fault switch when not enabled', () => {
	let production: TestServer;
	beforeAll(async () => {
		production = await startServer({ CREATORDATA_FAULTS: '0' });
	});
	afterAll(() => production?.stop());

	it('answers 404 to every method', async () => {
		for (const method of ['GET', 'POST', 'DELETE']) {
			const response = await api(production, method, '/api/test/faults', {
				body: method === 'POST' ? { status: 500 } : undefined
			});
			expect(response.status).toBe(404);
		}
	});

	it('tells the test page there is no switch with the page itself, so it asks nothing that 404s', async () => {
		for (const [target, available] of [
			[production, false],
			[server, true]
		] as const) {
			const response = await fetch(`${target.baseUrl}/test/creator-data-v2/__data.json`);
			expect(response.status).toBe(200);
			// SvelteKit's page data: each node's values flattened, the first naming the others' places.
			const { nodes } = (await response.json()) as { nodes: { data?: unknown[] }[] };
			const page = nodes.at(-1)?.data ?? [];
			const fields = page[0] as { faultsAvailable: number };
			expect(page[fields.faultsAvailable]).toBe(available);
		}
	});
});
