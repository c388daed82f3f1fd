/**
 * Gives integration tests a fresh built server (see ../support/app-server.ts) and small
 * HTTP and WebSocket clients for it. Run `npm run build` first.
 */
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import type { EventFrame, EventName, ServerFrame } from '../../src/lib/shared/protocol';
import { createAppServer } from '../support/app-server';

export const ACCOUNTS = {
	alpha: { email: 'alpha@creatordata.test', password: 'alpha-demo-pass' },
	bravo: { email: 'bravo@creatordata.test', password: 'bravo-demo-pass' },
	fan1: { email: 'fan1@creatordata.test', password: 'fan-demo-pass' },
	fan2: { email: 'fan2@creatordata.test', password: 'fan-demo-pass' },
	fan3: { email: 'fan3@creatordata.test', password: 'fan-demo-pass' }
} as const;

export type TestServer = {
	baseUrl: string;
	wsUrl: string;
	databasePath: string;
	/** Everything the server logged so far (pino JSON lines, warnings and up). */
	output(): string;
	stop(): Promise<void>;
};

/** A fresh built server with its own database, deleted again by `stop`. */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
	const server = await createAppServer({ env });
	await server.start();

	return {
		baseUrl: server.url,
		wsUrl: server.wsUrl,
		databasePath: server.databasePath,
		output: () => server.output(),
		stop: () => server.dispose()
	};
}

/**
 * Adds creators (each with an owner account nobody can sign in to) straight into a running
 * server's database, for pages that follow more creators than the seed has. The server reads
 * them on the next request; WAL lets both processes share the file.
 */
