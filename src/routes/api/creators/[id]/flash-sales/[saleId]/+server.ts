import { json } from '@sveltejs/kit';
import { cancelFlashSale } from '$lib/server/flash-sales';
import { ApiError, apiRoute, requireUser } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
	const user = requireUser(locals);

	const saleId = Number(params.saleId);
	if (!Number.isSafeInteger(saleId) || saleId <= 0) {
		throw new ApiError(404, 'There is no such flash sale for this creator.');
	}

	return json({ creator: await cancelFlashSale(params.id, saleId, user) });
});
