import { defineConfig } from '@playwright/test';

// E2E_PORT lets two checkouts run their browser tests side by side.
const PORT = Number(process.env.E2E_PORT ?? 4173);

/**
 * End-to-end tests drive Debian's Chromium against the built production server
 * (`node server.js`) with a fresh database and the fault switch enabled.
 */
export default defineConfig({
	testDir: 'tests/e2e',
	fullyParallel: false,
	workers: 1,
	retries: 0,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter: [['list']],
	use: {
		baseURL: `http://localhost:${PORT}`,
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-dev-shm-usage',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--no-first-run'
			]
		}
	},
	webServer: {
		command: 'node scripts/e2e-server.js',
		url: `http://localhost:${PORT}/api/creators`,
		reuseExistingServer: false,
		timeout: 60_000,
		// Limits stay on but high: the suite signs in and saves far faster than a person, and
		// every page it opens comes from one address.
		env: {
			PORT: String(PORT),
			// adapter-node assumes https unless told the public origin; writes are checked against it.
			ORIGIN: `http://localhost:${PORT}`,
			CREATORDATA_FAULTS: '1',
			RATE_LIMIT_SIGN_IN: '10000/60',
			RATE_LIMIT_WRITES: '100000/60',
			RATE_LIMIT_GUEST_SESSIONS: '100000/60',
			WS_MAX_SOCKETS_PER_ADDRESS: '100000'
		}
	}
});
