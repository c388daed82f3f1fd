import { expect, test } from '@playwright/test';
import { createAppServer, type AppServer } from '../support/app-server';
import { openHydrated } from './fixtures';

let server: AppServer;

test.beforeAll(async () => {
	server = await createAppServer();
	await server.start();
});

test.afterAll(async () => {
	await server.dispose();
});

test('the socket indicator goes to backoff when the server stops and back to open when it returns', async ({
	page
}) => {
	await openHydrated(page, `${server.url}/test/creator-data-v2`);
	const indicator = page.getByTestId('socket-state');
	await expect(indicator).toHaveText('open');

	await server.stop();
	await expect(indicator).toHaveText('backoff');
	await expect(page.getByTestId('reconnect-attempts')).not.toHaveText('0');

	await server.start();
	await expect(indicator).toHaveText('open', { timeout: 20_000 });
	await expect(page.getByTestId('reconnect-attempts')).toHaveText('0');
});
