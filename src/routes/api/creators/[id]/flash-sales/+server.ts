import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { createFlashSale } from '$lib/server/flash-sales';
import { apiRoute, readJson, requireUser, validate } from '$lib/server/http';
import { idempotencyKey } from '$lib/server/idempotency';
import { requireOwnedCreator } from '$lib/server/creators';
import { getDb } from '$lib/server/db';
import type { RequestHandler } from './$types';

const flashSaleInputSchema = z
	.object({
		discountPercent: z
			.number({ error: 'The discount must be a number.' })
			.int('The discount must be a whole number.')
			.min(1, 'The discount must be at least 1%.')
			.max(90, 'The discount can be at most 90%.'),
		durationSeconds: z
			.number({ error: 'The duration must be a number of seconds.' })
			.int('The duration must be whole seconds.')
			.min(1, 'The duration must be at least 1 second.')
			.max(86_400, 'The duration can be at most one day (86400 seconds).')
	})
	.strict();

export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
	const user = requireUser(locals);
	await requireOwnedCreator(await getDb(), params.id, user);

	const input = validate(flashSaleInputSchema, await readJson(request));
	return json(
		{ flashSale: await createFlashSale(params.id, user, input, idempotencyKey(request)) },
		{ status: 201 }
	);
});
