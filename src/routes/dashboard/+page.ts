import { error, redirect } from '@sveltejs/kit';
import type { Creator } from '$lib/shared/protocol';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, parent }) => {
	const { user } = await parent();
	if (!user) redirect(303, '/login?next=/dashboard');
	if (!user.creatorId) return { creator: null };

	const response = await fetch(`/api/creators/${encodeURIComponent(user.creatorId)}`);
	if (!response.ok) error(response.status, 'Your profile could not be loaded.');

	const { creator, eventId } = (await response.json()) as { creator: Creator; eventId?: number };
	return { creator, eventId };
};
