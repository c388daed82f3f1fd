/**
 * Every trace in tests/traces/ is a regression test: drop a file downloaded from the test page
 * there and it must keep replaying along its recorded path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../machines/trace/format';
import { formatReplay, replayTrace } from '../../machines/trace/replay';

const folder = join(import.meta.dirname, '..', 'traces');
const files = readdirSync(folder).filter((name) => name.endsWith('.json'));

describe('tests/traces', () => {
	it('holds at least one recorded trace', () => {
		expect(files.length).toBeGreaterThan(0);
	});

	it.each(files)('replays %s along its recorded path', async (name) => {
		const trace = parseTrace(readFileSync(join(folder, name), 'utf8'));

		const result = await replayTrace(trace);

		expect(result.mismatch, formatReplay(result).slice(-4).join('\n')).toBeNull();
	});
});
