import { createHash, randomBytes } from 'node:crypto';
import type { Cookies } from '@sveltejs/kit';
import { sessionMaxAgeSeconds } from './config';
import { getDb } from './db';
import { decoyPasswordHash, verifyPassword } from './password';

export { hashPassword, verifyPassword } from './password';

/** The person behind a request or a socket, as routes, hooks and the socket hub see them. */
export type SessionUser = {
	id: number;
	email: string;
	displayName: string;
	creatorId: string | null;
};

/**
 * A visitor's session. Guests have one too (`user: null`), issued on their first page, so
 * every socket belongs to a session the server can end, and a guest receives public events.
 */
export type Session = {
	/** sha256 of the cookie token: the sessions table key, safe to log and to compare. */
	id: string;
	user: SessionUser | null;
	expiresAt: Date;
};

/** A session just opened: the token goes in the cookie and nowhere else. */
export type OpenedSession<U extends SessionUser | null = SessionUser | null> = Session & {
	token: string;
	user: U;
};

export const SESSION_COOKIE = 'cd_session';

/** Expired rows are deleted at most this often, when a guest session is opened. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;
let lastPrunedAt = 0;

/** The options the session cookie is set and cleared with; Secure only where the page is https. */
export function sessionCookieOptions(secure: boolean) {
	return {
		path: '/',
		httpOnly: true,
		sameSite: 'lax' as const,
		secure,
		maxAge: sessionMaxAgeSeconds()
	};
}

/** Removes the session cookie, named with the options it was set with so the browser drops it. */
export function clearSessionCookie(cookies: Cookies, secure: boolean): void {
	const { maxAge: _maxAge, ...options } = sessionCookieOptions(secure);
	cookies.delete(SESSION_COOKIE, options);
}

export function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/**
 * Checks the password and opens a session. The token goes in the cookie; only its hash
 * is stored. Returns null for a wrong email or password, without saying which.
 *
 * @example
 * const signedIn = await signIn('alpha@creatordata.test', 'alpha-demo-pass');
 * if (signedIn) cookies.set(SESSION_COOKIE, signedIn.token, sessionCookieOptions(false));
 */
export async function signIn(
	email: string,
	password: string
): Promise<OpenedSession<SessionUser> | null> {
	const db = await getDb();
	const row = await db
		.selectFrom('users')
		.leftJoin('creators', 'creators.user_id', 'users.id')
		.select([
			'users.id',
			'users.email',
			'users.display_name',
			'users.password_hash',
			'creators.id as creator_id'
		])
		.where('users.email', '=', email.trim().toLowerCase())
		.executeTakeFirst();

	const valid = await verifyPassword(password, row?.password_hash ?? (await decoyPasswordHash()));
	if (!row || !valid) return null;

	const user = {
		id: row.id,
		email: row.email,
		displayName: row.display_name,
		creatorId: row.creator_id
	};
	return { ...(await createSession(user.id)), user };
}

/** A session without a user, for a visitor's first page: public events on the socket, no more. */
export async function openGuestSession(): Promise<OpenedSession<null>> {
	const now = Date.now();
	if (now - lastPrunedAt >= PRUNE_EVERY_MS) {
		lastPrunedAt = now;
		const db = await getDb();
		await db
			.deleteFrom('sessions')
			.where('expires_at', '<=', new Date(now).toISOString())
			.execute();
	}

	return { ...(await createSession(null)), user: null };
}

/** A fresh random token and its row; ids are never reused, so sign-in always rotates them. */
async function createSession(userId: number | null) {
	const db = await getDb();
	const token = randomBytes(32).toString('base64url');
	const now = new Date();
	const expiresAt = new Date(now.getTime() + sessionMaxAgeSeconds() * 1000);
	const id = hashToken(token);

	await db
		.insertInto('sessions')
		.values({
			id,
			user_id: userId,
			created_at: now.toISOString(),
			expires_at: expiresAt.toISOString()
		})
		.execute();

	return { id, token, expiresAt };
}

/** The live session a cookie token belongs to, or null when it is unknown or expired. */
export async function findSession(token: string): Promise<Session | null> {
	const db = await getDb();
	const row = await db
		.selectFrom('sessions')
		.leftJoin('users', 'users.id', 'sessions.user_id')
		.leftJoin('creators', 'creators.user_id', 'users.id')
		.select([
			'sessions.id as session_id',
			'sessions.expires_at',
			'users.id',
			'users.email',
			'users.display_name',
			'creators.id as creator_id'
		])
		.where('sessions.id', '=', hashToken(token))
		.executeTakeFirst();

	if (!row) return null;

	const expiresAt = new Date(row.expires_at);
	if (expiresAt.getTime() <= Date.now()) {
		await db.deleteFrom('sessions').where('id', '=', row.session_id).execute();
		return null;
	}

	const user =
		row.id === null || row.email === null || row.display_name === null
			? null
			: { id: row.id, email: row.email, displayName: row.display_name, creatorId: row.creator_id };
	return { id: row.session_id, expiresAt, user };
}

/** Ends a session: its row is deleted, so its cookie opens nothing from now on. */
export async function signOut(sessionId: string): Promise<void> {
	const db = await getDb();
	await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}
