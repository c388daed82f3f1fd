import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { clearFault, currentFault, faultsEnabled, setFault } from '$lib/server/faults';
import { ApiError, apiRoute, readJson, requireUser, validate } from '$lib/server/http';
import type { RequestHandler } from './$types';

const faultSchema = z
	.object({
		status: z
			.number({ error: 'The status must be a number.' })
			.int('The status must be a whole number.')
			.min(400, 'The status must be between 400 and 599.')
			.max(599, 'The status must be between 400 and 599.'),
		count: z
			.number({ error: 'The count must be a number.' })
			.int('The count must be a whole number.')
			.min(1, 'The count must be between 1 and 10.')
			.max(10, 'The count must be between 1 and 10.')
			.default(1)
	})
	.strict();

/** Outside dev and tests the switch does not exist, so it answers like any unknown path. */
function requireEnabled(): void {
	if (!faultsEnabled()) throw new ApiError(404, 'Not found.');
}

/**
 * Anyone may ask whether the switch exists (the test page shows it only then); a visitor who
 * is not signed in has no fault of their own to see.
 */
export const GET: RequestHandler = apiRoute(async ({ locals }) => {
	requireEnabled();
	return json({ fault: locals.user ? currentFault(locals.user.id) : null });
});

/** Arms the signed-in user's own switch: it fails only their next saves. */
export const POST: RequestHandler = apiRoute(async ({ locals, request }) => {
	requireEnabled();
	const user = requireUser(locals);
	const { status, count } = validate(faultSchema, await readJson(request));
	return json({ fault: setFault(user.id, status, count) });
});

export const DELETE: RequestHandler = apiRoute(async ({ locals }) => {
	requireEnabled();
	clearFault(requireUser(locals).id);
	return new Response(null, { status: 204 });
});
