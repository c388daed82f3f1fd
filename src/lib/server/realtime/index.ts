/**
 * The `/ws` endpoint: authenticates upgrades, keeps the hub of subscribed sockets and
 * feeds it from the event bus. Loaded by hooks.server.ts in production and by the Vite
 * plugin in dev; both reach the same state through globalThis.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseCookies } from 'cookie';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
	clientFrameSchema,
	MAX_FRAME_BYTES,
	parseFrame,
	SESSION_CLOSE_REASONS,
	type ClientFrame,
	type EventFrame
} from '$lib/shared/protocol';
import { findSession, SESSION_COOKIE, type Session } from '../auth';
import {
	socketFrameBurst,
	socketFramesPerSecond,
	socketReplayBudget,
	socketsCap,
	socketsPerAddress,
	socketsPerUser,
	socketSubscriptionsCap
} from '../config';
import { creatorExists } from '../creators';
import { getDb } from '../db';
import {
	getEventBus,
	headEventId,
	resumeFrom,
	type Resumption,
	type ResyncReason
} from '../events';
import { logger } from '../logger';
import { upgradeAddress } from '../security/client-address';
import { originAllowed } from '../security/origin';
import { FrameBudget } from './frame-budget';
import { Hub, send, type Client } from './hub';
import { ReplayBudget } from './replay-budget';

/** How often sockets are pinged; one that has not answered the previous ping is dropped. */
function heartbeatMs(): number {
	const configured = Number(process.env.SOCKET_HEARTBEAT_MS);

	return Number.isInteger(configured) && configured > 0 ? configured : 30_000;
}
/** How long a client should wait before reconnecting after this server closes for a restart. */
const RESTART_RETRY_MS = 1_000;
/** Longest delay setTimeout accepts; a session further out is checked again at that point. */
const MAX_TIMER_MS = 2_147_483_647;
/** Events one replay (a `subscribe` with `afterEventId`, or a `resume`) sends at most. */
const RESUME_LIMIT = 500;
/**
 * How long a socket turned away at capacity waits at least, plus a random share of as much
 * again: reconnect jitter is small next to this, so the server spreads the returns itself.
 */
const CAPACITY_RETRY_MS = 5_000;
/** A turned-away socket that does not finish the close handshake is dropped after this long. */
const TURNED_AWAY_GRACE_MS = 2_000;
/** At capacity, one warning in this long says how many sockets were turned away. */
const CAPACITY_WARNING_MS = 60_000;

type RealtimeState = {
	wss: WebSocketServer;
	hub: Hub;
	heartbeat: NodeJS.Timeout;
	stopListening: () => void;
	closing: boolean;
	/** Sockets turned away at capacity since the last warning, and when that warning was. */
	turnedAway: { count: number; warnedAt: number };
};

/**
 * In `vite dev` the plugin's copy of this module and the routes' copy can be different
 * instances; the hub lives on globalThis so sockets and publishers meet in one place.
 */
const STATE_KEY = Symbol.for('creatordata.realtime.state');
const REGISTRY_KEY = Symbol.for('creatordata.realtime');

type Registry = {
	[STATE_KEY]?: RealtimeState;
	[REGISTRY_KEY]?: {
		handleUpgrade: typeof handleUpgrade;
		shutdown: typeof shutdown;
		closeSessionSockets: typeof closeSessionSockets;
	};
};
const registry = globalThis as Registry;

function state(): RealtimeState {
	const existing = registry[STATE_KEY];
	if (existing) return existing;

	const hub = new Hub();
	const wss = new WebSocketServer({
		noServer: true,
		maxPayload: MAX_FRAME_BYTES,
		perMessageDeflate: false,
		clientTracking: false
	});
	const stopListening = getEventBus().subscribe((frame) => hub.deliver(frame));
	const heartbeat = setInterval(() => checkHeartbeats(hub), heartbeatMs());
	heartbeat.unref();

	const created = {
		wss,
		hub,
		heartbeat,
		stopListening,
		closing: false,
		turnedAway: { count: 0, warnedAt: -Infinity }
	};
	registry[STATE_KEY] = created;
	return created;
}

