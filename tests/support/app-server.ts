/**
 * Runs the built production server (`node server.js`) as a child process on a free port
 * with a fresh database (a SQLite file, or the PostgreSQL database `databaseUrl` names), for
 * integration and e2e tests. It can be stopped and started again
 * on the same port and database, the way an outage looks to a browser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Test suites sign in and write far faster than a person, and open every socket from
 * 127.0.0.1; limits stay on, just high. Tests of the limits pass their own values in `env`.
 */
export const GENEROUS_LIMITS = {
	RATE_LIMIT_SIGN_IN: '10000/60',
	RATE_LIMIT_WRITES: '100000/60',
	RATE_LIMIT_GUEST_SESSIONS: '100000/60',
	WS_MAX_SOCKETS_PER_ADDRESS: '100000'
};

export interface AppServer {
	port: number;
	/** `http://127.0.0.1:port`, also the server's ORIGIN. */
	url: string;
	wsUrl: string;
	databasePath: string;
	/** Everything the server printed so far (pino JSON lines). */
	output(): string;
	start(): Promise<void>;
	/** Stops the process; the database stays for the next `start`. */
	stop(signal?: NodeJS.Signals): Promise<void>;
	/** Stops the process and deletes its database. */
	dispose(): Promise<void>;
}

/** Asks the OS for a port nobody listens on. */
export function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const probe = createServer();
		probe.once('error', fail);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			probe.close(() => (typeof address === 'object' && address ? done(address.port) : fail()));
		});
	});
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string) {
	const deadline = Date.now() + 20_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) {
			throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
		}
		try {
			const response = await fetch(`${url}/api/creators`);
			if (response.ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((wait) => setTimeout(wait, 50));
	}
	throw new Error(`server did not answer within 20 s:\n${output()}`);
}

/** An empty value in `env` unsets that variable, e.g. `{ ORIGIN: '' }` for a server without one. */
function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}

export interface AppServerOptions {
	port?: number;
	env?: Record<string, string>;
	/**
	 * A `postgres://` URL to run on instead of a SQLite file. The caller creates and drops that
	 * database; `dispose` leaves it alone.
	 */
	databaseUrl?: string;
}

export async function createAppServer(options: AppServerOptions = {}): Promise<AppServer> {
	if (!existsSync(join(ROOT, 'build/handler.js'))) {
		throw new Error('No build found: run `npm run build` before these tests.');
	}

	const port = options.port ?? (await freePort());
	const folder = mkdtempSync(join(tmpdir(), 'creatordata-test-'));
	const databasePath = join(folder, 'creatordata.db');
	const url = `http://127.0.0.1:${port}`;
	let child: ChildProcess | null = null;
	let output = '';

	const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
		const running = child;
		child = null;
		if (!running || running.exitCode !== null) return;

		const exited = new Promise((done) => running.once('exit', done));
		running.kill(signal);
		await exited;
	};

	return {
		port,
		url,
		wsUrl: `ws://127.0.0.1:${port}/ws`,
		databasePath,
		output: () => output,
		async start() {
			const started = spawn(process.execPath, ['server.js'], {
				cwd: ROOT,
				env: withoutEmpty({
					...process.env,
					PORT: String(port),
					HOST: '127.0.0.1',
					ORIGIN: url,
					DATABASE_PATH: databasePath,
					DATABASE_URL: options.databaseUrl ?? '',
					CREATORDATA_FAULTS: '1',
					LOG_LEVEL: 'warn',
					...GENEROUS_LIMITS,
					...options.env
				}),
				stdio: ['ignore', 'pipe', 'pipe']
			});
			started.stdout?.on('data', (chunk) => (output += chunk));
			started.stderr?.on('data', (chunk) => (output += chunk));
			child = started;
			await waitUntilUp(url, started, () => output);
		},
		stop,
		async dispose() {
			await stop();
			rmSync(folder, { recursive: true, force: true });
		}
	};
}
