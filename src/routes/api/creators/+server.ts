import { json } from '@sveltejs/kit';
import { listCreators } from '$lib/server/creators';
import { apiRoute } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async () => json(await listCreators()));
