import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { creatorExists } from '$lib/server/creators';
import { getDb } from '$lib/server/db';
import { headEventId, resumeFrom } from '$lib/server/events';
import { ApiError, apiRoute, validate } from '$lib/server/http';
import { PRIVATE_EVENTS } from '$lib/shared/protocol';
import type { RequestHandler } from './$types';

/** Events a polling client may take in one answer; one further behind reloads instead. */
const POLL_LIMIT = 500;

const querySchema = z.object({
	after: z.coerce
		.number({ error: 'after must be an event id.' })
		.int('after must be a whole number.')
		.nonnegative('after cannot be negative.')
		.optional()
});

/**
 * The creator's events after `after`, oldest first: what a tab whose socket gave up polls
 * until the socket is back. `resync: true` means the log no longer has them all.
 */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
	const { after } = validate(querySchema, Object.fromEntries(url.searchParams), 400);
	if (!(await creatorExists(params.id)))
		throw new ApiError(404, 'There is no creator with this id.');

	const lastEventId = await headEventId(await getDb());
	if (after === undefined) return json({ events: [], lastEventId });

	const missed = await resumeFrom(after, [params.id], POLL_LIMIT);
	if (missed.kind === 'resync') return json({ resync: true, lastEventId });

	const mayRead = locals.user?.creatorId === params.id;
	const events = missed.events.filter((event) => mayRead || !PRIVATE_EVENTS.has(event.event));
	// The head was read first, so a replayed event may be newer than it.
	return json({ events, lastEventId: Math.max(after, lastEventId, missed.events.at(-1)?.id ?? 0) });
});