/** Answers a refused upgrade with a plain HTTP status, then drops the connection. */
function refuse(socket: Duplex, status: number, reason: string): void {
	const body = `${reason}\n`;
	socket.once('finish', () => socket.destroy());
	socket.end(
		`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
			`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
	);
}

/**
 * The app's own origin as this handshake reached it: `ORIGIN` when the server is behind a
 * proxy (adapter-node's setting), else the scheme of this connection and its Host header.
 */
function ownOrigin(request: IncomingMessage): string {
	if (process.env.ORIGIN) return process.env.ORIGIN;

	const scheme = 'encrypted' in request.socket && request.socket.encrypted ? 'https' : 'http';
	return `${scheme}://${request.headers.host ?? 'localhost'}`;
}

/** Who a socket counts against for the open-socket cap: the user, or a guest's session. */
function ownerKey(user: Session['user'], sessionId: string): string {
	return user ? `user:${user.id}` : `session:${sessionId}`;
}

/**
 * Takes over an HTTP upgrade for `/ws`. Browsers send cookies with cross-site WebSocket
 * handshakes, so a foreign Origin is refused (403) before anything else (see
 * security/origin.ts for the rule when Origin is missing). Every socket needs a live
 * session, a guest's included: without one the answer is 401. A user (or guest) who already
 * holds the most sockets allowed gets 429, and so does an address that does, whatever
 * sessions its sockets carry: guest sessions are cheap to mint, addresses are not. When the
 * whole server holds the most sockets it takes, the upgrade is accepted only to say when to
 * come back (see turnAway).
 *
 * @example
 * httpServer.on('upgrade', (request, socket, head) => handleUpgrade(request, socket, head));
 */
export function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
	// A reset during the async session lookup must not become an unhandled 'error' event.
	socket.on('error', (error) => logger.debug({ err: error }, 'upgrade socket error'));

	const path = new URL(request.url ?? '/', 'http://localhost').pathname;
	if (path !== '/ws') {
		socket.destroy();
		return;
	}

	const realtime = state();
	if (realtime.closing) return refuse(socket, 503, 'Service Unavailable');
	if (!originAllowed(request.headers.origin, ownOrigin(request))) {
		return refuse(socket, 403, 'Forbidden');
	}

	const token = parseCookies(request.headers.cookie ?? '')[SESSION_COOKIE];
	if (!token) return refuse(socket, 401, 'Unauthorized');

	findSession(token).then(
		(session) => {
			if (!session) return refuse(socket, 401, 'Unauthorized');
			if (socket.destroyed) return;

			const key = ownerKey(session.user, session.id);
			const address = upgradeAddress(request);
			let ownerOpen = 0;
			let addressOpen = 0;
			for (const client of realtime.hub.clients) {
				if (client.ownerKey === key) ownerOpen += 1;
				if (client.address === address) addressOpen += 1;
			}
			if (ownerOpen >= socketsPerUser() || addressOpen >= socketsPerAddress()) {
				return refuse(socket, 429, 'Too Many Requests');
			}
			if (realtime.hub.clients.size >= socketsCap()) {
				return realtime.wss.handleUpgrade(request, socket, head, (ws) => turnAway(realtime, ws));
			}

			realtime.wss.handleUpgrade(request, socket, head, (ws) =>
				onConnection(realtime.hub, ws, session, address)
			);
		},
		(error: unknown) => {
			logger.error({ err: error }, 'could not check the session of a socket');
			refuse(socket, 503, 'Service Unavailable');
		}
	);
}

/**
 * Tells a socket the server is full and closes it with 1013 (Try Again Later). A browser
 * cannot read the HTTP status of a refused upgrade, only frames and the close code, so this
 * socket is accepted just long enough to carry the `retryAfter` it must wait at least.
 */
