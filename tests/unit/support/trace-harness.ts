/**
 * A tab recorded the way the browser records it: a real root actor with a scripted API, a
 * socket that opens at once and takes pushed frames, a channel that reports ready, the
 * browser's connectivity signals on demand, and an event log that answers polls.
 */
import { vi } from 'vitest';
import { createActor, fromCallback, fromPromise, type AnyActorRef } from 'xstate';
import type { ConnectivityEvent } from '../../../machines/adapters/connectivity';
import type { PollInput, PollResult } from '../../../machines/adapters/event-poll';
import type { HttpRequest } from '../../../machines/adapters/http';
import type { ChannelCommand, ChannelEvent } from '../../../machines/adapters/tab-channel';
import type { ConnectionCommand, ConnectionEvent } from '../../../machines/adapters/websocket';
import { creatorMachine } from '../../../machines/creator.machine';
import { requestMachine } from '../../../machines/request.machine';
import { rootMachine } from '../../../machines/root.machine';
import { heartbeat, socketMachine } from '../../../machines/socket.machine';
import { tabSyncMachine } from '../../../machines/tabSync.machine';
import { TraceRecorder } from '../../../machines/trace/recorder';
import type { ServerFrame } from '../../../src/lib/shared/protocol';
import { scriptedServer, type Answer } from './fixtures';

export function recordTab(
	script: Answer[] | ((request: HttpRequest, index: number) => Answer | Promise<Answer>),
	options: { poll?: (input: PollInput) => PollResult[] } = {}
) {
	const server = scriptedServer(script);
	let report: (event: ConnectionEvent) => void = () => {};
	let reportConnectivity: (event: ConnectivityEvent) => void = () => {};
	/** Once the server is down, every connection attempt is refused a moment after it starts. */
	let serverUp = true;
	const connection = fromCallback<ConnectionCommand, { url: string }, ConnectionEvent>(
		({ sendBack }) => {
			report = sendBack;
			const outcome: ConnectionEvent = serverUp
				? { type: 'socket.opened' }
				: { type: 'socket.closed', code: 1006, reason: '' };
			setTimeout(() => sendBack(outcome), 5);
		}
	);
	const connectivity = fromCallback<{ type: string }, void, ConnectivityEvent>(({ sendBack }) => {
		reportConnectivity = sendBack;
	});
	const pollEvents = fromPromise<PollResult[], PollInput>(async ({ input }) =>
		(options.poll ?? (() => []))(input)
	);
	const channel = fromCallback<ChannelCommand, { tabId: string }, ChannelEvent>(({ sendBack }) =>
		sendBack({ type: 'tab.ready', transport: 'broadcast' })
	);
	const input = { socketUrl: 'ws://localhost/ws', tabId: 'tab-1', connect: true };
	const recorder = new TraceRecorder(input);
	const machine = rootMachine.provide({
		actors: {
			connectivity,
			socket: socketMachine.provide({ actors: { connection, pollEvents } }),
			tabSync: tabSyncMachine.provide({ actors: { channel } }),
			creator: creatorMachine.provide({
				actors: {
					request: requestMachine.provide({ actors: { performRequest: server.performRequest } })
				}
			})
		}
	});
	const root = createActor(machine, { id: 'root', input, inspect: recorder.observe }).start();

	return {
		root,
		recorder,
		requests: server.requests,
		creator: (id = 'c1') => root.getSnapshot().context.creators[id] as AnyActorRef,
		push: (frame: ServerFrame) => report({ type: 'socket.message', data: JSON.stringify(frame) }),
		/** The browser reports going offline, online, or the page coming back into view. */
		connectivity: (event: ConnectivityEvent) => reportConnectivity(event),
		/** Stops answering: the open socket goes silent and later attempts are refused. */
		stopServer: () => {
			serverUp = false;
		},
		/**
		 * Runs the answers and timers the tab is waiting for, up to just before the socket's
		 * first heartbeat ping (a live socket always has its next ping scheduled).
		 */
		settle: () => vi.advanceTimersByTimeAsync(heartbeat.intervalMs - 1)
	};
}
