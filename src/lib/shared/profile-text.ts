/**
 * What a nickname or a bio may contain, as pure checks shared by the server's schema and the
 * browser. Lengths are UTF-16 code units, the unit a form's `maxlength` counts, so the form
 * and the server agree on every string: an emoji outside the Basic Multilingual Plane counts
 * as two, in both places.
 */

/**
 * Characters that draw nothing: white space, format characters (zero-width space and
 * joiners, the BOM, soft hyphen, bidi marks), the other default-ignorable code points
 * (Hangul fillers, variation selectors) and the braille blank, which fonts draw empty.
 */
const INVISIBLE = /[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/**
 * Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) reorder the text after
 * them, so a name can show as something it is not. The plain marks (LRM, RLM, ALM) change no
 * order and stay allowed for right-to-left names.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;

/**
 * The line and paragraph separators (U+2028, U+2029): line breaks that are not control
 * characters, so the control check misses them. A bio refuses them too and keeps the line
 * feed its textarea types as its one line break: CSS breaks lines only at line feeds, so a
 * separator would show as a break in some places and as nothing or a box in others.
 */
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;

/** Combining marks (accents, enclosing circles): each is drawn on the character before it. */
const MARK = /\p{M}/gu;

/** C0 controls, DEL and C1 controls (U+0000–U+001F, U+007F–U+009F). */
const CONTROL = /\p{Cc}/u;
/** The same, less the line feed and tab a multi-line bio may hold. */
const CONTROL_BUT_LINES = /[^\P{Cc}\t\n]/u;

export type TextRules = {
	/** The field's name as people read it in a message, e.g. `Nickname`. */
	label: string;
	/** Most UTF-16 code units allowed. */
	max: number;
	/** Whether line feeds and tabs are allowed (a bio's paragraphs). */
	multiline: boolean;
	/**
	 * Whether the text must show a visible character of its own: not only invisible characters,
	 * and not only combining marks, which would sit on whatever the page shows before it.
	 */
	required: boolean;
};

/** Whether nothing would show: the text is only white space and invisible characters. */
export function isBlank(text: string): boolean {
	return text.replace(INVISIBLE, '') === '';
}

/** Whether only combining marks would show, with no character of their own to sit on. */
export function isOnlyMarks(text: string): boolean {
	const visible = text.replace(INVISIBLE, '');
	return visible !== '' && visible.replace(MARK, '') === '';
}

/**
 * The first reason this text breaks the rules, as a message for the field, or null when it
 * is fine. A lone surrogate is refused rather than stored, where it would turn into U+FFFD.
 *
 * @example
 * textProblem('\u200B', { label: 'Nickname', max: 40, multiline: false, required: true });
 * // 'Nickname cannot be empty or made only of invisible characters.'
 */
export function textProblem(text: string, rules: TextRules): string | null {
	const { label, max, multiline, required } = rules;

	if (!text.isWellFormed()) {
		return `${label} contains a broken character (a lone surrogate); type it again.`;
	}
	if ((multiline ? CONTROL_BUT_LINES : CONTROL).test(text)) {
		return multiline
			? `${label} cannot contain control characters other than line breaks and tabs.`
			: `${label} cannot contain control characters or line breaks.`;
	}
	if (SEPARATOR.test(text)) {
		return multiline
			? `${label} cannot contain line or paragraph separators (U+2028, U+2029); start a new line with Enter instead.`
			: `${label} cannot contain line breaks, including the line and paragraph separators (U+2028, U+2029).`;
	}
	if (BIDI_CONTROL.test(text)) {
		return `${label} cannot contain text-direction overrides or isolates (U+202A–U+202E, U+2066–U+2069).`;
	}
	if (required && isBlank(text)) {
		return `${label} cannot be empty or made only of invisible characters.`;
	}
	if (required && isOnlyMarks(text)) {
		return `${label} needs a letter, digit or symbol: it cannot be made only of combining marks.`;
	}
	if (text.length > max) {
		return `${label} can be at most ${max} characters (an emoji may count as two).`;
	}
	return null;
}
