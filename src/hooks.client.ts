import { dev } from '$app/environment';
import { startInspector, wantsInspector } from '$lib/client/inspector';

export async function init() {
	// `dev` is a build-time constant: production builds drop this branch and the import.
	if (dev && wantsInspector(window.location.search, dev)) await startInspector();
}
