/**
 * Makes recorded events safe to save and share: plain JSON only, and nothing that could sign
 * someone in. Session cookies never reach the machines (the browser sends them), but a trace is
 * a file people attach to bug reports, so every value is checked on the way in and on load.
 */

/** Keys whose values are credentials wherever they appear. */
const SECRET_KEY = /pass(word|wd|phrase)?$|cookie|authori[sz]ation|secret|token|^cd_session$/i;

/** A cookie header value or a bearer credential inside any string. */
const SECRET_TEXT = /\bcd_session=|\bBearer\s+[\w.~+/-]+/i;

export const REDACTED = '[redacted]';

/**
 * A JSON-safe copy of `value` with credentials replaced by `[redacted]`. Errors become
 * `{ name, message }`, actor references their id, and functions disappear.
 *
 * @example
 * toTraceValue({ email: 'a@b.c', password: 'x' }); // { email: 'a@b.c', password: '[redacted]' }
 */
export function toTraceValue(value: unknown, depth = 0): unknown {
	if (depth > 20) return null;
	if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
	if (typeof value === 'string') return SECRET_TEXT.test(value) ? REDACTED : value;
	if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
		return undefined;
	}
	if (typeof value === 'bigint') return String(value);
	if (value instanceof Error) return { name: value.name, message: value.message };
	if (Array.isArray(value)) return value.map((item) => toTraceValue(item, depth + 1) ?? null);

	const record = value as Record<string, unknown>;
	// An actor reference (e.g. inside a snapshot) is recorded by its id alone.
	if (typeof record.sessionId === 'string' && typeof record.send === 'function') {
		return { actor: String(record.id) };
	}

	const copy: Record<string, unknown> = {};
	for (const [key, item] of Object.entries(record)) {
		const safe = SECRET_KEY.test(key) ? REDACTED : toTraceValue(item, depth + 1);
		if (safe !== undefined) copy[key] = safe;
	}

	return copy;
}

/** Where a value holds a credential (`steps[3].event.password`); empty when it holds none. */
export function findSecrets(value: unknown, path = ''): string[] {
	if (typeof value === 'string') return SECRET_TEXT.test(value) ? [path || '(root)'] : [];
	if (Array.isArray(value)) {
		return value.flatMap((item, index) => findSecrets(item, `${path}[${index}]`));
	}
	if (value && typeof value === 'object') {
		return Object.entries(value).flatMap(([key, item]) => {
			const here = path ? `${path}.${key}` : key;
			if (SECRET_KEY.test(key) && item !== REDACTED) return [here];

			return findSecrets(item, here);
		});
	}

	return [];
}
