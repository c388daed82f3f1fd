/**
 * The socket's heartbeat behind the socket machine's `heartbeat` actor: after a quiet spell it
 * asks for a ping, and when nothing at all arrives before the deadline it reports the
 * connection silent. Every frame received (`heartbeat.alive`) starts the spell again.
 */
import { fromCallback } from 'xstate';

export interface HeartbeatInput {
	/** Quiet this long, a ping is due. */
	intervalMs: number;
	/** No frame this long after the ping: the connection is dead. */
	timeoutMs: number;
}

export type HeartbeatEvent = { type: 'socket.pingDue' } | { type: 'socket.silent' };

export const heartbeatMonitor = fromCallback<
	{ type: 'heartbeat.alive' },
	HeartbeatInput,
	HeartbeatEvent
>(({ input, sendBack, receive }) => {
	let ping: ReturnType<typeof setTimeout> | undefined;
	let deadline: ReturnType<typeof setTimeout> | undefined;

	const start = () => {
		clearTimeout(ping);
		clearTimeout(deadline);
		ping = setTimeout(() => sendBack({ type: 'socket.pingDue' }), input.intervalMs);
		deadline = setTimeout(
			() => sendBack({ type: 'socket.silent' }),
			input.intervalMs + input.timeoutMs
		);
	};

	start();
	receive(start);

	return () => {
		clearTimeout(ping);
		clearTimeout(deadline);
	};
});
