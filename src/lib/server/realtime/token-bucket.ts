/**
 * Tokens that refill at a steady rate up to a capacity, starting full: what the per-socket
 * budgets (frames sent, events replayed) are made of. `tokens` may be spent below zero by a
 * budget that lets a caller dig itself deeper.
 */
export class TokenBucket {
	tokens: number;

	constructor(
		private readonly capacity: number,
		private readonly perMs: number,
		private refilledAt: number
	) {
		this.tokens = capacity;
	}

	/** Adds what refilled since the last look, never above the capacity; the tokens held now. */
	refill(now: number): number {
		const elapsed = Math.max(0, now - this.refilledAt);
		this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.perMs);
		this.refilledAt = now;

		return this.tokens;
	}
}
