/** Pure helpers that compute what a creator looks like from the server copy and local edits. */
import type { Creator, EventFrame, ProfilePatch } from '../src/lib/shared/protocol';

/** One optimistic edit not yet confirmed by the server; `id` travels to the server as `editId`. */
export interface PendingEdit {
	id: string;
	patch: ProfilePatch;
	/** How many times the edit was re-applied on a newer server copy after a conflict. */
	rebases?: number;
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
 * The fields that change without a new version (subscribers, earnings, the running sale):
 * only the event log orders them.
 */
function liveFields(creator: Creator): Partial<Creator> {
	const { subscriberCount, activeFlashSale, earningsCents } = creator;

	return {
		subscriberCount,
		activeFlashSale,
		...(earningsCents !== undefined && { earningsCents })
	};
}

/**
 * Of two server copies, the newer one. The profile is ordered by version; on a tie the
 * incoming copy wins, so an answer to this tab's own write (same version as its broadcast) is
 * still taken. The live fields change without a new version, so they are ordered by the
 * event-log position each copy reflects: a `stale` copy (read before events this tab already
 * applied) brings at most a newer profile and keeps the live fields as they are.
 *
 * Earnings are private: a `creator_updated` event carries the public copy without them, so an
 * owner's known earnings are kept rather than lost to that copy.
 *
 * @example pickNewer(afterSubscription, answerReadBeforeIt, true).subscriberCount // kept
 */
export function pickNewer(current: Creator | null, incoming: Creator, stale = false): Creator {
	if (current && current.version > incoming.version) return current;
	if (current && stale && current.version === incoming.version) return current;

	const merged = current && stale ? { ...incoming, ...liveFields(current) } : incoming;
	if (merged.earningsCents === undefined && current?.earningsCents !== undefined) {
		return { ...merged, earningsCents: current.earningsCents };
	}

	return merged;
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

/** The event-log position an API answer reflects (`eventId`), or null when it names none. */
export function readEventId(body: unknown): number | null {
	if (typeof body !== 'object' || body === null || !('eventId' in body)) return null;

	const { eventId } = body as { eventId: unknown };
	return typeof eventId === 'number' && Number.isInteger(eventId) ? eventId : null;
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
