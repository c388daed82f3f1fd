import type { RateLimitSetting } from '../config';

/** The answer for one hit: go on, or wait this many seconds. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Keys kept before expired windows are swept, so a flood of addresses cannot grow memory. */
const SWEEP_AT = 10_000;

/**
 * A fixed-window counter per key (an address, a user). The setting is read on every hit,
 * so a server started with other environment values applies them without a restart of this.
 *
 * @example
 * const signIns = new RateLimiter(signInRateLimit);
 * const decision = signIns.hit(address);
 * if (!decision.allowed) return tooMany(decision.retryAfterSeconds);
 */
export class RateLimiter {
	private readonly windows = new Map<string, { start: number; count: number }>();

	constructor(
		private readonly setting: () => RateLimitSetting,
		private readonly now: () => number = Date.now
	) {}

	hit(key: string): RateDecision {
		const { limit, windowMs } = this.setting();
		const now = this.now();
		if (this.windows.size >= SWEEP_AT) this.sweep(now, windowMs);

		let window = this.windows.get(key);
		if (!window || now - window.start >= windowMs) {
			window = { start: now, count: 0 };
			this.windows.set(key, window);
		}

		window.count += 1;
		if (window.count <= limit) return { allowed: true };

		return {
			allowed: false,
			retryAfterSeconds: Math.max(1, Math.ceil((window.start + windowMs - now) / 1000))
		};
	}

	private sweep(now: number, windowMs: number): void {
		for (const [key, window] of this.windows) {
			if (now - window.start >= windowMs) this.windows.delete(key);
		}
	}
}
