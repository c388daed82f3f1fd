import { TokenBucket } from './token-bucket';

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
	readonly #bucket: TokenBucket;
	private readonly perSecond: number;

	constructor(options: { perSecond: number; burst: number }, now: number) {
		this.perSecond = options.perSecond;
		this.#bucket = new TokenBucket(options.burst, options.perSecond / 1000, now);
	}

	take(now: number): FrameVerdict {
		this.#bucket.refill(now);
		this.#bucket.tokens -= 1;
		const { tokens } = this.#bucket;
		if (tokens >= 0) return 'accept';

		return tokens < -this.perSecond * FLOOD_SECONDS ? 'flood' : 'throttle';
	}
}
