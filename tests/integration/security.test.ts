/**
 * Every door of the server, each tried by a test that attempts to get in where it does not
 * belong. The README's security section lists each rule with the test named after it here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	ACCOUNTS,
	addCreators,
	api,
	guestCookie,
	isEvent,
	signIn,
	SocketClient,
	startServer,
	type TestServer
} from './helpers';
import { frame, openRaw, upgrade } from './raw-socket';

const PARTNER = 'https://app.example.com';

let server: TestServer;
let alpha: string;
let bravo: string;
let fan1: string;

beforeAll(async () => {
	server = await startServer({ ALLOWED_ORIGINS: PARTNER });
	[alpha, bravo, fan1] = await Promise.all([
		signIn(server, ACCOUNTS.alpha),
		signIn(server, ACCOUNTS.bravo),
		signIn(server, ACCOUNTS.fan1)
	]);
});

afterAll(() => server?.stop());

type Body = {
	message?: string;
	fieldErrors?: Record<string, string>;
	creator?: CreatorBody;
	user?: unknown;
	fault?: { status: number; remaining: number } | null;
	flashSale?: { id: number };
};
type CreatorBody = {
	nickname: string;
	bio: string;
	version: number;
	earningsCents?: number;
	activeFlashSale?: { discountPercent: number } | null;
};

const bodyOf = (response: { body: unknown }) => response.body as Body;

async function creator(id: string, cookie?: string): Promise<CreatorBody> {
	return bodyOf(await api(server, 'GET', `/api/creators/${id}`, { cookie })).creator!;
}

/** A JSON request with an Origin header, as a page on that origin would send it. */
async function fromOrigin(method: string, path: string, origin: string, body?: unknown) {
	const response = await fetch(`${server.baseUrl}${path}`, {
		method,
		headers: {
			origin,
			cookie: alpha,
			'content-type': 'application/json',
			...(method === 'PATCH' && { 'if-match': '*' })
		},
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	await response.arrayBuffer();
	return response;
}

type Sent = { status: number; headers: Headers; body: Body };

/**
 * A request sent byte for byte with the headers given, as a program (not a browser) sends
 * it: percent-escapes in the path stay as written, and a body may be any bytes.
 */
async function send(
	target: TestServer,
	method: string,
	path: string,
	options: {
		cookie?: string;
		headers?: Record<string, string>;
		body?: string | Uint8Array<ArrayBuffer>;
	} = {}
): Promise<Sent> {
	const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
	if (options.cookie) headers.cookie = options.cookie;
	if (options.body !== undefined) headers['content-type'] = 'application/json';

	const response = await fetch(`${target.baseUrl}${path}`, { method, headers, body: options.body });
	// Error pages are HTML; only a JSON answer has a body worth reading here.
	const text = await response.text();
	const isJson = response.headers.get('content-type')?.startsWith('application/json');
	return {
		status: response.status,
		headers: response.headers,
		body: isJson && text ? JSON.parse(text) : {}
	};
}

/** Whether an answer opened a session: a `cd_session` cookie with a value, not a deletion. */
function opensSession(response: { headers: Headers }): boolean {
	return response.headers
		.getSetCookie()
		.some((line) => /^cd_session=[^;]+/.test(line) && !/max-age=0/i.test(line));
}

describe('WebSocket', () => {
	it('refuses a foreign or look-alike origin with 403 and no 101', async () => {
		const own = new URL(server.baseUrl);
		const foreign = [
			'https://evil.example',
			`${PARTNER}.evil.com`,
			'https://app.example.evil.com',
			'http://app.example.com',
			'https://app.example.com:8443',
			`https://${own.host}`,
			`http://${own.hostname}:${Number(own.port) + 1}`,
			`http://localhost:${own.port}`,
			'null',
			'not a url'
		];

		for (const origin of foreign) {
			const { status } = await upgrade(server.baseUrl, { origin, cookie: alpha });
			expect({ origin, status }).toEqual({ origin, status: 403 });
		}
		expect((await upgrade(server.baseUrl, { origin: server.baseUrl, cookie: alpha })).status).toBe(
			101
		);
		expect((await upgrade(server.baseUrl, { origin: PARTNER, cookie: alpha })).status).toBe(101);
	});

	it('answers 401 to an upgrade without a session', async () => {
		expect((await upgrade(server.baseUrl, { origin: server.baseUrl })).status).toBe(401);
		expect((await upgrade(server.baseUrl, { cookie: 'cd_session=forged' })).status).toBe(401);
		expect((await upgrade(server.baseUrl, { cookie: await guestCookie(server) })).status).toBe(101);
	});

	it('lets an upgrade without Origin through only with a session, as a non-browser client', async () => {
		expect((await upgrade(server.baseUrl)).status).toBe(401);
		expect((await upgrade(server.baseUrl, { cookie: fan1 })).status).toBe(101);
	});

	it('closes a socket that sends a frame over 64 KiB with 1009', async () => {
		const client = await SocketClient.open(server, fan1);
		client.send({ type: 'ping', padding: 'x'.repeat(64 * 1024) });
		expect(await client.closed()).toBe(1009);
	});

	it('closes a socket that sends a binary frame with 1003', async () => {
		const client = await SocketClient.open(server, fan1);
		client.socket.send(Buffer.from('{"type":"ping"}'), { binary: true });
		expect(await client.closed()).toBe(1003);
	});

	it('answers unknown or invalid messages with an error frame and keeps the socket', async () => {
		const client = await SocketClient.open(server, fan1);
		const wrong = [
			'not json',
			'{"type":"subscribe"',
			'[]',
			'null',
			'{"type":"hello"}',
			'{"type":"subscribe"}',
			'{"type":"subscribe","creatorId":"../../etc"}',
			'{"type":"subscribe","creatorId":"nobody"}',
			'{"type":"resume","lastEventId":-1}',
			'{"type":"resume","lastEventId":"1e400"}'
		];
		for (const text of wrong) client.send(text);

		for (const text of wrong) {
			const reply = await client.next((frame) => frame.type !== 'pong');
			expect({ text, type: reply.type }).toEqual({ text, type: 'error' });
		}
		await client.settle();
		expect(client.closeCode).toBeNull();
		client.close();
	});

	it('throttles a socket that floods past its burst, then closes it with 1008', async () => {
		const client = await SocketClient.open(server, fan1);
		for (let i = 0; i < 1000; i++) client.send({ type: 'ping' });

		expect(await client.closed()).toBe(1008);
		const pongs = client.frames.filter((frame) => frame.type === 'pong').length;
		// At most the default burst of 250, plus what 30 a second refill while the flood arrives.
		expect(pongs).toBeLessThan(300);
		expect(client.frames).toContainEqual(expect.objectContaining({ code: 'rate_limited' }));
	});

	it('lets a page subscribe to 80 creators at once and hears events for the 80th', async () => {
		const ids = addCreators(server, 80, 'followed');
		const client = await SocketClient.open(server, fan1);
		for (const id of ids) client.send({ type: 'subscribe', creatorId: id });

		for (const id of ids) {
			await client.next((frame) => frame.type === 'subscribed' && frame.creatorId === id);
		}
		const last = ids.at(-1)!;
		expect(
			(await api(server, 'POST', `/api/creators/${last}/subscriptions`, { cookie: fan1 })).status
		).toBe(201);
		await client.next(isEvent('new_subscription', last));
		expect(client.frames.filter((frame) => frame.type === 'error')).toEqual([]);
		expect(client.closeCode).toBeNull();
		client.close();
	});

	it('survives every malformed frame: each closes only its own socket', async () => {
		const bad = [
			{ name: 'invalid UTF-8', bytes: frame(0x1, Buffer.from([0xff, 0xfe])), code: 1007 },
			{ name: 'unmasked', bytes: frame(0x1, Buffer.from('{}'), { masked: false }), code: 1002 },
			{ name: 'reserved opcode', bytes: frame(0x3, Buffer.from('x')), code: 1002 },
			{
				name: 'RSV1 without compression',
				bytes: frame(0x1, Buffer.from('{}'), { rsv1: true }),
				code: 1002
			},
			{ name: 'oversize ping', bytes: frame(0x9, Buffer.alloc(200)), code: 1002 },
			{ name: 'bad close code', bytes: frame(0x8, Buffer.from([0x03, 0xe7])), code: 1002 }
		];
		const bystander = await SocketClient.open(server, fan1);

		for (const { name, bytes, code } of bad) {
			const raw = await openRaw(server.baseUrl, fan1);
			raw.socket.write(bytes);
			expect({ name, code: await raw.closeCode() }).toEqual({ name, code });
			raw.socket.destroy();
		}

		await bystander.settle();
		expect((await api(server, 'GET', '/api/creators')).status).toBe(200);
		bystander.close();
	});

	it('closes the sockets of a session with 1008 when it signs out', async () => {
		const cookie = await signIn(server, ACCOUNTS.fan2);
		const mine = await SocketClient.open(server, cookie);
		const other = await SocketClient.open(server, fan1);

		expect((await api(server, 'DELETE', '/api/session', { cookie })).status).toBe(204);

		expect(await mine.closed()).toBe(1008);
		await other.settle();
		other.close();
	});

	it('never sends earnings_updated to a non-owner subscribed to another creator', async () => {
		const fan = await SocketClient.open(server, fan1);
		const owner = await SocketClient.open(server, alpha);
		const guest = await SocketClient.open(server);
		for (const socket of [fan, owner, guest]) await socket.subscribe('c1');

		const payer = await signIn(server, ACCOUNTS.fan3);
		expect(
			(await api(server, 'POST', '/api/creators/c1/subscriptions', { cookie: payer })).status
		).toBe(201);
		await owner.next(isEvent('earnings_updated', 'c1'));
		for (const socket of [fan, guest]) await socket.next(isEvent('new_subscription', 'c1'));

		// A resume replays the log; the check applies there too.
		for (const socket of [fan, guest]) {
			socket.send({ type: 'resume', lastEventId: 0 });
			await socket.settle();
			expect(socket.eventsFor('c1')).not.toContain('earnings_updated');
			socket.close();
		}
		owner.close();
	});

	it('negotiates no compression', async () => {
		const { status, headers } = await upgrade(server.baseUrl, {
			cookie: fan1,
			'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits'
		});
		expect(status).toBe(101);
		expect(headers['sec-websocket-extensions']).toBeUndefined();
	});
});

describe('HTTP API', () => {
	it('refuses JSON writes from a foreign origin with 403', async () => {
		const before = await creator('c1');
		for (const origin of ['https://evil.example', 'https://app.example.evil.com', 'null']) {
			const patch = await fromOrigin('PATCH', '/api/creators/c1', origin, { nickname: 'Pwned' });
			expect({ origin, status: patch.status }).toEqual({ origin, status: 403 });
			const signInAttempt = await fromOrigin('POST', '/api/session', origin, ACCOUNTS.alpha);
			expect(signInAttempt.status).toBe(403);
			expect(signInAttempt.headers.getSetCookie()).toEqual([]);
		}
		expect(await creator('c1')).toEqual(before);

		expect(
			(await fromOrigin('PATCH', '/api/creators/c1', server.baseUrl, { bio: 'own' })).status
		).toBe(200);
		expect(
			(await fromOrigin('PATCH', '/api/creators/c1', PARTNER, { bio: 'partner' })).status
		).toBe(200);
	});

	it('sends no CORS headers to other origins', async () => {
		const origin = 'https://evil.example';
		const read = await fetch(`${server.baseUrl}/api/creators/c1`, {
			headers: { origin, cookie: alpha }
		});
		const preflight = await fetch(`${server.baseUrl}/api/creators/c1`, {
			method: 'OPTIONS',
			headers: {
				origin,
				'access-control-request-method': 'PATCH',
				'access-control-request-headers': 'content-type'
			}
		});

		for (const response of [read, preflight]) {
			const cors = [...response.headers.keys()].filter((name) => name.startsWith('access-control'));
			expect(cors).toEqual([]);
		}
	});

	it('refuses writes to another creator’s data and emits no event', async () => {
		const watcher = await SocketClient.open(server, bravo);
		await watcher.subscribe('c2');
		const before = await creator('c2', bravo);

		const attempts = [
			await api(server, 'PATCH', '/api/creators/c2', {
				ifMatch: '*',
				cookie: alpha,
				body: { nickname: 'Mine' }
			}),
			await api(server, 'POST', '/api/creators/c2/flash-sales', {
				cookie: alpha,
				body: { discountPercent: 50, durationSeconds: 60 }
			}),
			await api(server, 'DELETE', '/api/creators/c2/flash-sales/1', { cookie: alpha }),
			await api(server, 'PATCH', '/api/creators/c2', {
				ifMatch: '*',
				cookie: fan1,
				body: { bio: 'Mine' }
			})
		];
		expect(attempts.map((response) => response.status)).toEqual([403, 403, 403, 403]);
		expect(await creator('c2', bravo)).toEqual(before);

		// The owner's own edit is the first event c2 has sent since: the refusals sent none.
		await api(server, 'PATCH', '/api/creators/c2', {
			ifMatch: '*',
			cookie: bravo,
			body: { bio: 'owner' }
		});
		const first = await watcher.next((frame) => frame.type === 'event');
		expect(first).toMatchObject({ event: 'creator_updated', data: { creator: { bio: 'owner' } } });
		watcher.close();
	});

	it('rejects fields a user may not set', async () => {
		const before = await creator('c1', alpha);
		const forbidden = {
			earningsCents: 1_000_000,
			id: 'c9',
			userId: 2,
			owner: 'fan1@creatordata.test',
			version: 1000,
			subscriberCount: 1000,
			subscriptionPriceCents: 0,
			updatedAt: '2000-01-01T00:00:00.000Z'
		};

		for (const [field, value] of Object.entries(forbidden)) {
			const response = await api(server, 'PATCH', '/api/creators/c1', {
				ifMatch: '*',
				cookie: alpha,
				body: { nickname: 'Alpha', [field]: value }
			});
			expect({ field, status: response.status }).toEqual({ field, status: 422 });
			expect(bodyOf(response).fieldErrors).toHaveProperty(field);
		}
		expect(await creator('c1', alpha)).toEqual(before);
	});

	it('takes the creator id from the path and the session, never from the body', async () => {
		const c2 = await creator('c2');
		const patch = await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { creatorId: 'c2', nickname: 'Moved' }
		});
		const sale = await api(server, 'POST', '/api/creators/c1/flash-sales', {
			cookie: alpha,
			body: { creatorId: 'c2', discountPercent: 10, durationSeconds: 60 }
		});

		expect(patch.status).toBe(422);
		expect(bodyOf(patch).fieldErrors).toHaveProperty('creatorId');
		expect(sale.status).toBe(422);
		expect(await creator('c2')).toEqual(c2);
	});

	it('issues a new session id at sign-in and ends the guest session it replaces', async () => {
		const guest = await guestCookie(server);
		const response = await fetch(`${server.baseUrl}/api/session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: guest },
			body: JSON.stringify(ACCOUNTS.fan2)
		});
		const signedIn = response.headers.getSetCookie()[0].split(';')[0];
		const again = await signIn(server, ACCOUNTS.fan2);

		expect(response.status).toBe(200);
		expect(new Set([guest, signedIn, again]).size).toBe(3);
		expect((await upgrade(server.baseUrl, { cookie: guest })).status).toBe(401);
		expect((await upgrade(server.baseUrl, { cookie: signedIn })).status).toBe(101);
	});

	it('leaves the old session dead after sign-out', async () => {
		const cookie = await signIn(server, ACCOUNTS.fan2);
		await api(server, 'DELETE', '/api/session', { cookie });

		expect(bodyOf(await api(server, 'GET', '/api/session', { cookie })).user ?? null).toBeNull();
		expect((await api(server, 'POST', '/api/creators/c1/subscriptions', { cookie })).status).toBe(
			401
		);
		expect((await upgrade(server.baseUrl, { cookie })).status).toBe(401);
	});

	it('keeps earnings out of a public page and its __data.json', async () => {
		for (const cookie of [undefined, fan1, bravo]) {
			for (const path of ['/creators/c1', '/creators/c1/__data.json', '/', '/__data.json']) {
				const response = await fetch(`${server.baseUrl}${path}`, {
					headers: cookie ? { cookie } : {}
				});
				const text = await response.text();
				expect({ path, status: response.status }).toEqual({ path, status: 200 });
				expect({ path, leak: /earnings/i.test(text) }).toEqual({ path, leak: false });
			}
		}
	});

	it('keeps API answers out of the browser cache, so no later read gets an old or private copy', async () => {
		for (const [path, cookie] of [
			['/api/creators/c1', alpha],
			['/api/creators/c1', undefined],
			['/api/creators', undefined],
			['/api/session', alpha],
			['/dashboard', alpha],
			['/creators/c1/__data.json', alpha]
		] as const) {
			const response = await fetch(`${server.baseUrl}${path}`, {
				headers: cookie ? { cookie } : {}
			});
			expect({ path, cacheControl: response.headers.get('cache-control') }).toEqual({
				path,
				cacheControl: 'no-store'
			});
		}
	});

	it('answers 413 to a request body over the size limit', async () => {
		const big = JSON.stringify({ bio: 'x'.repeat(64 * 1024) });
		const declared = await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: big
		});

		const chunks = new ReadableStream({
			start(controller) {
				for (let i = 0; i < 8; i++)
					controller.enqueue(new TextEncoder().encode(big.slice(0, 8192)));
				controller.close();
			}
		});
		const chunked = await fetch(`${server.baseUrl}/api/creators/c1`, {
			method: 'PATCH',
			headers: { cookie: alpha, 'content-type': 'application/json' },
			body: chunks,
			duplex: 'half'
		} as RequestInit);

		expect(declared.status).toBe(413);
		expect(chunked.status).toBe(413);
	});

	it('lets only a signed-in user arm or clear the fault switch, for their own saves', async () => {
		const guest = await guestCookie(server);
		const faults = (method: string, cookie?: string) =>
			api(server, method, '/api/test/faults', {
				cookie,
				body: method === 'POST' ? { status: 503 } : undefined
			});

		expect((await faults('POST')).status).toBe(401);
		expect((await faults('POST', guest)).status).toBe(401);
		expect((await faults('POST', alpha)).status).toBe(200);
		expect((await faults('DELETE', guest)).status).toBe(401);
		expect(bodyOf(await faults('GET', bravo)).fault ?? null).toBeNull();

		const bravoSave = await api(server, 'PATCH', '/api/creators/c2', {
			ifMatch: '*',
			cookie: bravo,
			body: { bio: 'unaffected' }
		});
		expect(bravoSave.status).toBe(200);
		expect(bodyOf(await faults('GET', alpha)).fault).toEqual({ status: 503, remaining: 1 });
		expect((await faults('DELETE', alpha)).status).toBe(204);
	});

	it('spends the fault switch only on a save that passed sign-in and ownership checks', async () => {
		await api(server, 'POST', '/api/test/faults', { cookie: alpha, body: { status: 503 } });
		const refused = [
			await api(server, 'PATCH', '/api/creators/c1', { ifMatch: '*', body: { bio: 'anonymous' } }),
			await api(server, 'PATCH', '/api/creators/c1', {
				ifMatch: '*',
				cookie: await guestCookie(server),
				body: { bio: 'guest' }
			}),
			await api(server, 'PATCH', '/api/creators/c1', {
				ifMatch: '*',
				cookie: bravo,
				body: { bio: 'bravo' }
			}),
			await api(server, 'PATCH', '/api/creators/c1', {
				ifMatch: '*',
				cookie: alpha,
				body: { bio: '\u0000' }
			})
		];
		expect(refused.map((response) => response.status)).toEqual([401, 401, 403, 422]);

		const own = await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'faulted' }
		});
		expect(own.status).toBe(503);
		expect(
			bodyOf(await api(server, 'GET', '/api/test/faults', { cookie: alpha })).fault
		).toBeNull();
	});

	/** Saves alpha's profile with a raw JSON body; answers the status and the field messages. */
	async function saveProfile(json: string) {
		const response = await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: json
		});
		return { status: response.status, fieldErrors: bodyOf(response).fieldErrors ?? {} };
	}

	it('refuses a nickname that is empty once invisible characters are removed', async () => {
		const before = await creator('c1', alpha);
		for (const nickname of ['\u200B\u200B\u200B', ' \uFEFF\u2060 ', '\u3164', '\u00AD\u200D']) {
			const { status, fieldErrors } = await saveProfile(JSON.stringify({ nickname }));
			expect({ nickname, status }).toEqual({ nickname, status: 422 });
			expect(fieldErrors.nickname).toMatch(/empty or made only of invisible characters/);
		}
		expect(await creator('c1', alpha)).toEqual(before);
	});

	it('refuses bidi overrides and isolates in a nickname or bio', async () => {
		for (const field of ['nickname', 'bio']) {
			for (const control of ['\u202E', '\u202D', '\u2066', '\u2067', '\u2068']) {
				const { status, fieldErrors } = await saveProfile(
					JSON.stringify({ [field]: `evil${control}txt.exe` })
				);
				expect({ field, status }).toEqual({ field, status: 422 });
				expect(fieldErrors[field]).toMatch(/text-direction/);
			}
		}
	});

	it('refuses control characters, keeping line breaks and tabs in a bio only', async () => {
		for (const control of ['\u0000', '\u0008', '\u001B', '\u007F', '\u0085']) {
			for (const field of ['nickname', 'bio']) {
				const { status, fieldErrors } = await saveProfile(
					JSON.stringify({ [field]: `a${control}b` })
				);
				expect({ field, control, status }).toEqual({ field, control, status: 422 });
				expect(fieldErrors[field]).toMatch(/control characters/);
			}
		}
		expect((await saveProfile(JSON.stringify({ nickname: 'a\nb' }))).status).toBe(422);
		expect((await saveProfile(JSON.stringify({ bio: 'first\n\tsecond' }))).status).toBe(200);
		expect((await creator('c1', alpha)).bio).toBe('first\n\tsecond');
	});

	it('counts profile lengths in UTF-16 units, as the form’s maxlength does', async () => {
		const emoji = '\u{1F600}';
		const tooLong = await saveProfile(JSON.stringify({ nickname: emoji.repeat(40) }));
		const fits = await saveProfile(JSON.stringify({ nickname: emoji.repeat(20) }));

		expect(tooLong.status).toBe(422);
		expect(tooLong.fieldErrors.nickname).toMatch(/at most 40/);
		expect(fits.status).toBe(200);
		expect((await creator('c1', alpha)).nickname).toBe(emoji.repeat(20));
		expect((await saveProfile(JSON.stringify({ nickname: 'Alpha' }))).status).toBe(200);
	});

	it('refuses a lone surrogate instead of storing U+FFFD', async () => {
		const before = await creator('c1', alpha);
		// JSON.stringify would escape it the same way; written out to show what goes on the wire.
		for (const json of ['{"nickname":"a\\ud800b"}', '{"bio":"\\udc00"}']) {
			const { status, fieldErrors } = await saveProfile(json);
			expect({ json, status }).toEqual({ json, status: 422 });
			expect(Object.values(fieldErrors).join()).toMatch(/lone surrogate/);
		}
		expect(await creator('c1', alpha)).toEqual(before);
	});

	it('keeps API answers out of the cache and opens no guest session, however the API path is escaped', async () => {
		for (const path of ['/%61pi/creators', '/api/creator%73/c1', '/ap%69/session']) {
			const response = await send(server, 'GET', path);
			expect({ path, status: response.status }).toEqual({ path, status: 200 });
			expect({ path, cacheControl: response.headers.get('cache-control') }).toEqual({
				path,
				cacheControl: 'no-store'
			});
			expect({ path, opensSession: opensSession(response) }).toEqual({ path, opensSession: false });
		}
	});

	it('refuses an Idempotency-Key reused for a different profile edit, and replays the same edit', async () => {
		const keyed = (key: string, body: unknown) =>
			send(server, 'PATCH', '/api/creators/c1', {
				cookie: alpha,
				headers: { 'idempotency-key': key, 'if-match': '*' },
				body: JSON.stringify(body)
			});
		// Based on whatever is stored, unless the body names its version.
		const byEditId = (body: Record<string, unknown>) =>
			send(server, 'PATCH', '/api/creators/c1', {
				cookie: alpha,
				headers: 'baseVersion' in body ? {} : { 'if-match': '*' },
				body: JSON.stringify(body)
			});

		const first = await keyed('same-key', { nickname: 'Keyed' });
		const saved = await creator('c1', alpha);
		const changed = await keyed('same-key', { nickname: 'Other' });
		const padded = await keyed('same-key', { nickname: '  Keyed  ' });
		// Without the header the edit id is the key; it is refused for another edit the same way.
		const edit = await byEditId({ editId: 'edit-7', bio: 'By edit' });
		const editChanged = await byEditId({ editId: 'edit-7', bio: 'Changed' });
		const editRebased = await byEditId({ editId: 'edit-7', bio: 'By edit', baseVersion: 0 });
		const editAgain = await byEditId({ editId: 'edit-7', bio: 'By edit' });

		expect([first, edit].map((response) => response.status)).toEqual([200, 200]);
		for (const refused of [changed, editChanged, editRebased]) {
			expect(refused.status).toBe(422);
			expect(refused.body.message).toBe(
				'This Idempotency-Key was already used for a different request.'
			);
		}
		// The same edit, trimmed to the same nickname, is the same request: its first answer again.
		expect(padded).toMatchObject({ status: 200, body: first.body });
		expect(editAgain).toMatchObject({ status: 200, body: edit.body });
		expect(await creator('c1', alpha)).toMatchObject({
			nickname: 'Keyed',
			bio: 'By edit',
			version: saved.version + 1
		});
		await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { nickname: 'Alpha' }
		});
	});

	it('refuses an Idempotency-Key reused for a different flash sale or subscription', async () => {
		const sale = (discountPercent: number) =>
			send(server, 'POST', '/api/creators/c1/flash-sales', {
				cookie: alpha,
				headers: { 'idempotency-key': 'sale-key' },
				body: JSON.stringify({ discountPercent, durationSeconds: 600 })
			});
		const subscription = (creatorId: string) =>
			send(server, 'POST', `/api/creators/${creatorId}/subscriptions`, {
				cookie: fan1,
				headers: { 'idempotency-key': 'subscription-key' }
			});
		const c4 = await creator('c4');

		const started = await sale(20);
		const otherSale = await sale(50);
		const sameSale = await sale(20);
		const subscribed = await subscription('c3');
		const otherCreator = await subscription('c4');
		const sameSubscription = await subscription('c3');

		expect([started.status, subscribed.status]).toEqual([201, 201]);
		for (const refused of [otherSale, otherCreator]) {
			expect(refused.status).toBe(422);
			expect(refused.body.message).toBe(
				'This Idempotency-Key was already used for a different request.'
			);
		}
		expect(sameSale).toMatchObject({ status: 201, body: started.body });
		expect(sameSubscription).toMatchObject({ status: 201, body: subscribed.body });
		expect(await creator('c1')).toMatchObject({ activeFlashSale: { discountPercent: 20 } });
		expect(await creator('c4')).toEqual(c4);

		const { id } = started.body.flashSale as { id: number };
		await api(server, 'DELETE', `/api/creators/c1/flash-sales/${id}`, { cookie: alpha });
	});

	it('gives a field named after an Object.prototype member its own message', async () => {
		const before = await creator('c1', alpha);
		const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
		const fields = names.map((name) => `"${name}":{"polluted":true}`).join(',');
		const writes = [
			['PATCH', '/api/creators/c1', `{"nickname":"Alpha",${fields}}`],
			[
				'POST',
				'/api/creators/c1/flash-sales',
				`{"discountPercent":10,"durationSeconds":60,${fields}}`
			]
		];

		for (const [method, path, json] of writes) {
			const response = await send(server, method, path, { cookie: alpha, body: json });
			expect({ path, status: response.status }).toEqual({ path, status: 422 });
			const fieldErrors = response.body.fieldErrors ?? {};
			for (const name of names) {
				expect({ path, name, has: Object.hasOwn(fieldErrors, name) }).toEqual({
					path,
					name,
					has: true
				});
				expect(fieldErrors[name]).toBe('This field is not accepted.');
			}
		}
		for (const name of names) {
			const { status, fieldErrors } = await saveProfile(`{"bio":"x","${name}":1}`);
			expect({ name, status, message: fieldErrors[name] }).toEqual({
				name,
				status: 422,
				message: 'This field is not accepted.'
			});
		}
		expect(await creator('c1', alpha)).toEqual(before);
	});

	it('refuses line and paragraph separators, and a nickname made only of combining marks', async () => {
		const before = await creator('c1', alpha);
		const refused: [Record<string, string>, RegExp][] = [
			[{ nickname: 'one\u2028two' }, /line breaks/],
			[{ nickname: 'one\u2029two' }, /line breaks/],
			[{ bio: 'first\u2028second' }, /U\+2028/],
			[{ bio: 'first\u2029second' }, /U\+2028/],
			[{ nickname: '\u0300\u0301' }, /combining marks/],
			[{ nickname: '\u200B\u0301\u20DD' }, /combining marks/]
		];

		for (const [patch, message] of refused) {
			const [field] = Object.keys(patch);
			const { status, fieldErrors } = await saveProfile(JSON.stringify(patch));
			expect({ patch, status }).toEqual({ patch, status: 422 });
			expect(fieldErrors[field]).toMatch(message);
		}
		expect(await creator('c1', alpha)).toEqual(before);

		// A combining mark on a letter is ordinary text: "Amélie" with a decomposed é.
		expect((await saveProfile(JSON.stringify({ nickname: 'Ame\u0301lie' }))).status).toBe(200);
		expect((await saveProfile(JSON.stringify({ nickname: 'Alpha' }))).status).toBe(200);
	});

	it('refuses a request body that is not valid UTF-8 instead of storing U+FFFD', async () => {
		const before = await creator('c1', alpha);
		const bodies = [
			Buffer.from('{"bio":"\xff\xfe bad"}', 'latin1'),
			// A sequence cut short, an overlong slash and an encoded surrogate.
			Buffer.from('{"bio":"cut \xe2\x82"}', 'latin1'),
			Buffer.from('{"bio":"\xc0\xaf"}', 'latin1'),
			Buffer.from('{"bio":"\xed\xa0\x80"}', 'latin1')
		];

		for (const body of bodies) {
			const response = await send(server, 'PATCH', '/api/creators/c1', {
				cookie: alpha,
				body: new Uint8Array(body)
			});
			expect({ body: body.toString('hex'), status: response.status }).toEqual({
				body: body.toString('hex'),
				status: 400
			});
			expect(response.body.message).toBe('The request body is not valid UTF-8.');
		}
		expect(await creator('c1', alpha)).toEqual(before);
	});

	it('spends the fault switch only on a save whose If-Match, Idempotency-Key and body pass their checks', async () => {
		const save = (headers: Record<string, string>, body: string | Uint8Array<ArrayBuffer>) =>
			send(server, 'PATCH', '/api/creators/c1', { cookie: alpha, headers, body });
		const keyed = { 'idempotency-key': 'before-the-fault', 'if-match': '*' };
		expect((await save(keyed, '{"bio":"keyed"}')).status).toBe(200);
		const before = await creator('c1', alpha);
		await api(server, 'POST', '/api/test/faults', { cookie: alpha, body: { status: 503 } });

		const refused = [
			await save({ 'if-match': 'garbage' }, '{"bio":"x"}'),
			await save({ 'idempotency-key': 'k'.repeat(101) }, '{"bio":"x"}'),
			await save(keyed, '{"bio":"another edit"}'),
			await save({ 'if-match': `"${before.version - 1}"` }, '{"bio":"stale"}'),
			await save({}, new Uint8Array(Buffer.from('{"bio":"\xff"}', 'latin1'))),
			await save({}, '{"bio":')
		];
		// A repeat of the save already made is answered from the store: it is not a save.
		const replayed = await save(keyed, '{"bio":"keyed"}');

		expect(refused.map((response) => response.status)).toEqual([400, 422, 422, 409, 400, 400]);
		expect(replayed.status).toBe(200);
		expect(bodyOf(await api(server, 'GET', '/api/test/faults', { cookie: alpha })).fault).toEqual({
			status: 503,
			remaining: 1
		});

		expect((await save({ 'if-match': `"${before.version}"` }, '{"bio":"faulted"}')).status).toBe(
			503
		);
		expect(
			bodyOf(await api(server, 'GET', '/api/test/faults', { cookie: alpha })).fault
		).toBeNull();
		expect(await creator('c1', alpha)).toEqual(before);
	});

	it('sends a Content-Security-Policy without unsafe-inline scripts', async () => {
		for (const path of ['/', '/creators/c1', '/test/creator-data-v2', '/login']) {
			const response = await fetch(`${server.baseUrl}${path}`);
			const html = await response.text();
			const policy = response.headers.get('content-security-policy') ?? '';
			const scriptSrc =
				policy.split(';').find((part) => part.trim().startsWith('script-src')) ?? '';

			expect(scriptSrc).toMatch(/script-src/);
			expect(scriptSrc).not.toContain('unsafe-inline');
			expect(scriptSrc).not.toContain('unsafe-eval');
			expect(policy).toContain("object-src 'none'");
			expect(policy).toContain("frame-ancestors 'none'");
			// Every inline script the page runs is allowed by its nonce; JSON data blocks never run.
			const nonce = /'nonce-([^']+)'/.exec(scriptSrc)?.[1];
			const inline = html.match(/<script(?![^>]*\b(?:src=|type="application\/json"))[^>]*>/g);
			expect(inline?.length).toBeGreaterThan(0);
			for (const tag of inline ?? []) {
				expect(tag).toContain(`nonce="${nonce}"`);
			}
		}
	});
});

describe('limits', () => {
	let tight: TestServer;

	beforeAll(async () => {
		tight = await startServer({
			RATE_LIMIT_SIGN_IN: '3/60',
			RATE_LIMIT_WRITES: '5/60',
			WS_MAX_SOCKETS_PER_USER: '3'
		});
	});

	afterAll(() => tight?.stop());

	it('rate limits sign-in with 429 and Retry-After', async () => {
		const attempts = [];
		for (let i = 0; i < 4; i++) {
			attempts.push(
				await api(tight, 'POST', '/api/session', {
					body: { email: ACCOUNTS.alpha.email, password: `guess-${i}` }
				})
			);
		}

		expect(attempts.map((response) => response.status)).toEqual([401, 401, 401, 429]);
		const retryAfter = Number(attempts[3].headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(60);
	});

	it('rate limits writes with 429 and Retry-After', async () => {
		const cookie = await guestCookie(tight);
		const statuses = [];
		for (let i = 0; i < 6; i++) {
			statuses.push(
				(
					await api(tight, 'PATCH', '/api/creators/c1', {
						ifMatch: '*',
						cookie,
						body: { bio: 'x' }
					})
				).status
			);
		}
		const limited = await api(tight, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie,
			body: { bio: 'x' }
		});

		expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
	});

	it('caps the open sockets of one user', async () => {
		const cookie = await guestCookie(tight);
		const open = [];
		for (let i = 0; i < 3; i++) open.push(await SocketClient.open(tight, cookie));

		expect((await upgrade(tight.baseUrl, { cookie })).status).toBe(429);
		expect((await upgrade(tight.baseUrl, { cookie: await guestCookie(tight) })).status).toBe(101);

		open[0].close();
		await open[0].closed();
		await new Promise((wait) => setTimeout(wait, 50));
		expect((await upgrade(tight.baseUrl, { cookie })).status).toBe(101);
		for (const socket of open) socket.close();
	});
});

describe('socket frame limits', () => {
	let strict: TestServer;

	beforeAll(async () => {
		strict = await startServer({
			WS_MAX_FRAMES_PER_SECOND: '2',
			WS_FRAME_BURST: '12',
			WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '2'
		});
	});

	afterAll(() => strict?.stop());

	it('refuses a subscription past the per-socket cap with a too_many_subscriptions error', async () => {
		const client = await SocketClient.open(strict);
		await client.subscribe('c1');
		await client.subscribe('c2');
		client.send({ type: 'subscribe', creatorId: 'c3' });

		const refused = await client.next((frame) => frame.type === 'error');
		expect(refused).toMatchObject({ code: 'too_many_subscriptions', creatorId: 'c3' });
		expect(refused.type === 'error' && refused.message).toMatch(/at most 2 creators/);

		client.send({ type: 'unsubscribe', creatorId: 'c1' });
		await client.subscribe('c3');
		client.close();
	});

	it('names each subscribe refused for the rate in its own error', async () => {
		const client = await SocketClient.open(strict);
		for (let i = 0; i < 12; i++) client.send({ type: 'ping' });
		client.send({ type: 'subscribe', creatorId: 'c1' });
		client.send({ type: 'subscribe', creatorId: 'c2' });

		for (const creatorId of ['c1', 'c2']) {
			const refused = await client.next(
				(frame) => frame.type === 'error' && frame.creatorId === creatorId
			);
			expect(refused).toMatchObject({ code: 'rate_limited' });
		}
		expect(client.frames.filter((frame) => frame.type === 'subscribed')).toEqual([]);
		client.close();
	});

	it('logs one warning for a flooding socket, not one per frame', async () => {
		const floods = () => strict.output().split('closing a socket that floods').length - 1;
		const before = floods();
		const client = await SocketClient.open(strict);
		for (let i = 0; i < 1000; i++) client.send({ type: 'ping' });

		expect(await client.closed()).toBe(1008);
		await new Promise((wait) => setTimeout(wait, 200));
		expect(floods() - before).toBe(1);
	});
});

describe('sockets per address', () => {
	let shared: TestServer;

	beforeAll(async () => {
		shared = await startServer({ WS_MAX_SOCKETS_PER_USER: '3', WS_MAX_SOCKETS_PER_ADDRESS: '4' });
	});

	afterAll(() => shared?.stop());

	it('caps the open sockets of one address, whatever sessions they carry', async () => {
		const [first, second] = [await guestCookie(shared), await guestCookie(shared)];
		const open = [];
		for (let i = 0; i < 3; i++) open.push(await SocketClient.open(shared, first));
		open.push(await SocketClient.open(shared, second));

		expect((await upgrade(shared.baseUrl, { cookie: await guestCookie(shared) })).status).toBe(429);
		const signedIn = await signIn(shared, ACCOUNTS.fan1);
		expect((await upgrade(shared.baseUrl, { cookie: signedIn })).status).toBe(429);

		open[0].close();
		await open[0].closed();
		await new Promise((wait) => setTimeout(wait, 50));
		expect((await upgrade(shared.baseUrl, { cookie: await guestCookie(shared) })).status).toBe(101);
		for (const socket of open) socket.close();
	});
});

describe('guest sessions', () => {
	let guarded: TestServer;

	beforeAll(async () => {
		guarded = await startServer({ RATE_LIMIT_GUEST_SESSIONS: '3/60' });
	});

	afterAll(() => guarded?.stop());

	it('limits how many guest sessions one address can open', async () => {
		const issued = [];
		for (let i = 0; i < 5; i++) {
			const response = await fetch(`${guarded.baseUrl}/`);
			await response.arrayBuffer();
			issued.push(response.status === 200 && response.headers.getSetCookie().length > 0);
		}

		expect(issued).toEqual([true, true, true, false, false]);
	});
});

describe('sessions under https', () => {
	let secure: TestServer;

	beforeAll(async () => {
		// ORIGIN tells the server it is reached over https (behind a TLS-terminating proxy).
		secure = await startServer({
			ORIGIN: 'https://creatordata.test',
			SESSION_MAX_AGE_SECONDS: '2'
		});
	});

	afterAll(() => secure?.stop());

	it('sets the session cookie httpOnly, SameSite=Lax and Secure under https', async () => {
		const response = await fetch(`${secure.baseUrl}/api/session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(ACCOUNTS.alpha)
		});
		const page = await fetch(`${secure.baseUrl}/`);

		for (const cookie of [response.headers.getSetCookie()[0], page.headers.getSetCookie()[0]]) {
			expect(cookie).toMatch(/^cd_session=/);
			expect(cookie).toContain('HttpOnly');
			expect(cookie).toContain('SameSite=Lax');
			expect(cookie).toContain('Secure');
		}
	});

	it('closes the sockets of a session with 1008 when it expires', async () => {
		const cookie = await signIn(secure, ACCOUNTS.fan1);
		const client = await SocketClient.open(secure, cookie);

		expect(await client.closed(4000)).toBe(1008);
		expect((await upgrade(secure.baseUrl, { cookie })).status).toBe(401);
	});
});

