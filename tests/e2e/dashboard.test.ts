import { expect, request, test } from '@playwright/test';
import { openHydrated, signInAsDemo } from './fixtures';

test('the dashboard shows a new subscriber and the earnings it brings as they happen', async ({
	page,
	context,
	baseURL
}) => {
	await signInAsDemo(context, baseURL!);
	await openHydrated(page, '/dashboard');
	await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'open');
	const subscribers = Number(await page.getByTestId('subscriber-count').innerText());
	const dollars = (text: string) => Number(text.replace(/[^0-9.]/g, ''));
	const earnings = dollars(await page.getByTestId('earnings').innerText());

	const fan = await request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL! } });
	const signedIn = await fan.post('/api/session', {
		data: { email: 'fan3@creatordata.test', password: 'fan-demo-pass' }
	});
	expect(signedIn.status()).toBe(200);
	expect((await fan.post('/api/creators/c1/subscriptions')).status()).toBe(201);

	await expect(page.getByTestId('subscriber-count')).toHaveText(String(subscribers + 1));
	// c1's subscription price is 5.00 and no flash sale runs on c1.
	await expect
		.poll(async () => dollars(await page.getByTestId('earnings').innerText()))
		.toBe(earnings + 5);
	await fan.dispose();
});

test('signing out in one tab takes the private dashboard away in the other and leaves it live', async ({
	context,
	baseURL
}) => {
	await signInAsDemo(context, baseURL!);
	const first = await context.newPage();
	const second = await context.newPage();
	await openHydrated(first, '/creators/c1');
	await openHydrated(second, '/dashboard');
	await expect(second.getByTestId('earnings')).toBeVisible();
	await expect(second.getByTestId('live-status')).toHaveAttribute('data-state', 'open');

	await first.bringToFront();
	await first.getByRole('button', { name: 'Sign out' }).click();
	await expect(first.getByRole('link', { name: 'Sign in' })).toBeVisible();
	// The tab that signed out follows the home page live again, as a guest.
	await expect(first.getByTestId('live-status')).toHaveAttribute('data-state', 'open');

	await second.bringToFront();
	// The server ended the session's socket; the tab reloads as the guest it now is.
	await expect(second).toHaveURL(/\/login/);
	await expect(second.getByTestId('earnings')).toHaveCount(0);
	await expect(second.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
	await expect(second.getByTestId('live-status')).toHaveAttribute('data-state', 'open');
});
