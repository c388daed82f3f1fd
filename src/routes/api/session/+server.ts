import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { SESSION_COOKIE, sessionCookieOptions, signIn, signOut } from '$lib/server/auth';
import { ApiError, apiRoute, readJson, validate } from '$lib/server/http';
import { closeSessionSockets } from '$lib/server/realtime';
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

export const POST: RequestHandler = apiRoute(async ({ request, cookies, url }) => {
	const { email, password } = validate(signInSchema, await readJson(request), 400);

	const session = await signIn(email, password);
	if (!session) throw new ApiError(401, 'The email or password is wrong.');

	cookies.set(SESSION_COOKIE, session.token, sessionCookieOptions(url.protocol === 'https:'));
	return json({ user: session.user });
});

export const DELETE: RequestHandler = apiRoute(async ({ locals, cookies, url }) => {
	if (locals.sessionId) {
		await signOut(locals.sessionId);
		closeSessionSockets(locals.sessionId);
	}

	const { maxAge: _maxAge, ...options } = sessionCookieOptions(url.protocol === 'https:');
	cookies.delete(SESSION_COOKIE, options);
	return new Response(null, { status: 204 });
});
