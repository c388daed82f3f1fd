import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { profilePatchSchema } from '$lib/shared/protocol';
import { readCreator, requireOwnedCreator, updateProfile } from '$lib/server/creators';
import { getDb } from '$lib/server/db';
import { takeFault } from '$lib/server/faults';
import { ApiError, apiRoute, readJson, requireUser, validate } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** Lets the client match the broadcast of its own edit with the save it made. */
const editIdSchema = z.object({
	editId: z
		.string({ error: 'The edit id must be text.' })
		.min(1, 'The edit id cannot be empty.')
		.max(100, 'The edit id can be at most 100 characters.')
		.optional()
});

export const GET: RequestHandler = apiRoute(async ({ params, locals }) =>
	json({ creator: await readCreator(params.id, locals.user) })
);

export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
	const fault = takeFault();
	if (fault !== null)
		throw new ApiError(fault, `The server was told to fail this save with ${fault}.`);

	const user = requireUser(locals);
	await requireOwnedCreator(await getDb(), params.id, user);

	const body = await readJson(request);
	const { editId } = validate(editIdSchema, body);
	const { editId: _editId, ...fields } = body as Record<string, unknown>;
	const patch = validate(profilePatchSchema, fields);

	return json({ creator: await updateProfile(params.id, user, patch, editId) });
});
