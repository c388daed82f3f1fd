/** Pure helpers that compute what a creator looks like from the server copy and local edits. */
import type { Creator, EventFrame, ProfilePatch } from '../src/lib/shared/protocol';

/** One optimistic edit not yet confirmed by the server; `id` travels to the server as `editId`. */
export interface PendingEdit {
	id: string;
	patch: ProfilePatch;
}

/**
 * The creator as this tab shows it: the confirmed copy with every pending edit applied in order.
 *
 * @example applyEdits(alpha, [{ id: 'e1', patch: { nickname: 'Beta' } }]).nickname // 'Beta'
 */
export function applyEdits(confirmed: Creator | null, pending: PendingEdit[]): Creator | null {
	if (!confirmed) return null;

	return pending.reduce<Creator>((view, edit) => ({ ...view, ...definedFields(edit.patch) }), {
		...confirmed
	});
}

/**
 * Of two server copies, the one with the higher version; on a tie the incoming one, so an
 * answer to this tab's own write (same version as its broadcast) is still taken.
 *
 * Earnings are private: a `creator_updated` event carries the public copy without them, so an
 * owner's known earnings are kept rather than lost to that copy.
 */
export function pickNewer(current: Creator | null, incoming: Creator): Creator {
	if (current && current.version > incoming.version) return current;
	if (incoming.earningsCents === undefined && current?.earningsCents !== undefined) {
		return { ...incoming, earningsCents: current.earningsCents };
	}

	return incoming;
}

/**
 * Applies a server event to the confirmed copy. `creator_updated` is not handled here because
 * it replaces the whole copy (see `pickNewer`); a sale that ends is removed only if it is the
 * one shown, so a late "ended" for an older sale never hides a newer one.
 */
export function applyEventFrame(creator: Creator, frame: EventFrame): Creator {
	switch (frame.event) {
		case 'earnings_updated':
			return { ...creator, earningsCents: frame.data.earningsCents };
		case 'new_subscription':
		case 'subscription_cancelled':
			return { ...creator, subscriberCount: frame.data.subscriberCount };
		case 'flash_sale_created':
			return { ...creator, activeFlashSale: frame.data.flashSale };
		case 'flash_sale_ended':
			return creator.activeFlashSale?.id === frame.data.flashSaleId
				? { ...creator, activeFlashSale: null }
				: creator;
		case 'creator_updated':
			return pickNewer(creator, frame.data.creator);
	}
}

/**
 * Reads `{ creator }` from an API answer. Only the fields this module relies on are checked;
 * the server validates the full shape before it answers.
 */
export function readCreator(body: unknown): Creator | null {
	if (typeof body !== 'object' || body === null || !('creator' in body)) return null;

	const creator = (body as { creator: unknown }).creator;
	if (typeof creator !== 'object' || creator === null) return null;

	const { id, version } = creator as Partial<Creator>;
	if (typeof id !== 'string' || typeof version !== 'number') return null;

	return creator as Creator;
}

function definedFields(patch: ProfilePatch): Partial<Creator> {
	return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}
