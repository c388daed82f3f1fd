import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromCallback, type AnyEventObject } from 'xstate';
import type { ConnectionCommand, ConnectionEvent } from '../../machines/adapters/websocket';
import type { HttpRequest } from '../../machines/adapters/http';
import { creatorMachine } from '../../machines/creator.machine';
import { requestMachine } from '../../machines/request.machine';
import { rootMachine, type RootInput } from '../../machines/root.machine';
import { socketMachine } from '../../machines/socket.machine';
import { tabSyncMachine } from '../../machines/tabSync.machine';
import { fakeChannel } from './support/fake-actors';
import {
	alpha,
	eventFrame,
	fail,
	ok,
	patchAnswer,
	scriptedServer,
	settle,
	type Answer
} from './support/fixtures';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');

/** A connection that never opens, so the socket stays in `connecting` without a network. */
const silentConnection = fromCallback<ConnectionCommand, { url: string }, ConnectionEvent>(
	() => {}
);

function recordEvents() {
	const received: AnyEventObject[] = [];

	return { received, types: () => received.map((event) => event.type) };
}

function startRoot(
	script: Answer[] | ((request: HttpRequest, index: number) => Answer) = patchAnswer(alpha()),
	input: Partial<RootInput> = {}
) {
	const socket = recordEvents();
	const tabSync = recordEvents();
	const server = scriptedServer(script);
	const machine = rootMachine.provide({
		actors: {
			socket: socketMachine.provide({ actors: { connection: silentConnection } }),
			tabSync: tabSyncMachine.provide({ actors: { channel: fakeChannel().channel } }),
			creator: creatorMachine.provide({
				actors: {
					request: requestMachine.provide({ actors: { performRequest: server.performRequest } })
				}
			})
		}
	});
	const actor = createActor(machine, {
		input: { socketUrl: 'ws://localhost/ws', tabId: 'tab-a', ...input },
		// Records what the root itself sends to its socket and tab-sync children.
		inspect: (event) => {
			if (event.type !== '@xstate.event' || event.sourceRef !== actor) return;
			if (event.event.type === 'xstate.init') return;

			const children = actor.getSnapshot().children;
			if (event.actorRef === children.socket) socket.received.push(event.event);
			if (event.actorRef === children.tabSync) tabSync.received.push(event.event);
		}
	});
	actor.start();

	const creator = (id = 'c1') => actor.getSnapshot().context.creators[id];

	return { actor, socket, tabSync, requests: server.requests, creator };
}

