/** `{ active: 'open' }` → `active.open`; a string value stays as it is. */
export function stateLabel(value: unknown): string {
	if (typeof value === 'string') return value;
	if (value && typeof value === 'object') {
		const [key, child] = Object.entries(value)[0] ?? [];
		if (key === undefined) return '';
		const rest = stateLabel(child);
		return rest ? `${key}.${rest}` : key;
	}
	return '';
}
