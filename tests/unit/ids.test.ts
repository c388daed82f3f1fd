import { afterEach, describe, expect, it, vi } from 'vitest';
import { createId } from '../../machines/ids';

describe('ids', () => {
	afterEach(() => {
		vi.unstubAllGlobals();
	});

	it('returns a UUID when crypto.randomUUID exists', () => {
		expect(createId()).toMatch(/^[0-9a-f-]{36}$/);
	});

	it('falls back to distinct ids when the page is not a secure context', () => {
		vi.stubGlobal('crypto', {});

		const ids = new Set(Array.from({ length: 50 }, () => createId()));

		expect(ids.size).toBe(50);
		expect([...ids][0]).toMatch(/^[0-9a-z]+-[0-9a-z]+$/);
	});
});
