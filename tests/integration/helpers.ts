/**
 * Starts the built server (`node server.js`) on a free port with a fresh database, and
 * gives tests small HTTP and WebSocket clients for it. Run `npx vite build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';
import type { EventFrame, EventName, ServerFrame } from '../../src/lib/shared/protocol';

const ROOT = resolve(import.meta.dirname, '../..');

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
	stop(): Promise<void>;
};

function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const probe = createServer();
		probe.once('error', fail);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			probe.close(() => (typeof address === 'object' && address ? done(address.port) : fail()));
		});
	});
}

async function waitUntilUp(baseUrl: string, child: ChildProcess, output: () => string) {
	const deadline = Date.now() + 20_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) {
			throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
		}
		try {
			const response = await fetch(`${baseUrl}/api/creators`);
			if (response.ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((wait) => setTimeout(wait, 100));
	}
	throw new Error(`server did not answer within 20 s:\n${output()}`);
}

export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
	if (!existsSync(join(ROOT, 'build/handler.js'))) {
		throw new Error('No build found: run `npx vite build` before the integration tests.');
	}

	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'creatordata-it-'));
	const baseUrl = `http://127.0.0.1:${port}`;
	const child = spawn(process.execPath, ['server.js'], {
		cwd: ROOT,
		env: {
			...process.env,
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: baseUrl,
			DATABASE_PATH: join(dir, 'creatordata.db'),
			CREATORDATA_FAULTS: '1',
			LOG_LEVEL: 'warn',
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});

	let output = '';
	child.stdout?.on('data', (chunk) => (output += chunk));
	child.stderr?.on('data', (chunk) => (output += chunk));
	await waitUntilUp(baseUrl, child, () => output);

	return {
		baseUrl,
		wsUrl: `ws://127.0.0.1:${port}/ws`,
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((done) => child.once('exit', done));
				child.kill('SIGTERM');
				await exited;
			}
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

export type ApiResponse = { status: number; body: unknown; headers: Headers };

/** A JSON request; `body` as a string is sent as is, so tests can send broken JSON. */
export async function api(
	server: TestServer,
	method: string,
	path: string,
	options: { cookie?: string; body?: unknown } = {}
): Promise<ApiResponse> {
	const headers: Record<string, string> = { accept: 'application/json' };
	if (options.cookie) headers.cookie = options.cookie;
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
	server: TestServer,
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

	static open(server: TestServer, cookie?: string): Promise<SocketClient> {
		const socket = new WebSocket(server.wsUrl, { headers: cookie ? { cookie } : {} });
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
