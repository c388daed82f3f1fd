import { error } from '@sveltejs/kit';
import type { Creator } from '$lib/shared/protocol';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch }) => {
	const response = await fetch('/api/creators');
	if (!response.ok) error(response.status, 'The creators could not be loaded.');

	const { creators, eventId } = (await response.json()) as {
		creators: Creator[];
		eventId?: number;
	};
	return { creators, eventId };
};
