/**
 * A browser tab's statecharts running in Node against the real server: the root actor with
 * its real socket, request and creator actors. Node 20 has no global WebSocket, so the `ws`
 * client stands in for it, carrying the tab's cookie and Origin like a browser would.
 */
import { createActor, waitFor, type AnyActorRef, type SnapshotFrom } from 'xstate';
import { WebSocket as NodeWebSocket } from 'ws';
import { rootMachine } from '../../machines/root.machine';
import { socketMachine } from '../../machines/socket.machine';
import type { EventFrame } from '../../src/lib/shared/protocol';

export interface Tab {
	root: ReturnType<typeof createActor<typeof rootMachine>>;
	/** Every socket this tab created, oldest first, with the frames sent on each. */
	sockets: (NodeWebSocket & { sent?: unknown[] })[];
	/** Every event the socket passed on to the tab, in order. */
	events: EventFrame[];
	/** Edit ids the server confirmed to this tab, in order. */
	committed: string[];
	/** Creators the server told this tab to reload because the log could not replay them. */
	resyncs: string[];
	socket(): AnyActorRef;
	creator(id: string): AnyActorRef;
	waitForSocket(
		state: 'open' | 'backoff' | 'failed' | 'disconnected' | 'offline',
		timeout?: number
	): Promise<void>;
	stop(): void;
}

/** The tab's sockets, found by the tab id in the URL's fragment (a server never sees it). */
const socketsByTab = new Map<string, NodeWebSocket[]>();
const tabHeaders = new Map<string, Record<string, string>>();
export function openTab(options: {
	wsUrl: string;
	origin: string;
	cookie?: string;
	tabId?: string;
}): Tab {
	const tabId = options.tabId ?? `tab-${socketsByTab.size + 1}-${Date.now()}`;
	const sockets: NodeWebSocket[] = [];
	socketsByTab.set(tabId, sockets);
	const headers: Record<string, string> = { origin: options.origin };
	if (options.cookie) headers.cookie = options.cookie;

	// Several tabs share one process and one global: each socket finds its tab by URL.
	class TabWebSocket extends NodeWebSocket {
		/** Every frame the tab sent on this socket, parsed. */
		sent: unknown[] = [];

		constructor(url: string) {
			const [address, owner = tabId] = url.split('#');
			super(address, { headers: tabHeaders.get(owner) ?? headers });
			socketsByTab.get(owner)?.push(this);
		}

		override send(data: string) {
			this.sent.push(JSON.parse(data));
			super.send(data);
		}
	}
	tabHeaders.set(tabId, headers);
	const previous = globalThis.WebSocket;
	(globalThis as { WebSocket: unknown }).WebSocket = TabWebSocket;

	const events: EventFrame[] = [];
	const committed: string[] = [];
	const resyncs: string[] = [];
	const root = createActor(rootMachine, {
		id: 'root',
		input: { socketUrl: `${options.wsUrl}#${tabId}`, connect: true, tabId },
		inspect: (inspection) => {
			if (inspection.type !== '@xstate.event' || (inspection.actorRef as AnyActorRef).id !== 'root')
				return;
			const event = inspection.event;
			if (event.type === 'socket.event') events.push(event.frame as EventFrame);
			if (event.type === 'creator.committed') committed.push(event.editId as string);
			if (event.type === 'socket.resync') resyncs.push(event.creatorId as string);
		}
	});
	root.start();

	const socket = () => root.getSnapshot().children.socket as AnyActorRef;

	return {
		root,
		sockets,
		events,
		committed,
		resyncs,
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
			socketsByTab.delete(tabId);
			tabHeaders.delete(tabId);
			(globalThis as { WebSocket: unknown }).WebSocket = previous;
		}
	};
}
