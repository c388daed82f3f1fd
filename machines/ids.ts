/**
 * A random id for a tab or an edit.
 *
 * `crypto.randomUUID` exists only in secure contexts (https or localhost), so a page served
 * over plain http on a LAN address falls back to time plus randomness; these ids only need to
 * be unique among one person's tabs, not unguessable.
 */
export function createId(): string {
	const cryptoApi = globalThis.crypto;
	if (typeof cryptoApi?.randomUUID === 'function') return cryptoApi.randomUUID();

	const random = Math.random().toString(36).slice(2, 10);

	return `${Date.now().toString(36)}-${random}`;
}