function turnAway(realtime: RealtimeState, socket: WebSocket): void {
	socket.on('error', (error) => logger.debug({ err: error }, 'turned-away socket error'));
	socket.send(
		JSON.stringify({
			type: 'retryAfter',
			ms: CAPACITY_RETRY_MS + Math.floor(Math.random() * CAPACITY_RETRY_MS)
		})
	);
	socket.close(1013, 'The server is at capacity; try again later.');

	// These sockets are not in the hub, so none may linger on a client that never answers.
	const grace = setTimeout(() => socket.terminate(), TURNED_AWAY_GRACE_MS);
	grace.unref();
	socket.once('close', () => clearTimeout(grace));

	const now = Date.now();
	realtime.turnedAway.count += 1;
	if (now - realtime.turnedAway.warnedAt >= CAPACITY_WARNING_MS) {
		logger.warn(
			{ sockets: realtime.hub.clients.size, turnedAway: realtime.turnedAway.count },
			'at the socket cap: turning sockets away'
		);
		realtime.turnedAway = { count: 0, warnedAt: now };
	}
}

function onConnection(hub: Hub, socket: WebSocket, session: Session, address: string): void {
	const replay = socketReplayBudget();
	const client: Client = {
		socket,
		user: session.user,
		sessionId: session.id,
		ownerKey: ownerKey(session.user, session.id),
		address,
		sessionExpiresAt: session.expiresAt.getTime(),
		creators: new Set(),
		resynced: new Set(),
		alive: true,
		budget: new FrameBudget(
			{ perSecond: socketFramesPerSecond(), burst: socketFrameBurst() },
			Date.now()
		),
		replayBudget: new ReplayBudget({ events: replay.limit, windowMs: replay.windowMs }, Date.now()),
		throttled: false,
		flooding: false,
		queue: Promise.resolve(),
		held: null
	};
	hub.add(client);
	const expiry = closeWhenSessionExpires(client);
	logger.info({ user: client.user?.id ?? null, sockets: hub.clients.size }, 'socket connected');

	socket.on('pong', () => {
		client.alive = true;
	});

	// ws reports protocol violations here (an oversize frame among them) and then closes
	// the socket itself with the matching code (1009); only this one client is affected.
	socket.on('error', (error) => {
		logger.warn({ err: error, user: client.user?.id ?? null }, 'socket error');
	});

	socket.on('close', (code) => {
		clearTimeout(expiry.timer);
		hub.remove(client);
		logger.info(
			{ user: client.user?.id ?? null, code, sockets: hub.clients.size },
			'socket closed'
		);
	});

	socket.on('message', (data, isBinary) => {
		if (isBinary) {
			socket.close(1003, 'Only JSON text frames are accepted.');
			return;
		}
		if (client.flooding) return;

		const verdict = client.budget.take(Date.now());
		if (verdict === 'flood') return closeFlooding(client);

		const parsed = parseFrame(clientFrameSchema, textOf(data));
		if (verdict === 'throttle') return refuseThrottled(client, parsed.ok ? parsed.frame : null);
		client.throttled = false;

		if (!parsed.ok) {
			send(client, { type: 'error', code: parsed.code, message: parsed.message });
			return;
		}

		client.queue = client.queue.then(() =>
			handleFrame(hub, client, parsed.frame).catch((error: unknown) => {
				client.held = null;
				logger.error({ err: error, frame: parsed.frame.type }, 'socket frame failed');
				socket.close(1011, 'The server could not handle that message.');
			})
		);
	});
}

function textOf(data: RawData): string {
	if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
	if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
	return data.toString('utf8');
}

/**
 * Closes the socket with 1008 the moment its session expires. The timer is re-armed in
 * steps when the expiry is further away than one setTimeout can wait.
 */
function closeWhenSessionExpires(client: Client): { timer?: NodeJS.Timeout } {
	const handle: { timer?: NodeJS.Timeout } = {};
	const arm = () => {
		const left = (client.sessionExpiresAt ?? Infinity) - Date.now();
		if (left <= 0) {
			client.socket.close(1008, SESSION_CLOSE_REASONS.expired);
			return;
		}
		handle.timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
		handle.timer.unref();
	};
	arm();
	return handle;
}