export function addCreators(server: TestServer, count: number, prefix = 'extra'): string[] {
	const db = new Database(server.databasePath);
	db.pragma('busy_timeout = 5000');
	const now = new Date().toISOString();
	const ids = Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}`);

	const addUser = db.prepare(
		'INSERT INTO users (email, password_hash, display_name, created_at) VALUES (?, ?, ?, ?)'
	);
	const addCreator = db.prepare(
		`INSERT INTO creators (id, user_id, nickname, bio, avatar_url, subscriber_count,
			earnings_cents, subscription_price_cents, updated_at)
		VALUES (?, ?, ?, '', '', 0, 0, 100, ?)`
	);
	db.transaction(() => {
		for (const id of ids) {
			const user = addUser.run(`${id}@creatordata.test`, 'no-sign-in', `Owner of ${id}`, now);
			addCreator.run(id, user.lastInsertRowid, id, now);
		}
	})();
	db.close();
	return ids;
}

/**
 * Appends `count` new_subscription events for a creator straight into a running server's log,
 * for tests that need a long history fast. They are never delivered live unless a later write
 * on that server flushes the log, so a test that writes afterwards gets them as live events.
 * Returns the new events' ids, oldest first.
 */
export function addEvents(server: TestServer, creatorId: string, count: number): number[] {
	const db = new Database(server.databasePath);
	db.pragma('busy_timeout = 5000');
	const append = db.prepare(
		'INSERT INTO events (creator_id, type, data, created_at) VALUES (?, ?, ?, ?)'
	);
	const now = new Date().toISOString();
	const ids = db.transaction(() =>
		Array.from({ length: count }, (_, index) => {
			const data = JSON.stringify({ subscriberCount: index + 1 });
			return Number(append.run(creatorId, 'new_subscription', data, now).lastInsertRowid);
		})
	)();
	db.close();
	return ids;
}

/** The newest event id in a running server's log, and how far retention has pruned it. */
export function eventLog(server: TestServer): { head: number; prunedThrough: number } {
	const db = new Database(server.databasePath, { readonly: true });
	const { head } = db.prepare('SELECT coalesce(max(id), 0) AS head FROM events').get() as {
		head: number;
	};
	const { pruned_through } = db.prepare('SELECT pruned_through FROM event_log_state').get() as {
		pruned_through: number;
	};
	db.close();
	return { head, prunedThrough: pruned_through };
}

export type ApiResponse = { status: number; body: unknown; headers: Headers };

/** A JSON request; `body` as a string is sent as is, so tests can send broken JSON. */
export async function api(
	server: TestServer,
	method: string,
	path: string,
	/** `ifMatch`: the version a profile edit is based on, or `*` to overwrite any version. */
	options: { cookie?: string; body?: unknown; ifMatch?: string } = {}
): Promise<ApiResponse> {
	const headers: Record<string, string> = { accept: 'application/json' };
	if (options.cookie) headers.cookie = options.cookie;
	if (options.ifMatch) headers['if-match'] = options.ifMatch;
	let body: string | undefined;
	if (options.body !== undefined) {
		headers['content-type'] = 'application/json';
		body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
	}

	const response = await fetch(`${server.baseUrl}${path}`, { method, headers, body });
	const text = await response.text();
	return {
		status: response.status,
		headers: response.headers,
		body: text ? JSON.parse(text) : null
	};
}

/** Signs in and returns the `cd_session=…` pair to send as a Cookie header. */
export async function signIn(
	server: Pick<TestServer, 'baseUrl'>,
	account: { email: string; password: string }
): Promise<string> {
	const response = await fetch(`${server.baseUrl}/api/session`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(account)
	});
	const cookie = response.headers.getSetCookie().find((line) => line.startsWith('cd_session='));
	if (response.status !== 200 || !cookie) throw new Error(`sign-in failed: ${response.status}`);
	return cookie.split(';')[0];
}

/**
 * The `cd_session=…` pair of a guest session: what a visitor's browser holds after its first
 * page, and what a socket without a signed-in user needs.
 */
export async function guestCookie(server: Pick<TestServer, 'baseUrl'>): Promise<string> {
	const response = await fetch(`${server.baseUrl}/`);
	await response.arrayBuffer();
	const cookie = response.headers.getSetCookie().find((line) => line.startsWith('cd_session='));
	if (!cookie) throw new Error('the first page load issued no guest session');
	return cookie.split(';')[0];
}

/** A WebSocket test client that queues every frame and closes, and waits for what it expects. */
export class SocketClient {
	readonly frames: ServerFrame[] = [];
	closeCode: number | null = null;
	private waiters = new Set<() => void>();

	private constructor(readonly socket: WebSocket) {
		socket.on('message', (data) => {
			this.frames.push(JSON.parse(String(data)));
			this.notify();
		});
		socket.on('close', (code) => {
			this.closeCode = code;
			this.notify();
		});
		socket.on('error', () => this.notify());
	}

	/** Opens a socket with this cookie, or as a guest when there is none. */
	static async open(server: TestServer, cookie?: string): Promise<SocketClient> {
		const headers = { cookie: cookie ?? (await guestCookie(server)) };
		const socket = new WebSocket(server.wsUrl, { headers });
		const client = new SocketClient(socket);
		return new Promise((done, fail) => {
			socket.once('open', () => done(client));
			socket.once('error', fail);
			socket.once('unexpected-response', (_request, response) =>
				fail(new Error(`upgrade refused with ${response.statusCode}`))
			);
		});
	}

	private notify() {
		for (const waiter of this.waiters) waiter();
	}

	private waitFor<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
		return new Promise((done, fail) => {
			const attempt = () => {
				const found = check();
				if (found === undefined) return;
				cleanup();
				done(found);
			};
			const timer = setTimeout(() => {
				cleanup();
				fail(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames)}`));
			}, timeoutMs);
			const cleanup = () => {
				clearTimeout(timer);
				this.waiters.delete(attempt);
			};
			this.waiters.add(attempt);
			attempt();
		});
	}

	/** The first queued frame that matches, removed from the queue; waits for one if needed. */
	next<T extends ServerFrame>(
		match: (frame: ServerFrame) => frame is T,
		timeoutMs?: number
	): Promise<T>;
	next(match: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
	next(match: (frame: ServerFrame) => boolean, timeoutMs = 3000): Promise<ServerFrame> {
		return this.waitFor(
			() => {
				const index = this.frames.findIndex(match);
				return index === -1 ? undefined : this.frames.splice(index, 1)[0];
			},
			'a matching frame',
			timeoutMs
		);
	}

	closed(timeoutMs = 3000): Promise<number> {
		return this.waitFor(() => this.closeCode ?? undefined, 'the socket to close', timeoutMs);
	}

	send(frame: unknown): void {
		this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
	}

	async subscribe(creatorId: string): Promise<void> {
		this.send({ type: 'subscribe', creatorId });
		await this.next((frame) => frame.type === 'subscribed' && frame.creatorId === creatorId);
	}

	/** Resolves when a ping round trip completes: every frame sent before it has been handled. */
	async settle(): Promise<void> {
		this.send({ type: 'ping' });
		await this.next((frame) => frame.type === 'pong');
	}

	/** Event names received for a creator so far, in order. */
	eventsFor(creatorId: string): string[] {
		return this.frames
			.filter((frame) => frame.type === 'event' && frame.creatorId === creatorId)
			.map((frame) => (frame.type === 'event' ? frame.event : ''));
	}

	close(): void {
		this.socket.close();
	}
}

export const isEvent =
	<N extends EventName>(event: N, creatorId?: string) =>
	(frame: ServerFrame): frame is Extract<EventFrame, { event: N }> =>
		frame.type === 'event' &&
		frame.event === event &&
		(creatorId === undefined || frame.creatorId === creatorId);
