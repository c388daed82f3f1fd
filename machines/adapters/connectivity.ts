/**
 * The browser's network and visibility signals, the only way they reach the statecharts.
 * Outside a browser (server rendering, Node tests) the page counts as online and visible.
 */
import { fromCallback } from 'xstate';

/** What the page reports to the root machine, which passes it on to the socket. */
export type ConnectivityEvent =
	{ type: 'socket.online' } | { type: 'socket.offline' } | { type: 'socket.visible' };

/** Whether the browser believes it has a network; read at call time. */
export function browserIsOnline(): boolean {
	return typeof navigator === 'undefined' || navigator.onLine !== false;
}

/**
 * Reports `online`, `offline` and the page becoming visible again. A hidden tab may have had
 * its timers throttled for minutes, so coming back into view is a good moment to reconnect.
 */
export const connectivity = fromCallback<{ type: string }, void, ConnectivityEvent>(
	({ sendBack }) => {
		if (typeof window === 'undefined' || typeof document === 'undefined') return;

		const onOnline = () => sendBack({ type: 'socket.online' });
		const onOffline = () => sendBack({ type: 'socket.offline' });
		const onVisibility = () => {
			if (document.visibilityState === 'visible') sendBack({ type: 'socket.visible' });
		};

		window.addEventListener('online', onOnline);
		window.addEventListener('offline', onOffline);
		document.addEventListener('visibilitychange', onVisibility);
		if (!browserIsOnline()) sendBack({ type: 'socket.offline' });

		return () => {
			window.removeEventListener('online', onOnline);
			window.removeEventListener('offline', onOffline);
			document.removeEventListener('visibilitychange', onVisibility);
		};
	}
);
