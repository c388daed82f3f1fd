import { describe, expect, it } from 'vitest';
import {
	categorize,
	errorMessages,
	isRetryable,
	parseRetryAfter,
	rateLimitedMessage,
	retryDelay,
	retryPolicy,
	toFailure
} from '../../machines/retry-policy';

describe('retry-policy', () => {
	it('categorizes each status the API uses when a request fails', () => {
		const cases: [number | null, string][] = [
			[null, 'network'],
			[401, 'auth'],
			[403, 'auth'],
			[404, 'notFound'],
			[400, 'invalid'],
			[422, 'invalid'],
			[405, 'invalid'],
			[409, 'conflict'],
			[412, 'conflict'],
			[408, 'server'],
			[429, 'server'],
			[500, 'server'],
			[502, 'server'],
			[503, 'server'],
			[504, 'server'],
			[599, 'server']
		];

		expect(cases.map(([status]) => categorize(status))).toEqual(
			cases.map(([, category]) => category)
		);
	});

	it('retries only server and network failures', () => {
		expect(isRetryable('server')).toBe(true);
		expect(isRetryable('network')).toBe(true);
		expect(['auth', 'notFound', 'invalid', 'conflict'].some((c) => isRetryable(c as never))).toBe(
			false
		);
	});

	it('doubles the delay for each retry when using the defaults', () => {
		const least = () => 0;

		expect([1, 2, 3].map((retry) => retryDelay(retry, retryPolicy, null, least))).toEqual([
			250, 500, 1000
		]);
		expect(retryPolicy.maxRetries).toBe(3);
	});

	it('adds up to as much again at random, so each wait still outlasts the one before', () => {
		const most = () => 0.9999;

		expect([1, 2, 3].map((retry) => retryDelay(retry, retryPolicy, null, most))).toEqual([
			499, 999, 1999
		]);
		// Tabs refused together spread out over the window instead of retrying in one instant.
		const firstRetries = new Set(Array.from({ length: 200 }, () => retryDelay(1)));
		expect(firstRetries.size).toBeGreaterThan(100);
		for (const delay of firstRetries) {
			expect(delay).toBeGreaterThanOrEqual(250);
			expect(delay).toBeLessThan(500);
		}
	});

	it('caps the delay when the retries grow past the maximum', () => {
		const policy = { maxRetries: 10, baseDelayMs: 1000, maxDelayMs: 3000, timeoutMs: 15_000 };

		expect([1, 2, 3, 4].map((retry) => retryDelay(retry, policy, null, () => 0))).toEqual([
			1000, 2000, 3000, 3000
		]);
		expect(retryDelay(4, policy, null, () => 0.9999)).toBe(3000);
	});

	it("uses the category's plain message when the server sent none", () => {
		expect(toFailure(404, null)).toEqual({
			category: 'notFound',
			status: 404,
			message: 'This creator could not be found. It may have been removed.'
		});
		expect(toFailure(null, undefined).message).toBe(errorMessages.network);
		expect(toFailure(503, '<html>busy</html>').message).toBe(errorMessages.server);
	});

	it('shows the category message, not the server wording, when the server failed', () => {
		expect(toFailure(503, { message: 'database locked' }).message).toBe(errorMessages.server);
		expect(toFailure(403, { message: 'not owner' }).message).toBe(errorMessages.auth);
	});

	it("keeps the server's message and field errors when it sent them", () => {
		const failure = toFailure(422, {
			message: 'Check the highlighted fields.',
			fieldErrors: { nickname: 'Nickname cannot be empty.', ignored: 42 }
		});

		expect(failure).toEqual({
			category: 'invalid',
			status: 422,
			message: 'Check the highlighted fields.',
			fieldErrors: { nickname: 'Nickname cannot be empty.' }
		});
	});

	it('uses the plain category message when an auth, server or not-found answer has its own words', () => {
		const body = { message: 'SQLITE_BUSY: database is locked' };

		expect(toFailure(503, body).message).toBe(errorMessages.server);
		expect(toFailure(403, body).message).toBe(errorMessages.auth);
		expect(toFailure(404, body).message).toBe(errorMessages.notFound);
		expect(toFailure(409, { message: 'Someone saved first.' }).message).toBe(
			'Someone saved first.'
		);
	});

	it('ignores a blank message and empty field errors when the body has them', () => {
		const failure = toFailure(401, { message: '  ', fieldErrors: {} });

		expect(failure.message).toBe(errorMessages.auth);
		expect(failure).not.toHaveProperty('fieldErrors');
	});
});

describe('parseRetryAfter', () => {
	it('reads whole seconds', () => {
		expect(parseRetryAfter('3')).toBe(3000);
		expect(parseRetryAfter(' 0 ')).toBe(0);
	});

	it('reads an HTTP date as the time left until then', () => {
		const now = Date.parse('2025-01-01T00:00:00Z');

		expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
		expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
	});

	it('is null when absent or unreadable', () => {
		expect(parseRetryAfter(null)).toBeNull();
		expect(parseRetryAfter('')).toBeNull();
		expect(parseRetryAfter('soon')).toBeNull();
	});
});

describe('toFailure for a rate limit', () => {
	it('tells a person to wait when the server answers 429, and keeps it a retryable server failure', () => {
		const failure = toFailure(429, { message: 'Too many sign-in attempts.' });

		expect(failure).toEqual({ category: 'server', status: 429, message: rateLimitedMessage });
		expect(isRetryable(failure.category)).toBe(true);
		expect(toFailure(503, null).message).toBe(errorMessages.server);
	});
});

describe('retryDelay with Retry-After', () => {
	it('never waits less than the server asked for', () => {
		expect(retryDelay(1, retryPolicy, 3000)).toBe(3000);
		expect(retryDelay(3, retryPolicy, 100, () => 0)).toBe(1000);
	});
});
