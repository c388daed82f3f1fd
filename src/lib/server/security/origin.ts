/**
 * Which pages may act on a signed-in user's behalf. Browsers attach cookies to cross-site
 * WebSocket handshakes and to `fetch` calls from any page; the Origin header is the one
 * thing such a page cannot forge, so every socket and every API write is checked against it.
 *
 * The rule for a missing Origin: browsers always send one on WebSocket handshakes and on
 * cross-origin writes, so a request without it comes from a program, not from a page that
 * could borrow a visitor's cookie. It is let through and authenticated like any other.
 */
import { allowedOrigins } from '../config';

/** `scheme://host[:port]` of an http(s) URL, lower-cased and without a default port; else null. */
export function normalizeOrigin(value: string): string | null {
	try {
		const url = new URL(value);
		if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
		return url.origin;
	} catch {
		return null;
	}
}

/**
 * Whether a request with this Origin header may go on. `ownOrigin` is the app's own origin;
 * `ALLOWED_ORIGINS` (comma-separated) and `ORIGIN` add more. Scheme, host and port must
 * all match exactly, so `https://app.example.evil.com` or `http://` for an https app fail.
 *
 * @example
 * originAllowed(request.headers.get('origin'), url.origin); // true for the app's own pages
 */
export function originAllowed(origin: string | null | undefined, ownOrigin: string): boolean {
	if (origin === undefined || origin === null) return true;

	const normalized = normalizeOrigin(origin);
	if (normalized === null) return false;

	const trusted = [ownOrigin, ...allowedOrigins()].map(normalizeOrigin);
	return trusted.includes(normalized);
}

/**
 * The app's own origin for an HTTP request. With `ORIGIN` (or adapter-node's
 * `PROTOCOL_HEADER`) set, it is the URL SvelteKit built. Without them adapter-node guesses
 * https, but server.js serves plain HTTP, so the page a person opened is `http://` + Host.
 * An https page behind an unconfigured proxy is refused rather than guessed at.
 */
export function appOrigin(url: URL): string {
	if (process.env.ORIGIN || process.env.PROTOCOL_HEADER) return url.origin;
	return `http://${url.host}`;
}

/**
 * Whether the page a person opened is https, so the session cookie may be `Secure`. Without
 * `ORIGIN` the server answers plain HTTP, and a Secure cookie there is dropped by the browser
 * on every host but localhost: nobody could sign in.
 */
export function servedOverHttps(url: URL): boolean {
	return appOrigin(url).startsWith('https:');
}