/**
 * Answers a frame refused for the rate. A refused subscribe is named in its own error, so the
 * client can tell which creator it does not follow; other frames in a run of refusals share
 * one error.
 */
function refuseThrottled(client: Client, frame: ClientFrame | null): void {
	const message = `At most ${socketFramesPerSecond()} messages a second after a burst of ${socketFrameBurst()}; this one was ignored.`;
	if (frame?.type === 'subscribe') {
		send(client, { type: 'error', code: 'rate_limited', message, creatorId: frame.creatorId });
	} else if (!client.throttled) {
		send(client, { type: 'error', code: 'rate_limited', message });
	}
	client.throttled = true;
}

/** Closes a flooding socket once, with one warning, however many frames it has in flight. */
function closeFlooding(client: Client): void {
	client.flooding = true;
	logger.warn(
		{ user: client.user?.id ?? null, address: client.address },
		'closing a socket that floods'
	);
	client.socket.close(1008, 'Too many messages.');
}

async function handleFrame(hub: Hub, client: Client, frame: ClientFrame): Promise<void> {
	switch (frame.type) {
		case 'ping':
			send(client, { type: 'pong' });
			return;

		case 'subscribe':
			// Already followed: its events are flowing, so a repeat (with or without
			// `afterEventId`) replays nothing; otherwise each repeat could replay the log again.
			if (client.creators.has(frame.creatorId)) {
				send(client, { type: 'subscribed', creatorId: frame.creatorId });
				return;
			}
			if (client.creators.size >= socketSubscriptionsCap()) {
				send(client, {
					type: 'error',
					code: 'too_many_subscriptions',
					message: `A socket can follow at most ${socketSubscriptionsCap()} creators; unsubscribe from one first.`,
					creatorId: frame.creatorId
				});
				return;
			}
			if (!(await creatorExists(frame.creatorId))) {
				send(client, {
					type: 'error',
					code: 'unknown_creator',
					message: `There is no creator "${frame.creatorId}".`
				});
				return;
			}
			await subscribeFrom(hub, client, frame.creatorId, frame.afterEventId);
			return;

		case 'unsubscribe':
			hub.leave(client, frame.creatorId);
			send(client, { type: 'unsubscribed', creatorId: frame.creatorId });
			return;

		case 'resume':
			await resumeAfter(client, frame.lastEventId);
			return;
	}
}

/**
 * The events after `afterId` for these creators, when the log holds them all and the socket's
 * replay budget covers them; the budget is charged for what is returned.
 */
async function replayable(
	client: Client,
	afterId: number,
	creatorIds: string[]
): Promise<Resumption> {
	const allowed = Math.min(RESUME_LIMIT, client.replayBudget.available(Date.now()));
	const missed = await resumeFrom(afterId, creatorIds, allowed);
	if (missed.kind === 'events') client.replayBudget.spend(missed.events.length);

	return missed;
}

/** Sends replayed events the socket may see; returns the id of the last one, 0 for none. */
function sendReplay(client: Client, events: EventFrame[]): number {
	let sentThrough = 0;
	for (const event of events) {
		if (Hub.mayReceive(client, event)) send(client, event);
		sentThrough = event.id;
	}

	return sentThrough;
}

/** Tells the socket to reload these creators over HTTP, each once while it stays subscribed. */
function tellResync(client: Client, creatorIds: string[], lastEventId: number): void {
	for (const creatorId of creatorIds) {
		send(client, { type: 'resync', creatorId, lastEventId });
		client.resynced.add(creatorId);
	}
}

/**
 * Sends the events held back during a replay. A held event of a replayed creator that the
 * replay already carried is skipped; every other one goes out.
 */
function releaseHeld(client: Client, replayed: string[], sentThrough: number): void {
	for (const event of client.held ?? []) {
		if (!replayed.includes(event.creatorId) || event.id > sentThrough) send(client, event);
	}
}

