/** The cross-tab message format and how it is made safe to post. */
import { tabMessageSchema, type TabMessage } from '../src/lib/shared/protocol';

/** The BroadcastChannel name, and the localStorage key of the fallback. */
export const CHANNEL_NAME = 'fonana_creator_sync';

/**
 * A JSON copy of a message, or null when it cannot be copied (a cycle, a BigInt).
 *
 * `postMessage` uses structured clone, which throws on functions and on Svelte 5 `$state`
 * proxies; a JSON round trip reads through proxies and drops functions, so what is posted is
 * always plain data.
 */
export function toPlainMessage(message: unknown): unknown {
	try {
		const json = JSON.stringify(message);

		return json === undefined ? null : JSON.parse(json);
	} catch {
		return null;
	}
}

/** The message if it has the shape tabs agreed on, else null. */
export function readTabMessage(value: unknown): TabMessage | null {
	const result = tabMessageSchema.safeParse(value);

	return result.success ? result.data : null;
}
