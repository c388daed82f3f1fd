/**
 * The checks every request passes before it reaches a route, run by hooks.server.ts once
 * the session is known: writes only from the app's own pages, bounded bodies, and rate
 * limits on sign-in and on writes.
 */
import { json, type RequestEvent } from '@sveltejs/kit';
import { maxBodyBytes, signInRateLimit, writeRateLimit } from '../config';
import type { ApiErrorBody } from '../http';
import { appOrigin, originAllowed } from './origin';
import { RateLimiter } from './rate-limit';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const signIns = new RateLimiter(signInRateLimit);
const writes = new RateLimiter(writeRateLimit);

function refusal(status: number, message: string, headers: Record<string, string> = {}): Response {
	const body: ApiErrorBody = { message };
	return json(body, { status, headers });
}

/** The path with its escapes decoded; a malformed one stays as sent (SvelteKit answers 400). */
function decodedPath(url: URL): string {
	try {
		return decodeURI(url.pathname);
	} catch {
		return url.pathname;
	}
}

/**
 * Whether a request is for the JSON API. `url.pathname` keeps the escapes the client sent,
 * while the router matches the decoded path, so `/%61pi/creators` reaches an API route:
 * the matched route's id says where the request goes, and a path no route matched is
 * decoded the same way.
 */
export function isApiRequest(event: RequestEvent): boolean {
	return (event.route.id ?? decodedPath(event.url)).startsWith('/api/');
}

/**
 * A response that refuses the request, or null to let it through.
 *
 * SvelteKit's own CSRF check covers only form content types; a page elsewhere can still
 * `fetch` a JSON write with the visitor's cookie, so the Origin rule applies to every write.
 */
export function guardRequest(event: RequestEvent): Response | null {
	const { request, url, route } = event;
	if (!WRITE_METHODS.has(request.method)) return null;

	if (!originAllowed(request.headers.get('origin'), appOrigin(url))) {
		return refusal(403, 'Changes can only be made from this app’s own pages.');
	}

	const declaredLength = Number(request.headers.get('content-length') ?? 0);
	if (declaredLength > maxBodyBytes()) {
		return refusal(413, `The request body can be at most ${maxBodyBytes()} bytes.`);
	}

	const address = event.getClientAddress();
	// By route, not by path: `/api/%73ession` is the same sign-in and must count against its limit.
	const isSignIn = request.method === 'POST' && route.id === '/api/session';
	const decision = isSignIn
		? signIns.hit(address)
		: writes.hit(event.locals.user ? `user:${event.locals.user.id}` : `address:${address}`);
	if (decision.allowed) return null;

	return refusal(
		429,
		isSignIn
			? 'Too many sign-in attempts. Wait a moment and try again.'
			: 'Too many changes in a short time. Wait a moment and try again.',
		{ 'retry-after': String(decision.retryAfterSeconds) }
	);
}
