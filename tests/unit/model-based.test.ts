import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatCoverage, runModel, type ChartModel } from './support/model';
import { creatorModel, requestModel, rootModel, socketModel, tabSyncModel } from './support/models';

const models: [string, ChartModel][] = [
	['request', requestModel],
	['creator', creatorModel],
	['socket', socketModel],
	['tabSync', tabSyncModel],
	['root', rootModel]
];

describe('model-based paths', () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});

	afterEach(() => {
		vi.restoreAllMocks();
		vi.useRealTimers();
	});

	it.each(models)(
		'replays the shortest path to every state and transition of the %s chart',
		async (name, model) => {
			const { failures, coverage, paths } = await runModel(model);

			console.log(`[model] ${name}: ${paths} paths, ${formatCoverage(coverage)}`);
			expect(failures).toEqual([]);
			expect(coverage.states.missing).toEqual([]);
			expect(coverage.transitions.missing).toEqual([]);
			expect(coverage.states.reached).toBe(coverage.states.total);
			expect(coverage.transitions.taken).toBe(coverage.transitions.total);
		},
		// Thousands of paths, each replayed on a real actor: seconds on an idle machine, more on
		// a busy one. The limit only stops a hang; it is no speed target.
		60_000
	);
});
