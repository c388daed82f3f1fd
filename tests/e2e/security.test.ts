import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { DEMO_CREATOR, openHydrated, signInAsDemo, uniqueNickname } from './fixtures';

/**
 * Stored XSS: every payload calls `__pwn()`, a function the test exposes in each page, so a
 * payload that runs anywhere is counted, whether CSP would have stopped it or not.
 */
const CORPUS = [
	'<script>__pwn()</script>',
	'<img src=x onerror=__pwn()>',
	'<svg onload=__pwn()>',
	'<svg><script>__pwn()</script></svg>',
	'<svg><animate onbegin=__pwn() attributeName=x>',
	'<a href="javascript:__pwn()">link</a>',
	'javascript:__pwn()',
	'<a href="&#106;avascript:__pwn()">x</a>',
	'<iframe srcdoc="<script>parent.__pwn()</script>">',
	'<math><mtext><table><mglyph><style><img src=x onerror=__pwn()>',
	'<noscript><p title="</noscript><img src=x onerror=__pwn()>">',
	'<svg></p><style><a id="</style><img src=1 onerror=__pwn()>">',
	'"><img src=x onerror=__pwn()>',
	"'><svg/onload=__pwn()>",
	'</textarea><img src=x onerror=__pwn()>',
	'</title><script>__pwn()</script>',
	'<details open ontoggle=__pwn()>',
	'<input autofocus onfocus=__pwn()>',
	'<body onload=__pwn()>',
	'<object data="javascript:__pwn()">',
	'<form><button formaction=javascript:__pwn()>go',
	"{@html '<img src=x onerror=__pwn()>'}",
	"{{constructor.constructor('__pwn()')()}}",
	'${__pwn()}',
	'<style>@import "javascript:__pwn()";</style>'
	// U+2028 and U+2029, which once ended a string inside a script, never get this far: the
	// server refuses them (tests/integration/security.test.ts pins it).
];

/** Packs payloads into bios of at most 500 characters. */
function bios(): string[] {
	const packed: string[] = [];
	for (const payload of CORPUS) {
		const last = packed.at(-1);
		if (last !== undefined && last.length + payload.length + 1 <= 500) {
			packed[packed.length - 1] = `${last}\n${payload}`;
		} else {
			packed.push(payload);
		}
	}
	return packed;
}

/** The payloads short enough for a nickname (40 characters, trimmed). */
const NICKNAMES = CORPUS.map((payload) => payload.trim()).filter((payload) => payload.length <= 40);

type Executed = { count: number; dialogs: number };

async function watch(context: BrowserContext, executed: Executed): Promise<void> {
	await context.exposeFunction('__pwn', () => {
		executed.count += 1;
	});
	context.on('page', (page) =>
		page.on('dialog', (dialog) => ((executed.dialogs += 1), dialog.dismiss()))
	);
}

/** No element the payloads would have made exists inside the page's content. */
async function expectNoInjectedMarkup(page: Page): Promise<void> {
	const injected = await page.evaluate(() => {
		const main = document.querySelector('main') ?? document.body;
		const handlers = [...main.querySelectorAll('*')].filter((element) =>
			[...element.attributes].some((attribute) => attribute.name.startsWith('on'))
		);
		const tags = main.querySelectorAll(
			'script, iframe, object, svg script, img[src="x"], details, math'
		);
		return handlers.length + tags.length;
	});
	expect(injected).toBe(0);
}

