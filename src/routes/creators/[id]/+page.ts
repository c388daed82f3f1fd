import { error } from '@sveltejs/kit';
import type { Creator } from '$lib/shared/protocol';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params }) => {
	const response = await fetch(`/api/creators/${encodeURIComponent(params.id)}`);
	if (response.status === 404) error(404, 'This creator could not be found.');
	if (!response.ok) error(response.status, 'This creator could not be loaded.');

	const { creator, eventId } = (await response.json()) as { creator: Creator; eventId?: number };
	return { creator, eventId };
};
