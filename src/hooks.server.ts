import type { Handle, HandleServerError, RequestEvent, ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import {
	clearSessionCookie,
	findSession,
	openGuestSession,
	SESSION_COOKIE,
	sessionCookieOptions
} from '$lib/server/auth';
import { startFlashSaleScheduler } from '$lib/server/flash-sales';
import { logger } from '$lib/server/logger';
import { guardRequest, isApiRequest } from '$lib/server/security/guard';
import { mayOpenGuestSession } from '$lib/server/security/guest-sessions';
import { servedOverHttps } from '$lib/server/security/origin';
// Imported for its side effect: it registers the socket endpoint on globalThis for server.js.
import '$lib/server/realtime';

export const init: ServerInit = async () => {
	// `vite build` may initialise the server to analyse it; that must not create a database.
	if (building) return;
	await startFlashSaleScheduler();
};

/** Sent with every answer: no MIME sniffing of API text, no full URLs leaked to other sites. */
const SECURITY_HEADERS = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin'
};

/** Page loads, where a visitor without a session is given a guest one; not API calls. */
function isPageRequest(event: RequestEvent): boolean {
	const { method } = event.request;
	return (method === 'GET' || method === 'HEAD') && !isApiRequest(event);
}

export const handle: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.sessionId = null;
	const secure = servedOverHttps(event.url);

	const token = event.cookies.get(SESSION_COOKIE);
	const session = token ? await findSession(token) : null;
	if (session) {
		event.locals.user = session.user;
		event.locals.sessionId = session.id;
	} else if (isPageRequest(event) && mayOpenGuestSession(event.getClientAddress())) {
		// Every socket needs a session; a guest's carries public events only. Past the rate the
		// page still loads, just without a session (and so without live updates).
		const guest = await openGuestSession();
		event.cookies.set(SESSION_COOKIE, guest.token, sessionCookieOptions(secure));
		event.locals.sessionId = guest.id;
	} else if (token) {
		clearSessionCookie(event.cookies, secure);
	}

	const refused = guardRequest(event);
	const response = refused ?? (await resolve(event));
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
	// API answers are live and may be private (an owner's earnings): a browser must never answer
	// a later read, a refresh after a reconnect or another visitor's, from its cache. Pages
	// rendered for a signed-in user may hold the same private data.
	if (isApiRequest(event) || event.locals.user) response.headers.set('cache-control', 'no-store');
	return response;
};

export const handleError: HandleServerError = ({ error, event, status, message }) => {
	const request = { method: event.request.method, path: event.url.pathname, status };
	if (status >= 500) {
		logger.error({ ...request, err: error }, 'unhandled error');
		return { message: 'Something went wrong on our side.' };
	}

	// SvelteKit refused the request itself (an unknown page, a malformed address): the
	// client's mistake, not ours. Anyone can send these in a loop, so they are logged quietly
	// and without a stack.
	logger.debug({ ...request, reason: message }, 'request refused');
	return {
		message:
			status === 404 ? 'Not found.' : 'This address could not be read; check it and try again.'
	};
};
