/** What to do with one incoming frame. */
export type FrameVerdict = 'accept' | 'throttle' | 'flood';

/**
 * How many frames past an empty bucket, as a multiple of the per-second rate, a socket may
 * send before it counts as flooding and is closed.
 */
const FLOOD_SECONDS = 1;

/**
 * A token bucket for one socket's incoming frames. It starts full, so a page can send its
 * whole burst at once (a subscribe for every creator it shows, on connect and on every
 * reconnect), and refills at the steady rate. A frame that finds it empty is refused and
 * still spends a token, so a socket that keeps sending digs itself deeper; one whole second
 * of refused frames past empty is a flood.
 *
 * @example
 * const budget = new FrameBudget({ perSecond: 30, burst: 250 }, Date.now());
 * if (budget.take(Date.now()) !== 'accept') ignoreTheFrame();
 */
export class FrameBudget {
	private tokens: number;
	private readonly perSecond: number;
	private readonly burst: number;

	constructor(
		options: { perSecond: number; burst: number },
		private refilledAt: number
	) {
		this.perSecond = options.perSecond;
		this.burst = options.burst;
		this.tokens = options.burst;
	}

	take(now: number): FrameVerdict {
		const elapsed = Math.max(0, now - this.refilledAt);
		this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
		this.refilledAt = now;

		this.tokens -= 1;
		if (this.tokens >= 0) return 'accept';

		return this.tokens < -this.perSecond * FLOOD_SECONDS ? 'flood' : 'throttle';
	}
}
