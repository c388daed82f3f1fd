/**
 * A tab recorded the way the browser records it: a real root actor with a scripted API, a
 * socket that opens at once and takes pushed frames, and a channel that reports ready.
 */
import { vi } from 'vitest';
import { createActor, fromCallback, type AnyActorRef } from 'xstate';
import type { HttpRequest } from '../../../machines/adapters/http';
import type { ChannelCommand, ChannelEvent } from '../../../machines/adapters/tab-channel';
import type { ConnectionCommand, ConnectionEvent } from '../../../machines/adapters/websocket';
import { creatorMachine } from '../../../machines/creator.machine';
import { requestMachine } from '../../../machines/request.machine';
import { rootMachine } from '../../../machines/root.machine';
import { heartbeat, socketMachine } from '../../../machines/socket.machine';
import { tabSyncMachine } from '../../../machines/tabSync.machine';
import { TraceRecorder } from '../../../machines/trace/recorder';
import type { EventFrame } from '../../../src/lib/shared/protocol';
import { scriptedServer, type Answer } from './fixtures';

export function recordTab(
	script: Answer[] | ((request: HttpRequest, index: number) => Answer | Promise<Answer>)
) {
	const server = scriptedServer(script);
	let report: (event: ConnectionEvent) => void = () => {};
	const connection = fromCallback<ConnectionCommand, { url: string }, ConnectionEvent>(
		({ sendBack }) => {
			report = sendBack;
			setTimeout(() => sendBack({ type: 'socket.opened' }), 5);
		}
	);
	const channel = fromCallback<ChannelCommand, { tabId: string }, ChannelEvent>(({ sendBack }) =>
		sendBack({ type: 'tab.ready', transport: 'broadcast' })
	);
	const input = { socketUrl: 'ws://localhost/ws', tabId: 'tab-1', connect: true };
	const recorder = new TraceRecorder(input);
	const machine = rootMachine.provide({
		actors: {
			socket: socketMachine.provide({ actors: { connection } }),
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
		push: (frame: EventFrame) => report({ type: 'socket.message', data: JSON.stringify(frame) }),
		/**
		 * Runs the answers and timers the tab is waiting for, up to just before the socket's
		 * first heartbeat ping (a live socket always has its next ping scheduled).
		 */
		settle: () => vi.advanceTimersByTimeAsync(heartbeat.intervalMs - 1)
	};
}
