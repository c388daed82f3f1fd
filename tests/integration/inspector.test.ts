import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const clientDir = join(import.meta.dirname, '..', '..', 'build', 'client');

function files(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]
	);
}

describe('the production build', () => {
	it('ships no part of the Stately inspector', () => {
		const scripts = files(clientDir).filter((file) => file.endsWith('.js'));
		const withInspector = scripts.filter((file) =>
			/createBrowserInspector|stately\.ai\/inspect/.test(readFileSync(file, 'utf8'))
		);

		expect(scripts.length).toBeGreaterThan(0);
		expect(withInspector).toEqual([]);
	});
});
