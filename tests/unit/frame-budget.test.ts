import { describe, expect, it } from 'vitest';
import { FrameBudget } from '../../src/lib/server/realtime/frame-budget';

const takeMany = (budget: FrameBudget, count: number, at: number) =>
	Array.from({ length: count }, () => budget.take(at));

describe('FrameBudget', () => {
	it('accepts a whole burst at once when the socket opens', () => {
		const budget = new FrameBudget({ perSecond: 30, burst: 250 }, 0);

		expect(takeMany(budget, 250, 0).every((verdict) => verdict === 'accept')).toBe(true);
		expect(budget.take(0)).toBe('throttle');
	});

	it('refills at the steady rate, never above the burst', () => {
		const budget = new FrameBudget({ perSecond: 30, burst: 40 }, 0);
		takeMany(budget, 40, 0);

		expect(takeMany(budget, 30, 1000).every((verdict) => verdict === 'accept')).toBe(true);
		expect(budget.take(1000)).toBe('throttle');

		const rested = new FrameBudget({ perSecond: 30, burst: 40 }, 0);
		const accepted = takeMany(rested, 60, 60_000).filter((verdict) => verdict === 'accept');
		expect(accepted).toHaveLength(40);
	});

	it('calls a socket that sends a second’s worth past an empty bucket a flood', () => {
		const budget = new FrameBudget({ perSecond: 30, burst: 50 }, 0);
		const verdicts = takeMany(budget, 50 + 31, 0);

		expect(verdicts.filter((verdict) => verdict === 'throttle')).toHaveLength(30);
		expect(verdicts.at(-1)).toBe('flood');
	});
});
