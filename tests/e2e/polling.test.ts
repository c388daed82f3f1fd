import { expect, test } from '@playwright/test';
import { openHydrated, signInAsDemo, uniqueNickname } from './fixtures';

/**
 * When every reconnect has failed, the page says it is polling the event log, and changes
 * made elsewhere still arrive. The page's sockets are pointed at an address the server
 * refuses, and the page's clock is fast-forwarded through the backoff and the polls.
 */
test('says it is polling once the socket gives up, and still shows changes made elsewhere', async ({
	page,
	context,
	baseURL
}) => {
	await signInAsDemo(context, baseURL!);
	await page.addInitScript(() => {
		const RealWebSocket = window.WebSocket;
		window.WebSocket = class extends RealWebSocket {
			constructor(_url: string | URL, protocols?: string | string[]) {
				// The same host (the page's CSP allows only that) on a path the server refuses.
				super(`ws://${location.host}/no-socket-here`, protocols);
			}
		} as typeof WebSocket;
	});
	await page.clock.install();
	await openHydrated(page, '/test/creator-data-v2');

	const transport = page.getByTestId('event-transport');
	for (let step = 0; step < 40; step += 1) {
		if ((await transport.getAttribute('data-transport')) === 'polling') break;
		await page.clock.fastForward(1000);
		await page.waitForTimeout(50);
	}
	await expect(page.getByTestId('socket-state')).toHaveText('failed');
	await expect(transport).toHaveAttribute('data-transport', 'polling');
	await expect(transport).toContainText('polling the event log');

	const nickname = uniqueNickname('Polled');
	const saved = await page.request.patch(`${baseURL}/api/creators/c1`, {
		data: { nickname },
		headers: { origin: baseURL!, 'if-match': '*' }
	});
	expect(saved.status()).toBe(200);
	for (let step = 0; step < 20; step += 1) {
		if ((await page.getByTestId('profile-nickname').textContent()) === nickname) break;
		await page.clock.fastForward(1000);
		await page.waitForTimeout(50);
	}
	await expect(page.getByTestId('profile-nickname')).toHaveText(nickname);
});
