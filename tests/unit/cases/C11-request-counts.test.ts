/** C11 — how many requests each kind of failure causes, and what the person is left with. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorMessages } from '../../../machines/retry-policy';
import { startCreator } from '../support/creator-harness';
import { alpha, fail, ok, settle } from '../support/fixtures';

describe('C11 request counts', () => {
	beforeEach(() => {
		vi.useFakeTimers();
		// Retry waits carry random jitter; at 0 they are exactly the doubling schedule.
		vi.spyOn(Math, 'random').mockReturnValue(0);
	});

	afterEach(() => {
		vi.useRealTimers();
		vi.restoreAllMocks();
	});

	it('sends 1 request and shows "not found" when GET answers 404', async () => {
		const { actor, requests } = startCreator([fail(404)], { creatorId: 'unknown' });
		await vi.advanceTimersByTimeAsync(10_000);

		expect(requests).toHaveLength(1);
		expect(actor.getSnapshot().value).toBe('unavailable');
		expect(actor.getSnapshot().context.error).toMatchObject({
			category: 'notFound',
			message: 'This creator could not be found. It may have been removed.'
		});
	});

	it('sends 1 request, asks for sign-in and rolls back when PATCH answers 401', async () => {
		const { actor, patches, notifyAuthRequired } = startCreator([fail(401)], {
			creatorId: 'c1',
			snapshot: alpha()
		});

		actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' } });
		await vi.advanceTimersByTimeAsync(10_000);

		expect(patches()).toHaveLength(1);
		expect(notifyAuthRequired).toHaveBeenCalledTimes(1);
		expect(actor.getSnapshot().context.view).toEqual(alpha());
		expect(actor.getSnapshot().context.error?.message).toBe(errorMessages.auth);
	});

	it('sends 1 request, shows a message and rolls back when PATCH answers 403', async () => {
		const { actor, patches, notifyAuthRequired } = startCreator(
			[fail(403, 'You can only change your own profile.')],
			{ creatorId: 'c2', snapshot: alpha({ id: 'c2' }) }
		);

		actor.send({ type: 'creator.edit', patch: { nickname: 'Beta' } });
		await vi.advanceTimersByTimeAsync(10_000);

		expect(patches()).toHaveLength(1);
		expect(notifyAuthRequired).not.toHaveBeenCalled();
		expect(actor.getSnapshot().context.view).toEqual(alpha({ id: 'c2' }));
		expect(actor.getSnapshot().context.error).toMatchObject({
			category: 'auth',
			status: 403,
			message: errorMessages.auth
		});
	});

	it.each([
		['at the bottom of the jitter', 0, [0, 250, 750, 1750]],
		['at the top of the jitter', 0.9999, [0, 499, 1498, 3497]]
	])(
		'sends 4 requests with growing gaps and shows an error when GET answers 503 every time, %s',
		async (_, random, expected) => {
			vi.spyOn(Math, 'random').mockReturnValue(random);
			const { actor, requests } = startCreator([fail(503)], { creatorId: 'c1' });
			const sentAt: number[] = [];
			const start = Date.now();
			let seen = 0;
			for (let ms = 0; ms <= 5000; ms += 1) {
				if (requests.length > seen) {
					seen = requests.length;
					sentAt.push(Date.now() - start);
				}
				await vi.advanceTimersByTimeAsync(1);
			}

			expect(requests).toHaveLength(4);
			expect(sentAt).toEqual(expected);
			const gaps = sentAt.slice(1).map((at, index) => at - (sentAt[index] as number));
			gaps.slice(1).forEach((gap, index) => expect(gap).toBeGreaterThan(gaps[index] as number));
			expect(actor.getSnapshot().context.error).toMatchObject({
				category: 'server',
				message: errorMessages.server
			});
		}
	);

	it('sends 4 requests and shows an error when the network fails every time', async () => {
		const { actor, requests } = startCreator(['network'], { creatorId: 'c1' });
		await vi.advanceTimersByTimeAsync(10_000);

		expect(requests).toHaveLength(4);
		expect(actor.getSnapshot().context.error).toMatchObject({
			category: 'network',
			message: errorMessages.network
		});
	});

	it('sends 3 requests and shows the data with no error when GET answers 503, 503, 200', async () => {
		const { actor, requests } = startCreator([fail(503), fail(503), ok({ creator: alpha() })], {
			creatorId: 'c1'
		});
		await settle();
		expect(actor.getSnapshot().value).toBe('loading');
		await vi.advanceTimersByTimeAsync(10_000);

		expect(requests).toHaveLength(3);
		expect(actor.getSnapshot().value).toBe('idle');
		expect(actor.getSnapshot().context.view).toEqual(alpha());
		expect(actor.getSnapshot().context.error).toBeNull();
	});
});
