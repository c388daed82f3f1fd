import { guestSessionRateLimit } from '../config';
import { RateLimiter } from './rate-limit';

/**
 * One budget for every door that opens a guest session, a first page load and a sign-out
 * alike: each session is a row and a key to the per-session socket cap, so a client looping
 * on either must be cut off at the same rate.
 */
const guestSessions = new RateLimiter(guestSessionRateLimit);

/** Counts one guest session for this client address; false once it is past its rate. */
export function mayOpenGuestSession(address: string): boolean {
	return guestSessions.hit(address).allowed;
}
