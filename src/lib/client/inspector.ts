/**
 * The Stately inspector, on request: in development, a page opened with `?inspect` shows every
 * actor of the tab live at stately.ai/inspect. Without the flag, and in every production
 * build, `@statelyai/inspect` is never loaded.
 */
import type { InspectionEvent } from 'xstate';

export type InspectObserver = (event: InspectionEvent) => void;

/** Whether this page load asked for the inspector: `?inspect` (any value) in development. */
export function wantsInspector(search: string, dev: boolean): boolean {
	return dev && new URLSearchParams(search).has('inspect');
}

let observer: InspectObserver | null = null;

/**
 * Opens the inspector window and keeps its observer for the root actor. Runs before the app
 * hydrates (from `init` in hooks.client.ts), so the root actor is inspected from its start.
 * Browsers may block the window as a pop-up; allowing pop-ups for the page lets it open.
 */
export async function startInspector(): Promise<void> {
	const { createBrowserInspector } = await import('@statelyai/inspect');
	const inspector = createBrowserInspector();
	observer = (event) => inspector.inspect.next?.(event);
}

/** The inspector's observer, when `startInspector` ran on this page. */
export function inspectorObserver(): InspectObserver | null {
	return observer;
}
