import { expect, test } from '@playwright/test';
import { openHydrated, signInAsDemo, uniqueNickname } from './fixtures';

test.describe('/test/creator-data-v2', () => {
	test('offers a one-click demo sign-in to a visitor', async ({ page }) => {
		await openHydrated(page, '/test/creator-data-v2');

		await page.getByRole('button', { name: 'Sign in as demo creator' }).click();

		await expect(page.getByLabel('Nickname')).toBeVisible();
		await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
	});

	test('shows an edit at once and keeps it after the server accepts it', async ({
		page,
		context,
		baseURL
	}) => {
		await signInAsDemo(context, baseURL!);
		await openHydrated(page, '/test/creator-data-v2');
		await expect(page.getByTestId('socket-state')).toHaveText('open');
		const nickname = uniqueNickname('Edited');

		// Hold the PATCH so the optimistic value must be on screen before any answer.
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		await page.route('**/api/creators/*', async (route) => {
			if (route.request().method() === 'PATCH') await held;
			await route.continue();
		});

		await page.getByLabel('Nickname').fill(nickname);
		await page.getByRole('button', { name: 'Save' }).click();
		await expect(page.getByTestId('profile-nickname')).toHaveText(nickname);
		await expect(page.getByTestId('actor-creator:c1').getByTestId('actor-state')).toHaveText(
			'committing'
		);
		// The save's own request is listed while it runs, under the creator that started it.
		await expect(page.getByTestId('actor-creator:c1/request')).toBeVisible();

		release();
		await expect(page.getByTestId('actor-creator:c1').getByTestId('actor-state')).toHaveText(
			'idle'
		);
		// Settled (by its answer or by its own event, whichever came first), it leaves the list.
		await expect(page.getByTestId('actor-creator:c1/request')).toHaveCount(0);
		await page.reload();
		await expect(page.getByTestId('profile-nickname')).toHaveText(nickname);
	});

	test('rolls an edit back and explains why when the fail switch is on', async ({
		page,
		context,
		baseURL
	}) => {
		await signInAsDemo(context, baseURL!);
		await openHydrated(page, '/test/creator-data-v2');
		const before = await page.getByTestId('profile-nickname').innerText();
		const nickname = uniqueNickname('Doomed');

		await page.getByLabel('Fail the next save').check();
		await page.getByLabel('Failure status').selectOption('503');
		await page.getByLabel('Nickname').fill(nickname);
		await page.getByRole('button', { name: 'Save' }).click();

		await expect(page.getByTestId('profile-nickname')).toHaveText(nickname);
		await expect(page.getByRole('alert')).toContainText('server had a problem');
		await expect(page.getByTestId('profile-nickname')).toHaveText(before);
		await expect(page.getByLabel('Nickname')).toHaveValue(before);
		// The refusal reached the creator as its request's answer, named as such.
		await expect(page.getByTestId('actor-creator:c1').getByTestId('actor-events')).toContainText(
			'done: request'
		);
		await expect(page.getByTestId('actor-creator:c1/request')).toHaveCount(0);

		await page.reload();
		await expect(page.getByTestId('profile-nickname')).toHaveText(before);
	});

	test('shows the same nickname in a second tab after one tab edits it', async ({
		context,
		baseURL
	}) => {
		await signInAsDemo(context, baseURL!);
		const first = await context.newPage();
		const second = await context.newPage();
		await openHydrated(first, '/test/creator-data-v2');
		await openHydrated(second, '/test/creator-data-v2');
		const nickname = uniqueNickname('Shared');

		await first.bringToFront();
		await first.getByLabel('Nickname').fill(nickname);
		await first.getByRole('button', { name: 'Save' }).click();
		await expect(first.getByTestId('profile-nickname')).toHaveText(nickname);

		await second.bringToFront();
		await expect(second.getByTestId('profile-nickname')).toHaveText(nickname, { timeout: 1_000 });
	});
});

test('a visitor in another browser sees a saved nickname on the public profile within a second', async ({
	browser,
	context,
	page,
	baseURL
}) => {
	await signInAsDemo(context, baseURL!);
	await openHydrated(page, '/test/creator-data-v2');
	const visitorContext = await browser.newContext();
	const visitor = await visitorContext.newPage();
	await openHydrated(visitor, '/creators/c1');
	await expect(visitor.getByTestId('live-status')).toHaveAttribute('data-state', 'open');
	const nickname = uniqueNickname('Live');

	await page.getByLabel('Nickname').fill(nickname);
	await page.getByRole('button', { name: 'Save' }).click();

	await expect(visitor.getByTestId('profile-nickname')).toHaveText(nickname, { timeout: 1_000 });
	await visitorContext.close();
});

test('a form left open in another tab follows a newer save and does not overwrite it', async ({
	context,
	baseURL
}) => {
	await signInAsDemo(context, baseURL!);
	const first = await context.newPage();
	const second = await context.newPage();
	await openHydrated(first, '/test/creator-data-v2');
	await openHydrated(second, '/dashboard');
	const nickname = uniqueNickname('Newer');

	await first.bringToFront();
	await first.getByLabel('Nickname').fill(nickname);
	await first.getByRole('button', { name: 'Save' }).click();

	await second.bringToFront();
	await expect(second.getByLabel('Nickname')).toHaveValue(nickname);
	await second.getByLabel('Bio').fill('Only the bio changed here');
	await second.getByRole('button', { name: 'Save' }).click();
	await expect(second.getByTestId('profile-bio')).toHaveText('Only the bio changed here');

	const saved = await context.request.get(`${baseURL}/api/creators/c1`);
	expect((await saved.json()).creator).toMatchObject({
		nickname,
		bio: 'Only the bio changed here'
	});
});

test('the creators list shows a saved nickname live', async ({
	browser,
	context,
	page,
	baseURL
}) => {
	await signInAsDemo(context, baseURL!);
	await openHydrated(page, '/test/creator-data-v2');
	const visitorContext = await browser.newContext();
	const visitor = await visitorContext.newPage();
	await openHydrated(visitor, '/');
	await expect(visitor.getByTestId('live-status')).toHaveAttribute('data-state', 'open');
	const nickname = uniqueNickname('Listed');

	await page.getByLabel('Nickname').fill(nickname);
	await page.getByRole('button', { name: 'Save' }).click();

	await expect(visitor.getByRole('link', { name: new RegExp(nickname) })).toBeVisible();
	await visitorContext.close();
});