const CANNOT_RESUME: Record<ResyncReason, string> = {
	ahead: 'is ahead of the event log',
	pruned: 'is older than the event log keeps',
	too_many: `is more than ${RESUME_LIMIT} events behind`
};

/**
 * Replays what every followed creator missed after `lastEventId`, holding live events back
 * meanwhile as a subscribe does. When the log cannot serve it, each creator it covers is told
 * to resync; a creator already told needs nothing, since its live stream has run since. With
 * no creator left to tell, an unservable resume still gets an answer: a `cannot_resume` error.
 */
async function resumeAfter(client: Client, lastEventId: number): Promise<void> {
	const creatorIds = [...client.creators].filter((creatorId) => !client.resynced.has(creatorId));
	client.held = [];

	try {
		const head = await headEventId(await getDb());
		const missed = await replayable(client, lastEventId, creatorIds);

		let sentThrough = 0;
		if (missed.kind === 'events') {
			sentThrough = sendReplay(client, missed.events);
		} else if (creatorIds.length > 0) {
			tellResync(client, creatorIds, head);
		} else {
			send(client, {
				type: 'error',
				code: 'cannot_resume',
				message: `Event ${lastEventId} ${CANNOT_RESUME[missed.reason]} (newest: ${head}); reload over HTTP.`
			});
		}

		releaseHeld(client, creatorIds, sentThrough);
	} finally {
		client.held = null;
	}
}

/**
 * Joins a creator's room. With `afterEventId` (a reconnect) the events the client missed are
 * replayed first, oldest first; live events that arrive meanwhile are held and sent after
 * them, so the client sees every event once and in order. When the log no longer has what
 * was missed, or the socket's replay budget does not cover it, the client is told to reload
 * instead.
 */
async function subscribeFrom(
	hub: Hub,
	client: Client,
	creatorId: string,
	afterEventId: number | undefined
): Promise<void> {
	client.held = [];
	hub.join(client, creatorId);

	try {
		const lastEventId = await headEventId(await getDb());
		send(client, { type: 'subscribed', creatorId, lastEventId });

		let sentThrough = 0;
		if (afterEventId !== undefined) {
			const missed = await replayable(client, afterEventId, [creatorId]);
			if (missed.kind === 'resync') tellResync(client, [creatorId], lastEventId);
			else sentThrough = sendReplay(client, missed.events);
		}

		releaseHeld(client, [creatorId], sentThrough);
	} finally {
		client.held = null;
	}
}

/** Pings every socket; one that did not answer the previous ping is gone and is dropped. */
function checkHeartbeats(hub: Hub): void {
	const now = Date.now();
	for (const client of hub.clients) {
		if (client.sessionExpiresAt !== null && client.sessionExpiresAt <= now) {
			client.socket.close(1008, SESSION_CLOSE_REASONS.expired);
			continue;
		}
		if (!client.alive) {
			client.socket.terminate();
			continue;
		}

		client.alive = false;
		client.socket.ping();
	}
}

/** Open sockets and subscriptions, for the test switch's stats and for tests. */
export function connectionStats(): ReturnType<Hub['stats']> {
	return state().hub.stats();
}

/** Closes every socket opened with this session, e.g. after sign-out (1008: policy). */
export function closeSessionSockets(sessionId: string, code = 1008): void {
	const realtime = registry[STATE_KEY];
	if (!realtime) return;

	for (const client of realtime.hub.clients) {
		if (client.sessionId === sessionId) client.socket.close(code, SESSION_CLOSE_REASONS.signedOut);
	}
}

/** Closes every socket with 1001 (going away) and stops taking new ones. */
export function shutdown(): void {
	const realtime = registry[STATE_KEY];
	if (!realtime) return;

	realtime.closing = true;
	clearInterval(realtime.heartbeat);
	realtime.stopListening();
	for (const client of realtime.hub.clients) {
		send(client, { type: 'retryAfter', ms: RESTART_RETRY_MS });
		client.socket.close(1001, 'The server is restarting.');
	}
	realtime.wss.close();
}

registry[REGISTRY_KEY] = { handleUpgrade, shutdown, closeSessionSockets };
