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
	private events: number;
	private readonly capacity: number;
	private readonly windowMs: number;

	constructor(
		options: { events: number; windowMs: number },
		private refilledAt: number
	) {
		this.capacity = options.events;
		this.windowMs = options.windowMs;
		this.events = options.events;
	}

	/** Whole events that may be replayed now. */
	available(now: number): number {
		const elapsed = Math.max(0, now - this.refilledAt);
		this.events = Math.min(this.capacity, this.events + (elapsed * this.capacity) / this.windowMs);
		this.refilledAt = now;

		return Math.floor(this.events);
	}

	spend(count: number): void {
		this.events = Math.max(0, this.events - count);
	}
}
