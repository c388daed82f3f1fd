import { WebSocket } from 'ws';
import { PRIVATE_EVENTS, type EventFrame, type ServerFrame } from '$lib/shared/protocol';
import type { SessionUser } from '../auth';
import { logger } from '../logger';
import type { FrameBudget } from './frame-budget';
import type { ReplayBudget } from './replay-budget';

/** One connected socket and what the hub knows about it. */
export type Client = {
	socket: WebSocket;
	/** Null for a guest, whose socket receives public events only. */
	user: SessionUser | null;
	sessionId: string;
	/** Whom the socket counts against for the per-user socket cap. */
	ownerKey: string;
	/** The client address, for the per-address socket cap. */
	address: string;
	sessionExpiresAt: number | null;
	creators: Set<string>;
	/**
	 * Followed creators this socket was told to reload over HTTP. Its live stream has carried
	 * every later event since, so no replay can add anything until it subscribes afresh.
	 */
	resynced: Set<string>;
	alive: boolean;
	/** What this socket may still send before it is throttled. */
	budget: FrameBudget;
	/** How many logged events may still be replayed to this socket. */
	replayBudget: ReplayBudget;
	/** Set while frames are being refused, so one `rate_limited` error covers a run of them. */
	throttled: boolean;
	/** Set once the socket is closed for flooding; later frames are dropped without a word. */
	flooding: boolean;
	/** Frames are handled one after another, so a subscribe is done before the next frame starts. */
	queue: Promise<void>;
	/** While missed events are replayed, live ones wait here so nothing overtakes the replay. */
	held: EventFrame[] | null;
};

/** A subscriber this far behind is not reading; dropping it protects everyone else's memory. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Reused for every send: Buffers go out as text frames without a per-subscriber options object. */
const TEXT_FRAME = { binary: false } as const;

/**
 * Maps creator ids to the sockets subscribed to them and fans events out. Each event is
 * serialised once into one Buffer that every subscriber's socket writes.
 */
export class Hub {
	readonly clients = new Set<Client>();
	private readonly rooms = new Map<string, Set<Client>>();

	add(client: Client): void {
		this.clients.add(client);
	}

	remove(client: Client): void {
		this.clients.delete(client);
		for (const creatorId of client.creators) this.leave(client, creatorId);
	}

	join(client: Client, creatorId: string): void {
		client.creators.add(creatorId);
		let room = this.rooms.get(creatorId);
		if (!room) {
			room = new Set();
			this.rooms.set(creatorId, room);
		}
		room.add(client);
	}

	leave(client: Client, creatorId: string): void {
		client.creators.delete(creatorId);
		client.resynced.delete(creatorId);
		const room = this.rooms.get(creatorId);
		if (!room) return;

		room.delete(client);
		if (room.size === 0) this.rooms.delete(creatorId);
	}

	/** How many sockets are open, and how many are subscribed to each creator. */
	stats(): { sockets: number; subscriptions: Record<string, number> } {
		const subscriptions: Record<string, number> = {};
		for (const [creatorId, room] of this.rooms) subscriptions[creatorId] = room.size;

		return { sockets: this.clients.size, subscriptions };
	}

	/** Whether this socket may see this event; private ones only reach the creator's owner. */
	static mayReceive(client: Client, frame: EventFrame): boolean {
		return !PRIVATE_EVENTS.has(frame.event) || client.user?.creatorId === frame.creatorId;
	}

	deliver(frame: EventFrame): void {
		const room = this.rooms.get(frame.creatorId);
		if (!room) return;

		const payload = Buffer.from(JSON.stringify(frame));
		for (const client of room) {
			// Ownership is checked now, not at subscribe time, so it follows the socket's user.
			if (!Hub.mayReceive(client, frame)) continue;
			if (client.held) client.held.push(frame);
			else sendRaw(client, payload);
		}
	}
}

function sendRaw(client: Client, payload: Buffer | string): void {
	const { socket } = client;
	if (socket.readyState !== WebSocket.OPEN) return;

	if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
		logger.warn({ user: client.user?.id ?? null }, 'terminating a socket that stopped reading');
		socket.terminate();
		return;
	}

	socket.send(payload, TEXT_FRAME);
}

export function send(client: Client, frame: ServerFrame): void {
	sendRaw(client, JSON.stringify(frame));
}
