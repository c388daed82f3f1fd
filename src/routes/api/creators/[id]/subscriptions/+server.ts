import { json } from '@sveltejs/kit';
import { readCreator } from '$lib/server/creators';
import { apiRoute, requireUser } from '$lib/server/http';
import { idempotencyKey } from '$lib/server/idempotency';
import { isSubscribed, subscribe, unsubscribe } from '$lib/server/subscriptions';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals }) => {
	const user = requireUser(locals);
	await readCreator(params.id, user);

	return json({ subscribed: await isSubscribed(params.id, user) });
});

export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
	const user = requireUser(locals);
	return json(await subscribe(params.id, user, idempotencyKey(request)), { status: 201 });
});

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
	const user = requireUser(locals);
	return json({ creator: await unsubscribe(params.id, user) });
});
