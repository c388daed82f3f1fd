import { TokenBucket } from './token-bucket';

/**
 * How many logged events one socket may still be replayed. It starts full, so a reconnect
 * replays what it missed at once, and refills slowly over its window: a page replays each
 * creator once per connection, so only a socket that keeps asking for the same history runs
 * dry, and from then on it is told to reload over HTTP instead.
 *
 * @example
 * const budget = new ReplayBudget({ events: 1000, windowMs: 60_000 }, Date.now());
 * const missed = await resumeFrom(afterId, creatorIds, budget.available(Date.now()));
 * if (missed.kind === 'events') budget.spend(missed.events.length);
 */
export class ReplayBudget {
	readonly #bucket: TokenBucket;

	constructor(options: { events: number; windowMs: number }, now: number) {
		this.#bucket = new TokenBucket(options.events, options.events / options.windowMs, now);
	}

	/** Whole events that may be replayed now. */
	available(now: number): number {
		return Math.floor(this.#bucket.refill(now));
	}

	spend(count: number): void {
		this.#bucket.tokens = Math.max(0, this.#bucket.tokens - count);
	}
}
