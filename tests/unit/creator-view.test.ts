import { describe, expect, it } from 'vitest';
import { applyEdits, applyEventFrame, pickNewer, readCreator } from '../../machines/creator-view';
import { alpha, eventFrame } from './support/fixtures';

const sale = {
	id: 7,
	creatorId: 'c1',
	discountPercent: 20,
	startsAt: '2025-01-01T00:00:00.000Z',
	endsAt: '2025-01-01T01:00:00.000Z'
};

describe('creator-view', () => {
	it('applies pending edits in order when several change the same field', () => {
		const view = applyEdits(alpha(), [
			{ id: 'e1', patch: { nickname: 'Beta' } },
			{ id: 'e2', patch: { bio: 'y' } },
			{ id: 'e3', patch: { nickname: 'Gamma' } }
		]);

		expect(view).toMatchObject({ nickname: 'Gamma', bio: 'y', version: 1 });
	});

	it('returns a copy of the confirmed creator when nothing is pending', () => {
		const confirmed = alpha();
		const view = applyEdits(confirmed, []);

		expect(view).toEqual(confirmed);
		expect(view).not.toBe(confirmed);
	});

	it('skips undefined fields when a patch has them', () => {
		expect(
			applyEdits(alpha(), [{ id: 'e1', patch: { nickname: undefined, bio: 'y' } }])
		).toMatchObject({ nickname: 'Alpha', bio: 'y' });
	});

	it('returns null when there is no confirmed creator', () => {
		expect(applyEdits(null, [{ id: 'e1', patch: { bio: 'y' } }])).toBeNull();
	});

	it('keeps the current copy when the incoming one is older', () => {
		const current = alpha({ version: 3, nickname: 'Gamma' });

		expect(pickNewer(current, alpha({ version: 2 }))).toBe(current);
	});

	it('takes the incoming copy when it is as new or newer, or nothing is held', () => {
		const same = alpha({ version: 3, bio: 'z' });
		const newer = alpha({ version: 4 });

		expect(pickNewer(alpha({ version: 3 }), same)).toBe(same);
		expect(pickNewer(alpha({ version: 3 }), newer)).toBe(newer);
		expect(pickNewer(null, newer)).toBe(newer);
	});

	it("keeps the owner's earnings when the newer copy is the public one without them", () => {
		const owned = alpha({ version: 3, earningsCents: 10_700 });
		const { earningsCents: _private, ...publicCopy } = alpha({ version: 4, nickname: 'Beta' });

		expect(pickNewer(owned, publicCopy)).toEqual({ ...publicCopy, earningsCents: 10_700 });
		expect(pickNewer(null, publicCopy)).not.toHaveProperty('earningsCents');
	});

	it('updates earnings and subscriber counts when those events arrive', () => {
		const creator = alpha();

		expect(
			applyEventFrame(creator, eventFrame('earnings_updated', { earningsCents: 10500 }))
		).toEqual({ ...creator, earningsCents: 10500 });
		expect(
			applyEventFrame(creator, eventFrame('new_subscription', { subscriberCount: 4 }))
		).toEqual({
			...creator,
			subscriberCount: 4
		});
		expect(
			applyEventFrame(creator, eventFrame('subscription_cancelled', { subscriberCount: 2 }))
				.subscriberCount
		).toBe(2);
	});

	it('shows and hides a flash sale when it starts and ends', () => {
		const withSale = applyEventFrame(
			alpha(),
			eventFrame('flash_sale_created', { flashSale: sale })
		);

		expect(withSale.activeFlashSale).toEqual(sale);
		expect(
			applyEventFrame(withSale, eventFrame('flash_sale_ended', { flashSaleId: 7 })).activeFlashSale
		).toBeNull();
	});

	it('keeps the shown sale when an older sale ends', () => {
		const withSale = alpha({ activeFlashSale: sale });

		expect(applyEventFrame(withSale, eventFrame('flash_sale_ended', { flashSaleId: 6 }))).toBe(
			withSale
		);
	});

	it('takes the newer copy when a creator_updated event arrives', () => {
		const newer = alpha({ version: 2, nickname: 'Beta' });

		expect(applyEventFrame(alpha(), eventFrame('creator_updated', { creator: newer }))).toBe(newer);
		expect(applyEventFrame(newer, eventFrame('creator_updated', { creator: alpha() }))).toBe(newer);
	});

	it('reads the creator when an answer has one, else null', () => {
		expect(readCreator({ creator: alpha() })).toEqual(alpha());
		expect(readCreator({ creator: { id: 'c1' } })).toBeNull();
		expect(readCreator({ creator: null })).toBeNull();
		expect(readCreator({ creators: [] })).toBeNull();
		expect(readCreator(null)).toBeNull();
		expect(readCreator('text')).toBeNull();
	});
});
