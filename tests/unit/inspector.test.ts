import { describe, expect, it } from 'vitest';
import { wantsInspector } from '../../src/lib/client/inspector';
import { traceFileName } from '../../src/lib/client/trace';

describe('wantsInspector', () => {
	it('asks for the inspector when a development page has ?inspect', () => {
		expect(wantsInspector('?inspect', true)).toBe(true);
		expect(wantsInspector('?tab=2&inspect=1', true)).toBe(true);
	});

	it('leaves the inspector out without the flag or in production', () => {
		expect(wantsInspector('', true)).toBe(false);
		expect(wantsInspector('?inspector', true)).toBe(false);
		expect(wantsInspector('?inspect', false)).toBe(false);
	});
});

describe('traceFileName', () => {
	it('names the file after the recording time, without colons', () => {
		expect(traceFileName('2025-01-02T03:04:05.678Z')).toBe(
			'creatordata-trace-2025-01-02T03-04-05.json'
		);
	});
});
