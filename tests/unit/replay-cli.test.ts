import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const recorded = join(import.meta.dirname, '..', 'traces', 'revert-on-test-page.json');

/** Runs `npm run replay -- file` and returns its exit code and output. */
async function replay(file: string) {
	try {
		const { stdout } = await run(process.execPath, [
			'node_modules/tsx/dist/cli.mjs',
			'scripts/replay.ts',
			file
		]);
		return { code: 0, stdout, stderr: '' };
	} catch (error) {
		const failed = error as { code: number; stdout: string; stderr: string };
		return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
	}
}

describe('npm run replay', () => {
	it('exits 1 at the step where the replay leaves the recorded path, and 2 for a foreign file', async () => {
		const trace = JSON.parse(readFileSync(recorded, 'utf8'));
		const answer = trace.steps.findIndex((step: { event: { type: string } }) =>
			step.event.type.endsWith('performRequest')
		);
		trace.steps[answer].event.output = { status: 404, body: null };
		const changed = join(tmpdir(), `creatordata-changed-${process.pid}.json`);
		const foreign = join(tmpdir(), `creatordata-foreign-${process.pid}.json`);
		writeFileSync(changed, JSON.stringify(trace));
		writeFileSync(foreign, JSON.stringify({ name: 'not a trace' }));

		const [differs, refused] = await Promise.all([replay(changed), replay(foreign)]);

		expect(differs.code).toBe(1);
		expect(differs.stdout).toContain(`The replay differs at step ${answer + 1}:`);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain('is not a CreatorData trace');
	}, 20_000);
});
