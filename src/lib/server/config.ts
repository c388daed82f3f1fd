/**
 * Settings read from the environment. Read at call time rather than at import, because
 * `vite build` evaluates server modules and tests start the server with their own values.
 */
export function databasePath(): string {
	return process.env.DATABASE_PATH || 'data/creatordata.db';
}

/**
 * A `postgres://` (or `postgresql://`) connection string selects PostgreSQL; unset, the app
 * keeps its data in the SQLite file at `databasePath()`.
 */
export function databaseUrl(): string | null {
	return process.env.DATABASE_URL || null;
}

/** The fault switch exists for tests and the test page; production answers 404 unless asked. */
export function faultsEnvEnabled(): boolean {
	return process.env.CREATORDATA_FAULTS === '1';
}

/** Origins besides the request's own host that may open a socket (adapter-node's ORIGIN). */
export function allowedOrigins(): string[] {
	return [process.env.ORIGIN, ...(process.env.ALLOWED_ORIGINS ?? '').split(',')]
		.map((origin) => origin?.trim())
		.filter((origin): origin is string => Boolean(origin));
}

/** A count allowed per window of seconds, read from `COUNT/SECONDS` (e.g. `10/60`). */
export type RateLimitSetting = { limit: number; windowMs: number };

function rateLimitSetting(name: string, fallback: RateLimitSetting): RateLimitSetting {
	const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(process.env[name] ?? '');
	if (!match) return fallback;

	const limit = Number(match[1]);
	const seconds = Number(match[2]);
	return limit > 0 && seconds > 0 ? { limit, windowMs: seconds * 1000 } : fallback;
}

function positiveInteger(name: string, fallback: number): number {
	const value = Number(process.env[name]);
	return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/** Sign-in attempts per client address (`RATE_LIMIT_SIGN_IN`, default 10 a minute). */
export function signInRateLimit(): RateLimitSetting {
	return rateLimitSetting('RATE_LIMIT_SIGN_IN', { limit: 10, windowMs: 60_000 });
}

/** API writes per signed-in user, or per address for others (`RATE_LIMIT_WRITES`, 120 a minute). */
export function writeRateLimit(): RateLimitSetting {
	return rateLimitSetting('RATE_LIMIT_WRITES', { limit: 120, windowMs: 60_000 });
}

/**
 * Guest sessions opened per address (`RATE_LIMIT_GUEST_SESSIONS`, 30 a minute). Each one is a
 * row and a key to the socket cap, so a client minting them in a loop is cut off.
 */
export function guestSessionRateLimit(): RateLimitSetting {
	return rateLimitSetting('RATE_LIMIT_GUEST_SESSIONS', { limit: 30, windowMs: 60_000 });
}

/** Largest JSON request body the API reads (`MAX_BODY_BYTES`, default 16 KiB). */
export function maxBodyBytes(): number {
	return positiveInteger('MAX_BODY_BYTES', 16 * 1024);
}

/**
 * How long a stored Idempotency-Key answers a repeat (`IDEMPOTENCY_KEY_TTL_SECONDS`, default
 * a day): far longer than any client keeps retrying, short enough that the table stays small.
 */
export function idempotencyKeyTtlSeconds(): number {
	return positiveInteger('IDEMPOTENCY_KEY_TTL_SECONDS', 24 * 60 * 60);
}

/** How long a session, signed in or guest, lives (`SESSION_MAX_AGE_SECONDS`, default 30 days). */
export function sessionMaxAgeSeconds(): number {
	return positiveInteger('SESSION_MAX_AGE_SECONDS', 30 * 24 * 60 * 60);
}

/** Frames a socket may send per second, steadily (`WS_MAX_FRAMES_PER_SECOND`, default 30). */
export function socketFramesPerSecond(): number {
	return positiveInteger('WS_MAX_FRAMES_PER_SECOND', 30);
}

/** Frames beyond the subscriptions a page may send in its first burst: pings, a resume. */
const FRAME_BURST_HEADROOM = 10;

/**
 * Frames a socket may send at once before the steady rate applies (`WS_FRAME_BURST`, default
 * 250). A page subscribes to every creator it shows the moment its socket opens, and again on
 * every reconnect, so the burst is never below the subscription cap plus a little headroom.
 */
export function socketFrameBurst(): number {
	return Math.max(
		positiveInteger('WS_FRAME_BURST', 250),
		socketSubscriptionsCap() + FRAME_BURST_HEADROOM
	);
}

/** Creators one socket may follow at once (`WS_MAX_SUBSCRIPTIONS_PER_SOCKET`, default 200). */
export function socketSubscriptionsCap(): number {
	return positiveInteger('WS_MAX_SUBSCRIPTIONS_PER_SOCKET', 200);
}

/** Sockets one user (or one guest session) may hold open at once (`WS_MAX_SOCKETS_PER_USER`). */
export function socketsPerUser(): number {
	return positiveInteger('WS_MAX_SOCKETS_PER_USER', 20);
}

/**
 * Sockets the whole server holds open at once (`WS_MAX_SOCKETS`, default 10,000). One more is
 * accepted only to be told when to come back, since a browser cannot read the status of a
 * refused upgrade.
 */
export function socketsCap(): number {
	return positiveInteger('WS_MAX_SOCKETS', 10_000);
}

/**
 * Events the server replays to one socket per window (`WS_REPLAY_BUDGET`, default 1000 a
 * minute), over every replaying `subscribe` and `resume` together. Each replayed frame is a
 * whole event read from the log, so without this bound a few bytes of requests buy megabytes
 * of answers.
 */
export function socketReplayBudget(): RateLimitSetting {
	return rateLimitSetting('WS_REPLAY_BUDGET', { limit: 1000, windowMs: 60_000 });
}

/**
 * Sockets one client address may hold open at once, whatever sessions they carry
 * (`WS_MAX_SOCKETS_PER_ADDRESS`, default 60), so minting guest sessions cannot multiply them.
 */
export function socketsPerAddress(): number {
	return positiveInteger('WS_MAX_SOCKETS_PER_ADDRESS', 60);
}

/**
 * How to find a request's client address behind a proxy: adapter-node's `ADDRESS_HEADER`
 * (e.g. `x-forwarded-for`) and `XFF_DEPTH`, read the same way for WebSocket upgrades.
 */
export function addressHeader(): { name: string; xffDepth: number } | null {
	const name = (process.env.ADDRESS_HEADER ?? '').trim().toLowerCase();
	return name ? { name, xffDepth: positiveInteger('XFF_DEPTH', 1) } : null;
}
