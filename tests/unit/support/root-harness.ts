/**
 * A real root machine (real creator, tab-sync and channel adapter) with a scripted API and a
 * socket that never connects, for the cases that cross actors.
 */
import { createActor, fromCallback } from 'xstate';
import type { HttpRequest } from '../../../machines/adapters/http';
import type { ConnectionCommand, ConnectionEvent } from '../../../machines/adapters/websocket';
import { creatorMachine } from '../../../machines/creator.machine';
import { requestMachine } from '../../../machines/request.machine';
import { rootMachine } from '../../../machines/root.machine';
import { socketMachine } from '../../../machines/socket.machine';
import { scriptedServer, type Answer } from './fixtures';

const silentConnection = fromCallback<ConnectionCommand, { url: string }, ConnectionEvent>(
	() => {}
);

export function startRootTab(
	tabId: string,
	script: Answer[] | ((request: HttpRequest, index: number) => Answer | Promise<Answer>)
) {
	const server = scriptedServer(script);
	const errors: unknown[] = [];
	const machine = rootMachine.provide({
		actors: {
			socket: socketMachine.provide({ actors: { connection: silentConnection } }),
			creator: creatorMachine.provide({
				actors: {
					request: requestMachine.provide({ actors: { performRequest: server.performRequest } })
				}
			})
		}
	});
	const actor = createActor(machine, { input: { socketUrl: 'ws://localhost/ws', tabId } });
	actor.subscribe({ error: (error) => errors.push(error) });
	actor.start();

	return {
		actor,
		errors,
		requests: server.requests,
		creator: (id = 'c1') => actor.getSnapshot().context.creators[id],
		tabSync: () => actor.getSnapshot().children.tabSync
	};
}
