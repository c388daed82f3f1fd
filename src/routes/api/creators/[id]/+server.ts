import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { profilePatchSchema } from '$lib/shared/protocol';
import { readCreatorAt, requireOwnedCreator, updateProfile } from '$lib/server/creators';
import { getDb } from '$lib/server/db';
import { takeFault } from '$lib/server/faults';
import {
	ApiError,
	apiRoute,
	readJson,
	requireUser,
	validate,
	versionFromIfMatch
} from '$lib/server/http';
import { idempotencyKey } from '$lib/server/idempotency';
import type { RequestHandler } from './$types';

/**
 * `editId` lets the client match the broadcast of its own edit with the save it made;
 * `baseVersion` (or an `If-Match` header) names the version the edit was based on.
 */
const writeFieldsSchema = z.object({
	editId: z
		.string({ error: 'The edit id must be text.' })
		.min(1, 'The edit id cannot be empty.')
		.max(100, 'The edit id can be at most 100 characters.')
		.optional(),
	baseVersion: z
		.number({ error: 'The base version must be a number.' })
		.int('The base version must be a whole number.')
		.nonnegative('The base version cannot be negative.')
		.optional()
});

const etag = (version: number) => `"${version}"`;

export const GET: RequestHandler = apiRoute(async ({ params, locals }) => {
	const { creator, eventId } = await readCreatorAt(params.id, locals.user);

	return json({ creator, eventId }, { headers: { etag: etag(creator.version) } });
});

export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
	const user = requireUser(locals);
	await requireOwnedCreator(await getDb(), params.id, user);

	const body = await readJson(request);
	const { editId, baseVersion } = validate(writeFieldsSchema, body);
	const { editId: _editId, baseVersion: _base, ...fields } = body as Record<string, unknown>;
	const patch = validate(profilePatchSchema, fields);

	// Only a save that would otherwise go through spends the user's armed fault.
	const fault = takeFault(user.id);
	if (fault !== null) {
		throw new ApiError(fault, `The server was told to fail this save with ${fault}.`);
	}

	const answer = await updateProfile(params.id, user, {
		patch,
		editId,
		baseVersion: versionFromIfMatch(request.headers.get('if-match')) ?? baseVersion,
		idempotencyKey: idempotencyKey(request, editId)
	});
	const { version } = answer.body.creator as { version: number };

	return json(answer.body, { status: answer.status, headers: { etag: etag(version) } });
});
