/** The real WebSocket behind the socket machine's `connection` actor. */
import { fromCallback } from 'xstate';
import type { ClientFrame } from '../../src/lib/shared/protocol';

/** What the connection reports to the socket machine. */
export type ConnectionEvent =
	| { type: 'socket.opened' }
	| { type: 'socket.message'; data: string }
	| { type: 'socket.closed'; code: number; reason: string };

/** What the socket machine asks of the connection. */
export type ConnectionCommand = { type: 'socket.send'; frame: ClientFrame };

// The numeric states of the WebSocket standard; read from the instance's class would need
// the class at import time, and these values are fixed by the spec.
const CONNECTING = 0;
const OPEN = 1;

function ignoreError(): void {}

/**
 * Opens one WebSocket and reports on it. A failed attempt fires `error` and then `close`;
 * only `close` is reported, so one failure counts once. Stopping the actor removes every
 * listener first and then closes a live socket with 1000, once, so a stopped connection can
 * never report into a machine that has moved on.
 */
export const connection = fromCallback<ConnectionCommand, { url: string }, ConnectionEvent>(
	({ input, sendBack, receive }) => {
		let socket: WebSocket;
		try {
			socket = new globalThis.WebSocket(input.url);
		} catch (error) {
			// A blocked port or a malformed address throws here instead of failing with `close`;
			// it is reported as the failed attempt it is, once the actor has started.
			queueMicrotask(() => sendBack({ type: 'socket.closed', code: 1006, reason: String(error) }));
			return;
		}

		const onOpen = () => sendBack({ type: 'socket.opened' });
		const onMessage = (event: MessageEvent) => {
			// Binary frames are not part of the protocol; the server closes on them anyway.
			if (typeof event.data === 'string') sendBack({ type: 'socket.message', data: event.data });
		};
		const onClose = (event: CloseEvent) =>
			sendBack({ type: 'socket.closed', code: event.code, reason: event.reason });

		// A failed attempt also fires `error`; it is never reported (the `close` that follows
		// is), but a listener must stay for the socket's whole life: Node's `ws` client throws
		// an `error` nobody listens to, even after this actor has stopped. It holds no reference
		// to the machine, so leaving it on a dead socket keeps nothing alive.
		socket.addEventListener('error', ignoreError);
		socket.addEventListener('open', onOpen);
		socket.addEventListener('message', onMessage);
		socket.addEventListener('close', onClose);

		receive((command) => {
			if (socket.readyState === OPEN) socket.send(JSON.stringify(command.frame));
		});

		return () => {
			socket.removeEventListener('open', onOpen);
			socket.removeEventListener('message', onMessage);
			socket.removeEventListener('close', onClose);

			if (socket.readyState === CONNECTING || socket.readyState === OPEN) socket.close(1000);
		};
	}
);