describe('rootMachine', () => {
	beforeEach(() => {
		vi.useFakeTimers({ now: NOW });
	});

	afterEach(() => {
		vi.useRealTimers();
	});

	describe('starting', () => {
		it('starts the socket and tab sync without connecting by default', () => {
			const { actor, socket } = startRoot();

			expect(actor.getSnapshot().value).toBe('running');
			expect(Object.keys(actor.getSnapshot().children).sort()).toEqual([
				'connectivity',
				'socket',
				'tabSync'
			]);
			expect(socket.received).toEqual([]);
			expect(actor.getSnapshot().context).toMatchObject({ tabId: 'tab-a', authRequired: false });
		});

		it('connects the socket at once when asked to', () => {
			const { socket } = startRoot(undefined, { connect: true });

			expect(socket.types()).toEqual(['socket.connect']);
		});

		it('generates a tab id when none is given', () => {
			const { actor } = startRoot(undefined, { tabId: undefined });

			expect(actor.getSnapshot().context.tabId).toMatch(/^[0-9a-f-]{36}$/);
		});
	});

	describe('tracking creators', () => {
		it('starts one creator actor and subscribes once when a creator is tracked', () => {
			const { actor, socket, creator } = startRoot();

			actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
			actor.send({ type: 'creator.track', creatorId: 'c1' });

			expect(Object.keys(actor.getSnapshot().context.creators)).toEqual(['c1']);
			expect(creator().id).toBe('creator:c1');
			expect(actor.getSnapshot().children['creator:c1']).toBe(creator());
			expect(creator().getSnapshot().context.view).toEqual(alpha());
			expect(socket.received).toEqual([{ type: 'socket.subscribe', creatorId: 'c1' }]);
		});

		it('offers a newer page copy to a creator already tracked', () => {
			const { actor, creator } = startRoot();
			actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });

			actor.send({
				type: 'creator.track',
				creatorId: 'c1',
				snapshot: alpha({ version: 2, bio: 'z' })
			});
			actor.send({
				type: 'creator.track',
				creatorId: 'c1',
				snapshot: alpha({ version: 1, bio: 'old' })
			});

			expect(creator().getSnapshot().context.view).toMatchObject({ version: 2, bio: 'z' });
		});

		it('stops the creator and unsubscribes when it is untracked', () => {
			const { actor, socket } = startRoot();
			actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
			const tracked = actor.getSnapshot().context.creators.c1;

			actor.send({ type: 'creator.untrack', creatorId: 'c1' });
			actor.send({ type: 'creator.untrack', creatorId: 'c1' });

			expect(actor.getSnapshot().context.creators).toEqual({});
			expect(actor.getSnapshot().children['creator:c1']).toBeUndefined();
			expect(tracked.getSnapshot().status).toBe('stopped');
			expect(socket.types()).toEqual(['socket.subscribe', 'socket.unsubscribe']);
		});
	});

	describe('routing', () => {
		it('hands a server event to its creator and drops one for an untracked creator', () => {
			const { actor, creator } = startRoot();
			actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });

			actor.send({
				type: 'socket.event',
				frame: eventFrame('earnings_updated', { earningsCents: 10500 })
			});
			actor.send({
				type: 'socket.event',
				frame: eventFrame('earnings_updated', { earningsCents: 1 }, 'c2')
			});

			expect(creator().getSnapshot().context.view?.earningsCents).toBe(10500);
			expect(actor.getSnapshot().status).toBe('active');
		});

		it("hands another tab's creator state to that creator", () => {
			const { actor, creator } = startRoot();
			actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });

			actor.send({
				type: 'tab.received',
				message: {
					type: 'creator.state',
					sourceTabId: 'tab-b',
					creator: alpha({ nickname: 'Beta', version: 2 }),
					sentAt: NOW
				}
			});

			expect(creator().getSnapshot().context.view).toMatchObject({ nickname: 'Beta', version: 2 });
		});

		it('broadcasts each loaded creator, public copy only, when another tab asks for state', async () => {
			const { actor, tabSync } = startRoot([fail(404)]);
			actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha(), eventId: 12 });
			actor.send({ type: 'creator.track', creatorId: 'c2' });
			await settle();

			actor.send({
				type: 'tab.received',
				message: { type: 'sync.request', sourceTabId: 'tab-b', sentAt: 1 }
			});

			const [broadcast] = tabSync.received as unknown as { message: { creator: object } }[];
			expect(broadcast?.message.creator).not.toHaveProperty('earningsCents');
			expect(tabSync.received).toEqual([
				{
					type: 'tab.broadcast',
					message: {
						type: 'creator.state',
						sourceTabId: 'tab-a',
						creator: alpha({ earningsCents: undefined }),
						eventId: 12,
						editId: undefined,
						sentAt: NOW
					}
				}
			]);
		});

		it('tells the other tabs when a creator commits an edit: the public copy and the log position it reflects', async () => {
			const { actor, tabSync } = startRoot(() =>
				ok({ creator: alpha({ nickname: 'Beta', version: 2 }), eventId: 31 })
			);
			actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha(), eventId: 30 });

			actor.getSnapshot().context.creators.c1.send({
				type: 'creator.edit',
				patch: { nickname: 'Beta' },
				editId: 'e1'
			});
			await settle();

			expect(tabSync.received).toEqual([
				{
					type: 'tab.broadcast',
					message: {
						type: 'creator.state',
						sourceTabId: 'tab-a',
						creator: alpha({ nickname: 'Beta', version: 2, earningsCents: undefined }),
						eventId: 31,
						editId: 'e1',
						sentAt: NOW
					}
				}
			]);
		});

		it('passes a force-sync request to tab sync, which asks back for a refresh', () => {
			const { actor, tabSync } = startRoot();

			actor.send({ type: 'tab.forceSync' });

			expect(tabSync.received).toEqual([{ type: 'tab.forceSync' }]);
		});

		it.each([{ type: 'tab.forceSync', origin: 'tabSync' }, { type: 'socket.reopened' }] as const)(
			'makes every creator re-read the server on $type',
			async (event) => {
				const { actor, requests, tabSync } = startRoot();
				actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
				actor.send({ type: 'creator.track', creatorId: 'c2', snapshot: alpha({ id: 'c2' }) });

				actor.send(event);
				expect(tabSync.types()).not.toContain('tab.forceSync');
				await settle();

				expect(requests.map((request) => request.url)).toEqual([
					'/api/creators/c1',
					'/api/creators/c2'
				]);
			}
		);
	});

	describe('session', () => {
		it('asks for sign-in when a save is refused with 401, and clears it on sign-in', async () => {
			const { actor } = startRoot([fail(401)]);
			actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });

			actor.getSnapshot().context.creators.c1.send({ type: 'creator.edit', patch: { bio: 'y' } });
			await settle();
			expect(actor.getSnapshot().context.authRequired).toBe(true);

			actor.send({ type: 'session.signedIn' });
			expect(actor.getSnapshot().context.authRequired).toBe(false);
		});

		it('disconnects the socket when the person signs out', () => {
			const { actor, socket } = startRoot();

			actor.send({ type: 'session.signedOut' });

			expect(socket.types()).toEqual(['socket.disconnect']);
		});

		it('passes the socket controls through to the socket', () => {
			const { actor, socket } = startRoot();

			for (const type of [
				'socket.connect',
				'socket.disconnect',
				'socket.reconnect',
				'socket.online'
			] as const) {
				actor.send({ type });
			}

			expect(socket.types()).toEqual([
				'socket.connect',
				'socket.disconnect',
				'socket.reconnect',
				'socket.online'
			]);
		});
	});
});
