import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { profilePatchSchema } from '$lib/shared/protocol';
import { readCreatorAt, requireOwnedCreator, updateProfile } from '$lib/server/creators';
import { getDb } from '$lib/server/db';
import { apiRoute, readJson, requireUser, validate, versionFromIfMatch } from '$lib/server/http';
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
		.regex(/^[\w.:-]+$/, 'The edit id may hold only letters, digits and . _ : -')
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

	// Headers and body are all checked before the save starts, so a request refused for any
	// of them never reaches the save's armed test fault (see updateProfile).
	const ifMatch = versionFromIfMatch(request.headers.get('if-match'));
	const body = await readJson(request);
	const { editId, baseVersion } = validate(writeFieldsSchema, body);
	const { editId: _editId, baseVersion: _base, ...fields } = body as Record<string, unknown>;
	const patch = validate(profilePatchSchema, fields);
	const key = idempotencyKey(request, editId);

	const answer = await updateProfile(params.id, user, {
		patch,
		editId,
		baseVersion: ifMatch ?? baseVersion,
		idempotencyKey: key
	});
	const { version } = answer.body.creator as { version: number };

	return json(answer.body, { status: answer.status, headers: { etag: etag(version) } });
});
