import { json } from '@sveltejs/kit';
import { z } from 'zod';
import {
	clearSessionCookie,
	openGuestSession,
	SESSION_COOKIE,
	sessionCookieOptions,
	signIn,
	signOut
} from '$lib/server/auth';
import { ApiError, apiRoute, readJson, validate } from '$lib/server/http';
import { closeSessionSockets } from '$lib/server/realtime';
import { mayOpenGuestSession } from '$lib/server/security/guest-sessions';
import { servedOverHttps } from '$lib/server/security/origin';
import type { RequestHandler } from './$types';

const signInSchema = z
	.object({
		email: z.email({ error: 'Enter a valid email address.' }).max(254, 'That email is too long.'),
		password: z
			.string({ error: 'Enter your password.' })
			.min(1, 'Enter your password.')
			.max(200, 'That password is too long.')
	})
	.strict();

export const GET: RequestHandler = apiRoute(async ({ locals }) => json({ user: locals.user }));

/**
 * Signs in with a new session id, never the one the cookie already named, so a session id
 * someone planted before sign-in opens nothing afterwards. A replaced signed-in session is
 * ended like a sign-out; a replaced guest session's sockets keep their public events.
 */
export const POST: RequestHandler = apiRoute(async ({ request, cookies, url, locals }) => {
	const { email, password } = validate(signInSchema, await readJson(request), 400);

	const session = await signIn(email, password);
	if (!session) throw new ApiError(401, 'The email or password is wrong.');

	if (locals.sessionId) {
		await signOut(locals.sessionId);
		if (locals.user) closeSessionSockets(locals.sessionId);
	}
	cookies.set(SESSION_COOKIE, session.token, sessionCookieOptions(servedOverHttps(url)));
	return json({ user: session.user });
});

/**
 * Ends the session and its sockets (1008), and hands the tab a fresh guest session while its
 * address is within the guest-session rate. Past it the sign-out still happens, only without
 * a new session, so a loop of sign-outs cannot mint what page loads may not.
 */
export const DELETE: RequestHandler = apiRoute(async (event) => {
	const { locals, cookies, url } = event;
	if (locals.sessionId) {
		await signOut(locals.sessionId);
		closeSessionSockets(locals.sessionId);
	}

	const secure = servedOverHttps(url);
	if (mayOpenGuestSession(event.getClientAddress())) {
		const guest = await openGuestSession();
		cookies.set(SESSION_COOKIE, guest.token, sessionCookieOptions(secure));
	} else if (cookies.get(SESSION_COOKIE)) {
		clearSessionCookie(cookies, secure);
	}
	return new Response(null, { status: 204 });
});
