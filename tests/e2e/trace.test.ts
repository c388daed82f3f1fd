import { expect, test } from '@playwright/test';
import { execFile } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { DEMO_CREATOR, openHydrated, signInAsDemo, uniqueNickname } from './fixtures';

const run = promisify(execFile);

test('a trace of a revert downloaded from the test page replays along the same path', async ({
	page,
	context,
	baseURL
}, testInfo) => {
	await signInAsDemo(context, baseURL!);
	await openHydrated(page, '/test/creator-data-v2');
	await expect(page.getByTestId('socket-state')).toHaveText('open');
	// A save the server accepts first: its answer and its own event race, and the trace must
	// replay whichever won.
	const before = uniqueNickname('Accepted');
	await page.getByLabel('Nickname').fill(before);
	await page.getByRole('button', { name: 'Save' }).click();
	const creatorRow = page.getByTestId('actor-creator:c1');
	await expect(page.getByTestId('profile-nickname')).toHaveText(before);
	await expect(creatorRow.getByTestId('actor-state')).toHaveText('idle');

	await page.getByLabel('Fail the next save').check();
	await page.getByLabel('Failure status').selectOption('500');
	await page.getByLabel('Nickname').fill(uniqueNickname('Reverted'));
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('alert')).toContainText('server had a problem');
	await expect(page.getByTestId('profile-nickname')).toHaveText(before);
	await expect(creatorRow.getByTestId('actor-state')).toHaveText('idle');
	await expect(creatorRow).toContainText('creator.edit');

	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Download trace' }).click();
	const file = testInfo.outputPath('trace.json');
	await (await downloading).saveAs(file);

	const text = await readFile(file, 'utf8');
	const cookies = await context.cookies();
	expect(text).not.toContain(DEMO_CREATOR.password);
	for (const cookie of cookies) expect(text).not.toContain(cookie.value);

	const replay = await run(process.execPath, [
		'node_modules/tsx/dist/cli.mjs',
		'scripts/replay.ts',
		file
	]);
	expect(replay.stdout).toContain('xstate.done.actor.request');
	expect(replay.stdout).toContain('(reverting › idle)');
	expect(replay.stdout).toMatch(/The replay took the recorded path: \d+ steps\./);

	// A chart change that alters this path means re-recording the regression trace:
	// RECORD_TRACE_TO=tests/traces/revert-on-test-page.json npx playwright test trace
	if (process.env.RECORD_TRACE_TO) await copyFile(file, process.env.RECORD_TRACE_TO);
});