describe('without ORIGIN configured', () => {
	let plain: TestServer;

	beforeAll(async () => {
		plain = await startServer({ ORIGIN: '' });
	});

	afterAll(() => plain?.stop());

	it('treats the plain-HTTP host the server answers on as its own origin, and no other', async () => {
		const write = (origin: string) =>
			fetch(`${plain.baseUrl}/api/session`, {
				method: 'POST',
				headers: { origin, 'content-type': 'application/json' },
				body: JSON.stringify(ACCOUNTS.fan1)
			});

		expect((await write(plain.baseUrl)).status).toBe(200);
		expect((await write(plain.baseUrl.replace('http:', 'https:'))).status).toBe(403);
		expect((await upgrade(plain.baseUrl, { origin: plain.baseUrl, cookie: fan1 })).status).toBe(
			401
		);
		const cookie = await signIn(plain, ACCOUNTS.fan1);
		expect((await upgrade(plain.baseUrl, { origin: plain.baseUrl, cookie })).status).toBe(101);
		expect(
			(await upgrade(plain.baseUrl, { origin: plain.baseUrl.replace('http:', 'https:'), cookie }))
				.status
		).toBe(403);
	});

	it('sets the session cookie without Secure on plain HTTP, so any host can sign in', async () => {
		const response = await fetch(`${plain.baseUrl}/api/session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(ACCOUNTS.fan1)
		});
		const page = await fetch(`${plain.baseUrl}/`);

		for (const cookie of [response.headers.getSetCookie()[0], page.headers.getSetCookie()[0]]) {
			expect(cookie).toMatch(/^cd_session=/);
			expect(cookie).toContain('HttpOnly');
			expect(cookie).not.toContain('Secure');
		}
	});
});

describe('sign-in limit', () => {
	let tight: TestServer;

	beforeAll(async () => {
		tight = await startServer({ RATE_LIMIT_SIGN_IN: '3/60' });
	});

	afterAll(() => tight?.stop());

	it('rate limits sign-in however its path is percent-encoded', async () => {
		const paths = ['/api/%73ession', '/api/sessio%6E', '/%61pi/session', '/api/session'];
		const statuses = [];
		for (const path of paths) {
			const attempt = await send(tight, 'POST', path, {
				body: JSON.stringify({ email: ACCOUNTS.alpha.email, password: `guess-${path}` })
			});
			statuses.push(attempt.status);
		}

		// A 401 shows each escaped path reached the sign-in route, and counted against its limit.
		expect(statuses).toEqual([401, 401, 401, 429]);
	});
});

describe('guest sessions from sign-out', () => {
	let guarded: TestServer;

	beforeAll(async () => {
		guarded = await startServer({ RATE_LIMIT_GUEST_SESSIONS: '3/60' });
	});

	afterAll(() => guarded?.stop());

	it('limits the guest sessions sign-out opens for one address, and still signs out past it', async () => {
		const signedIn = await signIn(guarded, ACCOUNTS.fan1);
		const anonymous = [];
		for (let i = 0; i < 5; i++) anonymous.push(await send(guarded, 'DELETE', '/api/session'));
		const signOut = await send(guarded, 'DELETE', '/api/session', { cookie: signedIn });

		expect(anonymous.map((response) => response.status)).toEqual([204, 204, 204, 204, 204]);
		expect(anonymous.map(opensSession)).toEqual([true, true, true, false, false]);
		expect(signOut.status).toBe(204);
		expect(opensSession(signOut)).toBe(false);
		expect((await send(guarded, 'GET', '/api/session', { cookie: signedIn })).body.user).toBeNull();
	});
});

describe('logging', () => {
	let verbose: TestServer;

	beforeAll(async () => {
		verbose = await startServer({ LOG_LEVEL: 'debug' });
	});

	afterAll(() => verbose?.stop());

	it('logs a malformed address at debug level without a stack, never as an error', async () => {
		const path = '/api/creators/%E0%A4%A';
		for (let i = 0; i < 3; i++) {
			// The answer is the error page, whatever the request accepts: the router never ran.
			const response = await fetch(`${verbose.baseUrl}${path}`);
			expect(response.status).toBe(400);
			expect(await response.text()).not.toMatch(/on our side/);
		}

		const lines = verbose
			.output()
			.split('\n')
			.filter((line) => line.includes('%E0%A4%A'))
			.map((line) => JSON.parse(line) as { level: number; err?: unknown; stack?: unknown });
		expect(lines).toHaveLength(3);
		for (const line of lines) {
			// pino's levels: 20 debug, 30 info, 40 warn, 50 error.
			expect(line.level).toBeLessThanOrEqual(30);
			expect(JSON.stringify(line)).not.toMatch(/stack|at \S+ \(/);
		}
	});
});
