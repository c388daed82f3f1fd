/**
 * Settings read from the environment. Read at call time rather than at import, because
 * `vite build` evaluates server modules and tests start the server with their own values.
 */
export function databasePath(): string {
	return process.env.DATABASE_PATH || 'data/creatordata.db';
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
