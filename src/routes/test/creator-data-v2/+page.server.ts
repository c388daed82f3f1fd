import { faultsEnabled } from '$lib/server/faults';
import type { PageServerLoad } from './$types';

/**
 * Whether this server has the fault switch, told with the page rather than asked of
 * `/api/test/faults`, whose 404 where the switch is off would show as an error in the console.
 */
export const load: PageServerLoad = () => ({ faultsAvailable: faultsEnabled() });