test.describe('security', () => {
	test('renders nickname and bio inert everywhere: 0 executed scripts from a stored XSS corpus', async ({
		browser,
		baseURL
	}) => {
		const owner = await browser.newContext();
		const visitor = await browser.newContext();
		const executed: Executed = { count: 0, dialogs: 0 };
		await watch(owner, executed);
		await watch(visitor, executed);
		await signInAsDemo(owner, baseURL!);

		const dashboard = await owner.newPage();
		const profile = await visitor.newPage();
		await openHydrated(dashboard, '/dashboard');
		await openHydrated(profile, '/creators/c1');
		await expect(profile.getByTestId('live-status')).toHaveAttribute('data-state', 'open');

		const save = async (nickname: string, bio: string) => {
			const response = await owner.request.patch(`${baseURL}/api/creators/c1`, {
				data: { nickname, bio },
				headers: { origin: baseURL!, 'if-match': '*' }
			});
			expect(response.status()).toBe(200);
			return ((await response.json()) as { creator: { nickname: string; bio: string } }).creator;
		};

		// Live: each saved payload reaches the open pages over the socket.
		const packed = bios();
		for (const [index, nickname] of NICKNAMES.entries()) {
			const stored = await save(nickname, packed[index % packed.length]);
			await expect(profile.getByTestId('profile-nickname')).toHaveText(stored.nickname, {
				useInnerText: true
			});
			expect(await profile.getByTestId('profile-bio').textContent()).toBe(stored.bio);
		}
		await expectNoInjectedMarkup(profile);
		await expectNoInjectedMarkup(dashboard);

		// Rendered on the server and hydrated: every page that shows a nickname or a bio.
		for (const bio of packed) {
			const stored = await save(NICKNAMES[0], bio);
			for (const [page, path] of [
				[profile, '/creators/c1'],
				[profile, '/'],
				[dashboard, '/dashboard'],
				[dashboard, '/test/creator-data-v2']
			] as const) {
				await openHydrated(page, path);
				await expect(page.locator('main')).toContainText(stored.bio.split('\n')[0]);
				await expectNoInjectedMarkup(page);
			}
		}

		expect(executed).toEqual({ count: 0, dialogs: 0 });
		await owner.close();
		await visitor.close();
	});

	test('keeps nothing secret in localStorage, sessionStorage or script-readable cookies', async ({
		page,
		context,
		baseURL
	}) => {
		await openHydrated(page, '/login');
		await page.getByLabel('Email').fill(DEMO_CREATOR.email);
		await page.getByLabel('Password').fill(DEMO_CREATOR.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL('**/dashboard');
		await expect(page.getByTestId('earnings')).toBeVisible();

		const token = (await context.cookies(baseURL)).find((cookie) => cookie.name === 'cd_session');
		expect(token?.httpOnly).toBe(true);
		const readable = await page.evaluate(() => ({
			cookies: document.cookie,
			stored: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })
		}));

		expect(readable.cookies).not.toContain('cd_session');
		expect(readable.stored).not.toContain(token!.value);
		expect(readable.stored).not.toMatch(/earnings|password/i);
	});

	test('keeps earnings out of localStorage where tabs sync through it (no BroadcastChannel)', async ({
		page,
		context,
		baseURL
	}) => {
		await context.addInitScript(() => {
			delete (window as { BroadcastChannel?: unknown }).BroadcastChannel;
		});
		await signInAsDemo(context, baseURL!);
		await openHydrated(page, '/dashboard');
		await expect(page.getByTestId('earnings')).toBeVisible();

		await page.getByLabel('Nickname').fill(uniqueNickname('Stored'));
		await page.getByRole('button', { name: 'Save' }).click();
		// The save went out to the other tabs through localStorage, the public copy only.
		await expect
			.poll(() => page.evaluate(() => localStorage.getItem('fonana_creator_sync') ?? ''))
			.toContain('"type":"creator.state"');
		const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
		expect(stored).not.toMatch(/earnings/i);
	});

	test('follows only a same-site next link after sign-in', async ({ page, baseURL }) => {
		for (const next of ['//evil.example/', '/\\evil.example/', '/%5Cevil.example']) {
			await page.context().clearCookies();
			await openHydrated(page, `/login?next=${encodeURIComponent(next)}`);
			await page.getByLabel('Email').fill(DEMO_CREATOR.email);
			await page.getByLabel('Password').fill(DEMO_CREATOR.password);
			await page.getByRole('button', { name: 'Sign in' }).click();
			await page.waitForURL((url) => url.pathname !== '/login');

			expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
		}
	});
});
