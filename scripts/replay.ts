/**
 * Replays a trace downloaded from the test page against fresh machines and prints the state
 * path step by step. Exits 0 when the replay takes the recorded path, 1 where it differs, 2
 * when the file cannot be read as a trace.
 *
 *   npm run replay -- path/to/trace.json
 */
import { readFileSync } from 'node:fs';
import { parseTrace, TraceError } from '../machines/trace/format';
import { formatReplay, replayTrace } from '../machines/trace/replay';

const file = process.argv[2];
if (!file) {
	console.error('Usage: npm run replay -- path/to/trace.json');
	process.exit(2);
}

try {
	const trace = parseTrace(readFileSync(file, 'utf8'));
	console.log(`Replaying ${file}: recorded ${trace.recordedAt}, ${trace.steps.length} steps.`);

	const result = await replayTrace(trace);
	for (const line of formatReplay(result)) console.log(line);
	process.exitCode = result.mismatch === null ? 0 : 1;
} catch (error) {
	const reason = error instanceof TraceError ? error.message : String(error);
	console.error(`Cannot replay ${file}: ${reason}`);
	process.exitCode = 2;
}
