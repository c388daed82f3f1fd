/**
 * A network link between a tab and the server that can fail: a TCP relay on its own port,
 * for HTTP and WebSocket alike. It fails in the two ways real networks do: `reset` drops
 * every connection at once (the server restarted, a proxy gave up), `silent` lets nothing
 * through and says nothing (a sleeping laptop, a dead Wi-Fi), which only a heartbeat notices.
 * While it is down, new connections are refused (`reset`) or left hanging (`silent`).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Link {
	/** `http://127.0.0.1:<port>`: the server as the tab reaches it through the link. */
	url: string;
	wsUrl: string;
	cut(mode: 'reset' | 'silent'): void;
	restore(): void;
	close(): Promise<void>;
}

export async function openLink(target: { host: string; port: number }): Promise<Link> {
	const open = new Set<Socket>();
	let down: 'reset' | 'silent' | null = null;

	const track = (socket: Socket) => {
		open.add(socket);
		socket.on('close', () => open.delete(socket));
	};
	const relay: Server = createServer((incoming) => {
		incoming.on('error', () => incoming.destroy());
		if (down === 'reset') return void incoming.destroy();
		track(incoming);
		// Swallowed: what reaches a black hole never comes back.
		if (down === 'silent') return void incoming.resume();

		const outgoing = connect(target.port, target.host);
		track(outgoing);
		outgoing.on('error', () => incoming.destroy());
		incoming.on('close', () => outgoing.destroy());
		outgoing.on('close', () => incoming.destroy());
		incoming.pipe(outgoing).pipe(incoming);
	});
	await new Promise<void>((listening) => relay.listen(0, '127.0.0.1', listening));
	const { port } = relay.address() as { port: number };

	return {
		url: `http://127.0.0.1:${port}`,
		wsUrl: `ws://127.0.0.1:${port}/ws`,
		cut(mode) {
			down = mode;
			for (const socket of open) {
				if (mode === 'reset') socket.destroy();
				else {
					// Keep the connection open but carry nothing across it in either direction.
					socket.unpipe();
					socket.removeAllListeners('data');
					socket.resume();
				}
			}
		},
		restore() {
			down = null;
			// A connection that went silent is gone for good; the next one goes through.
			for (const socket of open) socket.destroy();
		},
		close() {
			for (const socket of open) socket.destroy();
			return new Promise((closed) => relay.close(() => closed()));
		}
	};
}
