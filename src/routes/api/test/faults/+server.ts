import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { clearFault, currentFault, faultsEnabled, setFault } from '$lib/server/faults';
import { ApiError, apiRoute, readJson, validate } from '$lib/server/http';
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

export const GET: RequestHandler = apiRoute(async () => {
	requireEnabled();
	return json({ fault: currentFault() });
});

export const POST: RequestHandler = apiRoute(async ({ request }) => {
	requireEnabled();
	const { status, count } = validate(faultSchema, await readJson(request));
	return json({ fault: setFault(status, count) });
});

export const DELETE: RequestHandler = apiRoute(async () => {
	requireEnabled();
	clearFault();
	return new Response(null, { status: 204 });
});
