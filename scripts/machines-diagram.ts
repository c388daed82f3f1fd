/**
 * Writes machines/README.md: one Mermaid chart per machine, from the live machine objects.
 * `--check` writes nothing and exits 1 when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { charts } from './lib/machines';
import { README_PATH, renderMachinesReadme } from './lib/readme';

const expected = renderMachinesReadme(charts);

if (process.argv.includes('--check')) {
	let current = '';
	try {
		current = readFileSync(README_PATH, 'utf8');
	} catch {
		// A missing file is stale like any other.
	}
	if (current !== expected) {
		console.error(`${README_PATH} is stale: run npm run machines:diagram`);
		process.exit(1);
	}
	console.log(`${README_PATH} is up to date.`);
} else {
	writeFileSync(README_PATH, expected);
	console.log(`Wrote ${charts.length} charts to ${README_PATH}.`);
}
