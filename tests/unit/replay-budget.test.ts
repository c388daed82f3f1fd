import { describe, expect, it } from 'vitest';
import { ReplayBudget } from '../../src/lib/server/realtime/replay-budget';

describe('ReplayBudget', () => {
	it('offers the whole budget when the socket opens', () => {
		const budget = new ReplayBudget({ events: 1000, windowMs: 60_000 }, 0);

		expect(budget.available(0)).toBe(1000);
	});

	it('offers only what replays have not spent yet', () => {
		const budget = new ReplayBudget({ events: 1000, windowMs: 60_000 }, 0);

		budget.spend(400);
		expect(budget.available(0)).toBe(600);
		budget.spend(600);
		expect(budget.available(0)).toBe(0);
	});

	it('refills over its window, in whole events, never above the budget', () => {
		const budget = new ReplayBudget({ events: 1000, windowMs: 60_000 }, 0);
		budget.spend(1000);

		expect(budget.available(59)).toBe(0);
		expect(budget.available(6_000)).toBe(100);
		expect(budget.available(30_000)).toBe(500);
		expect(budget.available(10 * 60_000)).toBe(1000);
	});
});
