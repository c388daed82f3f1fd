import { json, type RequestEvent } from '@sveltejs/kit';
import type { z } from 'zod';
import type { SessionUser } from './auth';
import { maxBodyBytes } from './config';
import { logger } from './logger';
import { creatorId } from '$lib/shared/protocol';

/** What every failed API call answers: a sentence for people, and one per field when useful. */
export type ApiErrorBody = {
	message: string;
	fieldErrors?: Record<string, string>;
	[detail: string]: unknown;
};

/** A failure with the status it should answer; thrown anywhere below a route, answered once. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly fieldErrors?: Record<string, string>,
		/** More the client needs to act on the failure, e.g. the current copy after a conflict. */
		readonly details?: Record<string, unknown>
	) {
		super(message);
		this.name = 'ApiError';
	}
}

/**
 * Wraps a route handler so every failure leaves as the JSON error shape: ApiErrors with
 * their status, anything unexpected as a logged 500 that reveals nothing internal.
 *
 * @example
 * export const GET = apiRoute(async ({ params }) => json({ creator: await readCreator(params.id) }));
 */
export function apiRoute<E extends RequestEvent>(
	handler: (event: E) => Promise<Response>
): (event: E) => Promise<Response> {
	return async (event) => {
		try {
			// Every `[id]` in an API path is a creator id: one that cannot be one (a NUL byte,
			// a path fragment) is no creator, answered before any database sees it.
			const { id } = event.params as { id?: string };
			if (id !== undefined && !creatorId.safeParse(id).success) {
				throw new ApiError(404, 'There is no creator with this id.');
			}
			return await handler(event);
		} catch (error) {
			if (error instanceof ApiError) {
				const body: ApiErrorBody = { ...error.details, message: error.message };
				if (error.fieldErrors) body.fieldErrors = error.fieldErrors;
				return json(body, { status: error.status });
			}

			logger.error(
				{ err: error, method: event.request.method, path: event.url.pathname },
				'request failed'
			);
			return json({ message: 'Something went wrong on our side. Try again.' }, { status: 500 });
		}
	};
}

/** The signed-in user, or a 401 for anyone else. */
export function requireUser(locals: App.Locals): SessionUser {
	if (!locals.user) throw new ApiError(401, 'Sign in to do this.');
	return locals.user;
}

/** Fatal, so bytes that are not UTF-8 are refused instead of being stored as U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON body; a body that is not UTF-8 or not JSON is a 400, whatever it claims to
 * be, and one over the size limit is a 413. The hook refuses a declared length over the
 * limit; this counts the bytes as they arrive, for bodies sent without a length (chunked).
 */
export async function readJson(request: Request, limit = maxBodyBytes()): Promise<unknown> {
	const text = await readText(request, limit);
	try {
		return JSON.parse(text);
	} catch {
		throw new ApiError(400, 'The request body must be valid JSON.');
	}
}

/**
 * Reads at most `limit` bytes. Past the limit the rest is read and dropped rather than the
 * stream cancelled: cancelling resets the connection, and the client would never see the 413.
 * The server's own BODY_SIZE_LIMIT (adapter-node, 512 KiB) bounds how much is dropped.
 */
async function readText(request: Request, limit: number): Promise<string> {
	if (!request.body) return '';

	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;

			size += value.byteLength;
			if (size <= limit) chunks.push(value);
		}
	} catch (error) {
		if (size <= limit) throw error;
	}

	if (size > limit) throw new ApiError(413, `The request body can be at most ${limit} bytes.`);
	try {
		return UTF8.decode(Buffer.concat(chunks));
	} catch {
		throw new ApiError(400, 'The request body is not valid UTF-8.');
	}
}

/**
 * Validates input against a schema; failure is an ApiError (422 by default) with one
 * message per field, unknown fields included, so a form can show each next to its input.
 */
export function validate<T>(schema: z.ZodType<T>, input: unknown, status = 422): T {
	const result = schema.safeParse(input);
	if (result.success) return result.data;

	// Field names come from the client. On a plain object `constructor`, `toString` or
	// `__proto__` would find Object.prototype's members and never get a message of their own.
	const fieldErrors: Record<string, string> = Object.create(null);
	let message = 'Some fields need attention.';
	for (const issue of result.error.issues) {
		if (issue.code === 'unrecognized_keys') {
			for (const key of issue.keys) fieldErrors[key] ??= 'This field is not accepted.';
		} else if (issue.path.length === 0 && issue.code === 'invalid_type') {
			message = 'The request body must be a JSON object.';
		} else if (issue.path.length > 0) {
			fieldErrors[issue.path.map(String).join('.')] ??= issue.message;
		} else {
			message = issue.message;
		}
	}

	if (Object.keys(fieldErrors).length === 0) throw new ApiError(status, message);
	throw new ApiError(status, message, fieldErrors);
}

/**
 * The version in an `If-Match` header: `"7"`, `W/"7"` or `7`; `*` (overwrite whatever is
 * stored) is `'any'`; no header is undefined.
 */
export function versionFromIfMatch(header: string | null): number | 'any' | undefined {
	if (header === null) return undefined;
	if (header.trim() === '*') return 'any';

	// Fifteen digits at most, so the version is a whole number JavaScript holds exactly.
	const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
	if (!match) throw new ApiError(400, 'If-Match must name one version, e.g. "7".');
	return Number(match[1]);
}
