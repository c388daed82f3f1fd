import { describe, expect, it } from 'vitest';
import { reconnectCeiling, reconnectDelay, socketUrl } from '../../machines/backoff';

describe('backoff', () => {
	it('caps the wait at 0.5, 1, 2, 4 and 8 s when reconnecting five times', () => {
		expect([1, 2, 3, 4, 5].map((attempt) => reconnectCeiling(attempt))).toEqual([
			500, 1000, 2000, 4000, 8000
		]);
	});

	it('stays at an 8 s ceiling when the attempts go past five', () => {
		expect(reconnectCeiling(6)).toBe(8000);
		expect(reconnectCeiling(20)).toBe(8000);
	});

	it('draws the wait from 0 up to the ceiling, jitter applied after the cap', () => {
		expect(reconnectDelay(3, { random: () => 0 })).toBe(0);
		expect(reconnectDelay(3, { random: () => 0.5 })).toBe(1000);
		expect(reconnectDelay(3, { random: () => 0.9999 })).toBe(2000);
		expect(reconnectDelay(20, { random: () => 0.9999 })).toBe(8000);
	});

	it('never waits less than the server asked for', () => {
		expect(reconnectDelay(1, { random: () => 0, notBeforeMs: 3000 })).toBe(3000);
		expect(reconnectDelay(5, { random: () => 0.9999, notBeforeMs: 3000 })).toBe(8000);
	});

	it('uses ws:// when the page is served over http', () => {
		expect(socketUrl({ protocol: 'http:', host: 'localhost:3000' })).toBe('ws://localhost:3000/ws');
	});

	it('uses wss:// when the page is served over https', () => {
		expect(socketUrl({ protocol: 'https:', host: 'example.com' })).toBe('wss://example.com/ws');
	});
});
