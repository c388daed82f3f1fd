/**
 * Runs the built production server (`node server.js`) as a child process, on a port and
 * database of the test's choosing, so tests can stop and restart a real server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AppServer {
	port: number;
	url: string;
	databasePath: string;
	start(): Promise<void>;
	stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Asks the OS for a port nobody listens on. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

async function waitUntilAnswering(url: string, deadline: number): Promise<void> {
	while (Date.now() < deadline) {
		try {
			const response = await fetch(`${url}/api/creators`);
			if (response.ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`The server at ${url} did not answer in time.`);
}

export async function createAppServer(
	options: { port?: number; env?: Record<string, string> } = {}
): Promise<AppServer> {
	const port = options.port ?? (await freePort());
	const databasePath = join(mkdtempSync(join(tmpdir(), 'creatordata-test-')), 'app.db');
	const url = `http://localhost:${port}`;
	let child: ChildProcess | null = null;

	return {
		port,
		url,
		databasePath,
		async start() {
			child = spawn(process.execPath, ['server.js'], {
				env: {
					...process.env,
					PORT: String(port),
					HOST: '127.0.0.1',
					DATABASE_PATH: databasePath,
					CREATORDATA_FAULTS: '1',
					LOG_LEVEL: 'warn',
					...options.env
				},
				stdio: ['ignore', 'inherit', 'inherit']
			});
			await waitUntilAnswering(url, Date.now() + 30_000);
		},
		async stop(signal = 'SIGTERM') {
			const running = child;
			child = null;
			if (!running || running.exitCode !== null) return;

			await new Promise<void>((resolve) => {
				running.once('exit', () => resolve());
				running.kill(signal);
			});
		}
	};
}
