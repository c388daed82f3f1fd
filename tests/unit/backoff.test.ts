import { describe, expect, it } from 'vitest';
import { reconnectDelay, socketUrl } from '../../machines/backoff';

describe('backoff', () => {
	it('waits 0.5, 1, 2, 4 and 8 s when reconnecting five times', () => {
		expect([1, 2, 3, 4, 5].map((attempt) => reconnectDelay(attempt))).toEqual([
			500, 1000, 2000, 4000, 8000
		]);
	});

	it('stays at 8 s when the attempts go past five', () => {
		expect(reconnectDelay(6)).toBe(8000);
		expect(reconnectDelay(20)).toBe(8000);
	});

	it('uses ws:// when the page is served over http', () => {
		expect(socketUrl({ protocol: 'http:', host: 'localhost:3000' })).toBe('ws://localhost:3000/ws');
	});

	it('uses wss:// when the page is served over https', () => {
		expect(socketUrl({ protocol: 'https:', host: 'example.com' })).toBe('wss://example.com/ws');
	});
});
