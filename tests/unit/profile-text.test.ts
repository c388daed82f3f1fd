import { describe, expect, it } from 'vitest';
import {
	isBlank,
	isOnlyMarks,
	textProblem,
	type TextRules
} from '../../src/lib/shared/profile-text';
import { NICKNAME_MAX, profilePatchSchema } from '../../src/lib/shared/protocol';

const NICKNAME: TextRules = { label: 'Nickname', max: 40, multiline: false, required: true };
const BIO: TextRules = { label: 'Bio', max: 500, multiline: true, required: false };

describe('profile text rules', () => {
	it('treats text made only of white space and invisible characters as blank', () => {
		const invisible = ['\u200B', '\u200C\u200D', '\uFEFF', '\u00AD', '\u2060', '\u3164', '\u2800'];

		for (const text of invisible)
			expect({ text, blank: isBlank(` ${text} `) }).toMatchObject({
				blank: true
			});
		expect(isBlank('a\u200B')).toBe(false);
	});

	it('refuses a nickname that is empty once invisible characters are removed', () => {
		expect(textProblem('\u200B\u200B\uFEFF', NICKNAME)).toMatch(/empty or made only of invisible/);
		expect(textProblem('', BIO)).toBeNull();
	});

	it('refuses bidi overrides and isolates but keeps the plain direction marks', () => {
		for (const control of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2069']) {
			expect(textProblem(`abc${control}gpj.exe`, NICKNAME)).toMatch(/text-direction/);
		}
		expect(textProblem('\u05E9\u05DC\u05D5\u05DD\u200F', NICKNAME)).toBeNull();
	});

	it('refuses control characters, keeping line feeds and tabs in a bio only', () => {
		for (const control of ['\u0000', '\u0007', '\u001B', '\u007F', '\u0085', '\u009F', '\r']) {
			expect(textProblem(`a${control}b`, BIO)).toMatch(/control characters/);
			expect(textProblem(`a${control}b`, NICKNAME)).toMatch(/control characters/);
		}
		expect(textProblem('line\n\tindented', BIO)).toBeNull();
		expect(textProblem('line\nbreak', NICKNAME)).toMatch(/line breaks/);
	});

	it('refuses line and paragraph separators in a nickname and a bio alike', () => {
		for (const separator of ['\u2028', '\u2029']) {
			expect(textProblem(`one${separator}two`, NICKNAME)).toMatch(/line breaks.*U\+2028/);
			expect(textProblem(`one${separator}two`, BIO)).toMatch(/separators.*new line with Enter/);
		}
	});

	it('refuses a nickname made only of combining marks, and keeps marks on a letter', () => {
		for (const marks of ['\u0300', '\u0300\u0301', '\u200B\u0301\u20DD', ' \u0903 ']) {
			expect({ marks, onlyMarks: isOnlyMarks(marks) }).toEqual({ marks, onlyMarks: true });
			expect(textProblem(marks, NICKNAME)).toMatch(/only of combining marks/);
		}
		for (const text of ['Ame\u0301lie', '\u0915\u093F', '1\uFE0F\u20E3', '']) {
			expect({ text, onlyMarks: isOnlyMarks(text) }).toEqual({ text, onlyMarks: false });
		}
		expect(textProblem('Ame\u0301lie', NICKNAME)).toBeNull();
		expect(textProblem('\u0301', BIO)).toBeNull();
	});

	it('refuses a lone surrogate instead of letting it become U+FFFD', () => {
		for (const broken of ['\uD800', 'a\uDC00', '\uDBFF\uDBFF']) {
			expect(textProblem(broken, BIO)).toMatch(/lone surrogate/);
		}
		expect(textProblem('\uD83D\uDE00', BIO)).toBeNull();
	});

	it('counts length in UTF-16 code units, as the form’s maxlength does', () => {
		const emoji = '\u{1F600}';

		expect(textProblem(emoji.repeat(20), NICKNAME)).toBeNull();
		expect(textProblem(emoji.repeat(21), NICKNAME)).toMatch(/at most 40/);
		expect(textProblem('a'.repeat(40), NICKNAME)).toBeNull();
	});
});

describe('profilePatchSchema', () => {
	it('reports each broken rule as the field’s message', () => {
		const result = profilePatchSchema.safeParse({ nickname: '\u200B', bio: 'a\u0000' });

		expect(result.success).toBe(false);
		const messages = Object.fromEntries(
			(result.error?.issues ?? []).map((issue) => [issue.path.join('.'), issue.message])
		);
		expect(messages.nickname).toMatch(/invisible/);
		expect(messages.bio).toMatch(/control characters/);
	});

	it('trims a nickname before counting it', () => {
		const padded = `  ${'a'.repeat(NICKNAME_MAX)}  `;

		expect(profilePatchSchema.parse({ nickname: padded })).toEqual({
			nickname: 'a'.repeat(NICKNAME_MAX)
		});
	});
});
