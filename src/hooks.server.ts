import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { building } from '$app/environment';
import { findSession, SESSION_COOKIE, sessionCookieOptions } from '$lib/server/auth';
import { startFlashSaleScheduler } from '$lib/server/flash-sales';
import { logger } from '$lib/server/logger';
// Imported for its side effect: it registers the socket endpoint on globalThis for server.js.
import '$lib/server/realtime';

export const init: ServerInit = async () => {
	// `vite build` may initialise the server to analyse it; that must not create a database.
	if (building) return;
	await startFlashSaleScheduler();
};

export const handle: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.sessionId = null;

	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		const session = await findSession(token);
		if (session) {
			event.locals.user = session.user;
			event.locals.sessionId = session.id;
		} else {
			const { maxAge: _maxAge, ...options } = sessionCookieOptions(event.url.protocol === 'https:');
			event.cookies.delete(SESSION_COOKIE, options);
		}
	}

	return resolve(event);
};

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) {
		logger.error(
			{ err: error, method: event.request.method, path: event.url.pathname },
			'unhandled error'
		);
	}
	return { message: status === 404 ? 'Not found.' : 'Something went wrong on our side.' };
};
