/**
 * A browser tab's statecharts running in Node against the real server: the root actor with
 * its real socket, request and creator actors. Node 20 has no global WebSocket, so the `ws`
 * client stands in for it, carrying the tab's cookie and Origin like a browser would.
 */
import { createActor, waitFor, type AnyActorRef, type SnapshotFrom } from 'xstate';
import { WebSocket as NodeWebSocket } from 'ws';
import { rootMachine } from '../../machines/root.machine';
import { socketMachine } from '../../machines/socket.machine';

export interface Tab {
	root: ReturnType<typeof createActor<typeof rootMachine>>;
	/** Every socket this tab created, oldest first. */
	sockets: NodeWebSocket[];
	socket(): AnyActorRef;
	creator(id: string): AnyActorRef;
	waitForSocket(
		state: 'open' | 'backoff' | 'failed' | 'disconnected',
		timeout?: number
	): Promise<void>;
	stop(): void;
}

export function openTab(options: { wsUrl: string; origin: string; cookie?: string }): Tab {
	const sockets: NodeWebSocket[] = [];
	const headers: Record<string, string> = { origin: options.origin };
	if (options.cookie) headers.cookie = options.cookie;

	class TabWebSocket extends NodeWebSocket {
		constructor(url: string) {
			super(url, { headers });
			sockets.push(this);
		}
	}
	const previous = globalThis.WebSocket;
	(globalThis as { WebSocket: unknown }).WebSocket = TabWebSocket;

	const root = createActor(rootMachine, { input: { socketUrl: options.wsUrl, connect: true } });
	root.start();

	const socket = () => root.getSnapshot().children.socket as AnyActorRef;

	return {
		root,
		sockets,
		socket,
		creator: (id) => root.getSnapshot().context.creators[id] as AnyActorRef,
		async waitForSocket(state, timeout = 10_000) {
			await waitFor(
				socket(),
				(snapshot: SnapshotFrom<typeof socketMachine>) =>
					snapshot.matches(state === 'open' ? { active: 'open' } : state),
				{ timeout }
			);
		},
		stop() {
			root.stop();
			(globalThis as { WebSocket: unknown }).WebSocket = previous;
		}
	};
}
