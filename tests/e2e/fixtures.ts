import { expect, type BrowserContext, type Page } from '@playwright/test';

export const DEMO_CREATOR = { email: 'alpha@creatordata.test', password: 'alpha-demo-pass' };

/** Opens a page and waits until Svelte has hydrated it, so clicks reach real handlers. */
export async function openHydrated(page: Page, path: string): Promise<void> {
	await page.goto(path);
	await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

/** Signs the whole browser context in as the demo creator through the real API. */
export async function signInAsDemo(context: BrowserContext, baseURL: string): Promise<void> {
	const response = await context.request.post(`${baseURL}/api/session`, {
		data: DEMO_CREATOR,
		headers: { origin: baseURL }
	});
	expect(response.status()).toBe(200);
}

/** A nickname no earlier run has used, within the 40-character limit. */
export function uniqueNickname(prefix: string): string {
	return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}
