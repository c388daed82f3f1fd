import { error } from '@sveltejs/kit';
import type { Creator } from '$lib/shared/protocol';
import type { PageLoad } from './$types';

/** The creator shown when nobody is signed in: the first demo creator. */
const DEMO_CREATOR_ID = 'c1';

export const load: PageLoad = async ({ fetch, parent, data }) => {
	const { user } = await parent();
	const id = user?.creatorId ?? DEMO_CREATOR_ID;

	const creatorResponse = await fetch(`/api/creators/${id}`);
	if (!creatorResponse.ok) error(creatorResponse.status, 'The demo creator could not be loaded.');

	const { creator, eventId } = (await creatorResponse.json()) as {
		creator: Creator;
		eventId?: number;
	};
	return { creator, eventId, faultsAvailable: data.faultsAvailable };
};
