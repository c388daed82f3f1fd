/** Runs a creator actor against a scripted server, recording what it tells its parent. */
import { vi } from 'vitest';
import { createActor, type ActorRefFrom, type SnapshotFrom } from 'xstate';
import type { HttpRequest } from '../../../machines/adapters/http';
import { creatorMachine, type CreatorInput } from '../../../machines/creator.machine';
import { requestMachine } from '../../../machines/request.machine';
import type { Creator } from '../../../src/lib/shared/protocol';
import { scriptedServer, type Answer } from './fixtures';

export function startCreator(
	script: Answer[] | ((request: HttpRequest, index: number) => Answer | Promise<Answer>),
	input: CreatorInput
) {
	const server = scriptedServer(script);
	const committed: { creator: Creator; editId: string }[] = [];
	const notifyAuthRequired = vi.fn();

	const machine = creatorMachine.provide({
		actors: {
			request: requestMachine.provide({ actors: { performRequest: server.performRequest } })
		},
		actions: {
			notifyCommitted: ({ context }) => {
				committed.push({
					creator: context.confirmed as Creator,
					editId: context.lastEditId as string
				});
			},
			notifyAuthRequired
		}
	});
	const actor = createActor(machine, { input }).start();

	return {
		actor,
		requests: server.requests,
		signals: server.signals,
		committed,
		notifyAuthRequired,
		patches: () => server.requests.filter((request) => request.method === 'PATCH')
	};
}

/** Records every state the creator passes through, transient ones included. */
export function watchStates(actor: ActorRefFrom<typeof creatorMachine>) {
	const seen: { value: unknown; saving: boolean }[] = [];
	actor.system.inspect((event) => {
		if (event.type !== '@xstate.microstep' || event.actorRef !== actor) return;

		const snapshot = event.snapshot as SnapshotFrom<typeof creatorMachine>;
		seen.push({ value: snapshot.value, saving: snapshot.hasTag('saving') });
	});

	return seen;
}
