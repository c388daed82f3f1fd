import { json } from '@sveltejs/kit';
import { faultsEnabled } from '$lib/server/faults';
import { ApiError, apiRoute } from '$lib/server/http';
import { connectionStats } from '$lib/server/realtime';
import type { RequestHandler } from './$types';

/**
 * How many sockets the server holds and how many follow each creator. Like the fault
 * switch it exists only in dev and when CREATORDATA_FAULTS=1, so tests can count sockets.
 */
export const GET: RequestHandler = apiRoute(async () => {
	if (!faultsEnabled()) throw new ApiError(404, 'Not found.');
	return json(connectionStats());
});
