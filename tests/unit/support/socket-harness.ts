/**
 * mock-socket wiring for the socket machine: a client class that records every socket the
 * machine creates (when, when it closed, how many listeners are still attached) and a server
 * that records what it received. mock-socket opens a connection after a 4 ms timer.
 */
import { Server, WebSocket as MockWebSocket } from 'mock-socket';
import { vi } from 'vitest';
import { createActor } from 'xstate';
import { socketMachine, type SocketInput } from '../../../machines/socket.machine';
import type { EventFrame } from '../../../src/lib/shared/protocol';

export const SOCKET_URL = 'ws://localhost:4173/ws';

/** The delay mock-socket puts between `new WebSocket()` and open (or close without a server). */
export const MOCK_CONNECT_MS = 4;

export class TrackedWebSocket extends MockWebSocket {
	static created: TrackedWebSocket[] = [];

	createdAt = Date.now();
	closedAt: number | null = null;
	/** Listeners the code under test added and has not removed. */
	activeListeners = 0;
	/** Frames the code under test sent, parsed. */
	sent: unknown[] = [];
	closeCalls: (number | undefined)[] = [];
	private counting = false;

	constructor(url: string | URL) {
		super(url);
		TrackedWebSocket.created.push(this);
		this.onclose = () => {
			this.closedAt = Date.now();
		};
		// mock-socket registers its own listeners while constructing; count only ours.
		this.counting = true;
	}

	// The adapter's `error` guard stays on purpose (see adapters/websocket.ts); the listeners
	// that report into the machine are the ones that must all be gone.
	override addEventListener(...args: Parameters<MockWebSocket['addEventListener']>) {
		if (this.counting && args[0] !== 'error') this.activeListeners += 1;
		super.addEventListener(...args);
	}

	override removeEventListener(...args: Parameters<MockWebSocket['removeEventListener']>) {
		if (this.counting && args[0] !== 'error') this.activeListeners -= 1;
		super.removeEventListener(...args);
	}

	override send(data: string) {
		this.sent.push(JSON.parse(data));
		super.send(data);
	}

	override close(code?: number, reason?: string) {
		this.closeCalls.push(code);
		super.close(code, reason);
	}

	/** Runs `register` without counting its listeners (the mock server adds them to the client). */
	uncounted(register: () => void) {
		this.counting = false;
		register();
		this.counting = true;
	}

	/** Every frame sent on every socket, in order. */
	static allSent(): unknown[] {
		return TrackedWebSocket.created.flatMap((socket) => socket.sent);
	}
}

/**
 * Installs fake timers and the tracked client as `globalThis.WebSocket`. Backoff jitter is
 * pinned to the top of its range unless `jitter: 'random'`, so most tests can name exact
 * delays; the attempt-counting case checks the random delays against their ranges.
 */
export function installMockSockets(options: { jitter?: 'ceiling' | 'random' } = {}) {
	vi.useFakeTimers();
	if (options.jitter !== 'random') vi.spyOn(Math, 'random').mockReturnValue(0.9999);
	TrackedWebSocket.created = [];
	vi.stubGlobal('WebSocket', TrackedWebSocket);
}

export function uninstallMockSockets() {
	vi.restoreAllMocks();
	vi.unstubAllGlobals();
	vi.useRealTimers();
}

/** A server at SOCKET_URL that records frames and close codes from clients. */
export function startServer() {
	const server = new Server(SOCKET_URL, { mock: false });
	const received: unknown[] = [];
	const closeCodes: number[] = [];
	const connections: { send(data: string): void }[] = [];

	server.on('connection', (socket) => {
		connections.push(socket);
		// mock-socket passes the close event although its typings declare no argument.
		const onClose = (event: CloseEvent) => {
			closeCodes.push(event.code);
		};
		(socket.target as TrackedWebSocket).uncounted(() => {
			socket.on('message', (data) => received.push(JSON.parse(String(data))));
			socket.on('close', onClose as () => void);
		});
	});

	return {
		server,
		received,
		closeCodes,
		connections,
		/** Sends a frame to the newest connection. */
		push: (frame: unknown) => connections.at(-1)?.send(JSON.stringify(frame)),
		/** Drops every connection the way a crashed server does. */
		drop: () => server.close({ code: 1006, reason: 'Server went away', wasClean: false }),
		stop: () => server.stop()
	};
}

/** Starts a socket actor whose parent-facing actions are recorded instead of sent. */
export function startSocket(input: Partial<SocketInput> = {}) {
	const forwarded: EventFrame[] = [];
	const notifyReopened = vi.fn();

	const machine = socketMachine.provide({
		actions: {
			forwardEvent: ({ event }) => {
				if (event.type === 'socket.eventReceived') forwarded.push(event.frame);
			},
			notifyReopened
		}
	});
	const actor = createActor(machine, { input: { url: SOCKET_URL, ...input } }).start();

	return { actor, forwarded, notifyReopened };
}
