/**
 * The Svelte binding of the CreatorData statecharts.
 *
 * One root actor per tab owns the socket, the tab channel and one actor per creator on screen.
 * Components never touch those actors' internals: they read the reactive views exposed here
 * and call the public verbs (`updateCreatorLocally`, `revertCreator`, `refreshCreator`).
 *
 * Reactivity comes from xstate's inspection stream: every snapshot of every actor in the
 * system lands in one `$state.raw` record keyed by actor id, so a component re-renders when,
 * and only when, an actor it reads changes.
 */
import { untrack } from 'svelte';
import { createActor, type AnyActorRef, type InspectionEvent } from 'xstate';
import { rootMachine } from '$machines/root.machine';
import { socketUrl } from '$machines/backoff';
import { createId } from '$machines/ids';
import type { Trace } from '$machines/trace/format';
import { actorPath, TraceRecorder } from '$machines/trace/recorder';
import { stateLabel } from '$machines/trace/state-label';
import { inspectorObserver } from './inspector';
import { SESSION_CLOSE_REASONS, type Creator, type ProfilePatch } from '$lib/shared/protocol';
import type { RequestFailure } from '$machines/retry-policy';

/** How many recent events the test page lists per actor. */
const EVENT_HISTORY = 6;
/** The close code the server ends a session's sockets with. */
const POLICY_VIOLATION = 1008;

interface ActorSnapshotLike {
	value?: unknown;
	status?: string;
	context?: Record<string, unknown>;
	hasTag?: (tag: string) => boolean;
}

export interface ActorSummary {
	/** The actor's path below the root, e.g. `creator:c1/request`; the root itself is `root`. */
	id: string;
	state: string;
	lastEvents: string[];
}

export { stateLabel };

/** The innermost state name: what an indicator shows (`active.open` → `open`). */
export function leafState(value: unknown): string {
	return stateLabel(value).split('.').at(-1) ?? '';
}

/**
 * The socket's condition as an indicator shows it: `connecting`, `open`, `backoff`, `offline`,
 * `failed` or `disconnected`, without the inner heartbeat and polling steps.
 *
 * @example socketCondition({ active: { open: 'probing' } }) // 'open'
 */
export function socketCondition(value: unknown): string {
	const [outer, inner] = stateLabel(value).split('.');

	return (outer === 'active' ? inner : outer) || 'disconnected';
}

export class LiveCreator {
	readonly id: string;
	readonly #session: LiveSession;
	readonly #initial: Creator | null;

	constructor(session: LiveSession, id: string, initial: Creator | null) {
		this.#session = session;
		this.id = id;
		this.#initial = initial;
	}

	get #snapshot() {
		return this.#session.snapshotOf(`creator:${this.id}`);
	}

	/** What the person sees: the confirmed copy with their pending edits applied. */
	get view(): Creator | null {
		return (this.#snapshot?.context?.view as Creator | null | undefined) ?? this.#initial;
	}

	/** The server's last confirmed copy. */
	get confirmed(): Creator | null {
		return (this.#snapshot?.context?.confirmed as Creator | null | undefined) ?? this.#initial;
	}

	get state(): string {
		return stateLabel(this.#snapshot?.value);
	}

	get error(): RequestFailure | null {
		return (this.#snapshot?.context?.error as RequestFailure | null | undefined) ?? null;
	}

	get saving(): boolean {
		return this.#snapshot?.hasTag?.('saving') ?? false;
	}

	/** Shows the edit at once and sends it; it rolls back by itself if the server refuses it. */
	updateCreatorLocally(patch: ProfilePatch): void {
		// The edit's id is chosen here, so the trace records it and a replay of the trace
		// matches the server's answer and event to the same edit.
		this.#session.sendToCreator(this.id, { type: 'creator.edit', patch, editId: createId() });
	}

	/** Drops every edit that is not confirmed yet and shows the server's copy again. */
	revertCreator(): void {
		this.#session.sendToCreator(this.id, { type: 'creator.revert' });
	}

	/** Reloads the creator from the server. */
	refreshCreator(): void {
		this.#session.sendToCreator(this.id, { type: 'creator.refresh' });
	}

	dismissError(): void {
		this.#session.sendToCreator(this.id, { type: 'creator.dismissError' });
	}
}

/** An actor's path below the root (`socket`, `creator:c1/request`), or `root` for the root. */
function pathBelowRoot(ref: AnyActorRef): string {
	const path = actorPath(ref);

	return path.startsWith('root/') ? path.slice('root/'.length) : path;
}

/**
 * How an event reads in the test page's list: xstate's own events by what they mean
 * (`done: request`, `error: request`, `after: retryDelay`), start-up left out.
 */
export function eventLabel(type: string): string | null {
	if (type === 'xstate.init') return null;
	for (const [prefix, label] of [
		['xstate.done.actor.', 'done'],
		['xstate.error.actor.', 'error'],
		['xstate.after.', 'after']
	] as const) {
		if (type.startsWith(prefix)) return `${label}: ${type.slice(prefix.length).split('.')[0]}`;
	}

	return type;
}

export class LiveSession {
	readonly root: AnyActorRef;
	#snapshots = $state.raw<Record<string, ActorSnapshotLike>>({});
	#events = $state.raw<Record<string, string[]>>({});
	// The live actors behind the snapshots, to leave out the ones stopped without a last word.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#refs = new Map<string, AnyActorRef>();
	// Handles only; nothing renders from this map, so it need not be reactive.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#creators = new Map<string, LiveCreator>();

	/** Every event each actor took since the tab opened, for "Download trace". */
	readonly #recorder: TraceRecorder;

	constructor(url: string) {
		const input = { socketUrl: url, tabId: createId(), connect: true };
		const inspector = inspectorObserver();
		this.#recorder = new TraceRecorder(input);
		this.root = createActor(rootMachine, {
			id: 'root',
			input,
			inspect: (event) => {
				this.#recorder.observe(event);
				this.#observe(event);
				inspector?.(event);
			}
		});
		this.root.start();
	}

	/**
	 * Actors change while effects run (a page starts following a creator from an effect), so
	 * the reads here must not become dependencies of whatever effect happens to be running.
	 */
	#observe(event: InspectionEvent): void {
		untrack(() => this.#record(event));
	}

	#record(event: InspectionEvent): void {
		const ref = event.actorRef as AnyActorRef;
		const id = pathBelowRoot(ref);

		if (event.type === '@xstate.snapshot') {
			const snapshot = event.snapshot as ActorSnapshotLike;
			if (snapshot.status !== 'active') {
				// A finished request leaves the list; the next request takes its place.
				this.#forget(id);
				return;
			}
			this.#refs.set(id, ref);
			this.#snapshots = { ...this.#snapshots, [id]: snapshot };
		} else if (event.type === '@xstate.event') {
			const kind = eventLabel(event.event.type);
			if (kind === null) return;
			const previous = this.#events[id] ?? [];
			this.#events = { ...this.#events, [id]: [kind, ...previous].slice(0, EVENT_HISTORY) };
		}
	}

	#forget(id: string): void {
		if (!(id in this.#snapshots) && !(id in this.#events)) return;

		this.#refs.delete(id);
		const { [id]: _snapshot, ...snapshots } = this.#snapshots;
		const { [id]: _events, ...events } = this.#events;
		this.#snapshots = snapshots;
		this.#events = events;
	}

	/** The trace recorded so far: replay it with `npm run replay -- trace.json`. */
	trace(): Trace {
		return this.#recorder.toTrace();
	}

	snapshotOf(id: string): ActorSnapshotLike | undefined {
		return this.#snapshots[id];
	}

	/** Every actor in the tab with its current state and the last events it took. */
	get actors(): ActorSummary[] {
		return Object.entries(this.#snapshots)
			.filter(
				([id, snapshot]) =>
					snapshot.value !== undefined && this.#refs.get(id)?.getSnapshot().status === 'active'
			)
			.map(([id, snapshot]) => ({
				id,
				state: stateLabel(snapshot.value),
				lastEvents: this.#events[id] ?? []
			}));
	}

	get socketState(): string {
		return socketCondition(this.snapshotOf('socket')?.value);
	}

	/**
	 * Whether the server closed this tab's socket because its session ended: signed out in
	 * another tab, or expired. What the page shows may be private and is now out of date.
	 */
	get sessionEnded(): boolean {
		const snapshot = this.snapshotOf('socket');
		const reasons: readonly unknown[] = Object.values(SESSION_CLOSE_REASONS);

		return (
			socketCondition(snapshot?.value) === 'disconnected' &&
			snapshot?.context?.lastCloseCode === POLICY_VIOLATION &&
			reasons.includes(snapshot?.context?.lastError)
		);
	}

	/**
	 * How events reach this tab: `socket`, `polling` (the socket gave up; the event log is read
	 * over HTTP), `offline`, or `none`.
	 */
	get transport(): 'socket' | 'polling' | 'offline' | 'none' {
		const snapshot = this.snapshotOf('socket');
		if (snapshot?.hasTag?.('connected')) return 'socket';
		if (snapshot?.hasTag?.('polling')) return 'polling';
		if (snapshot?.hasTag?.('offline')) return 'offline';
		return 'none';
	}

	get reconnectAttempts(): number {
		return (this.snapshotOf('socket')?.context?.attempts as number | undefined) ?? 0;
	}

	get tabId(): string {
		return (this.snapshotOf('tabSync')?.context?.tabId as string | undefined) ?? '';
	}

	get lastSyncAt(): number | null {
		return (this.snapshotOf('tabSync')?.context?.lastSyncAt as number | null | undefined) ?? null;
	}

	get tabSyncState(): string {
		return leafState(this.snapshotOf('tabSync')?.value);
	}

	/**
	 * The handle for one creator. Pure, so it may run inside `$derived`; call `track` from an
	 * effect to start following the creator.
	 */
	creator(id: string, initial: Creator | null = null): LiveCreator {
		let handle = this.#creators.get(id);
		if (!handle) {
			handle = new LiveCreator(this, id, initial);
			this.#creators.set(id, handle);
		}
		return handle;
	}

	/** Starts following a creator: live events, tab sync and the public verbs. */
	track(id: string, initial: Creator | null = null, eventId?: number): void {
		this.root.send({ type: 'creator.track', creatorId: id, snapshot: initial, eventId });
	}

	sendToCreator(id: string, event: { type: string; [key: string]: unknown }): void {
		const creators = this.root.getSnapshot().context.creators as Record<string, AnyActorRef>;
		// Own keys only, so an id such as `constructor` finds no actor rather than a function.
		if (Object.hasOwn(creators, id)) creators[id]?.send(event);
	}

	connect(): void {
		this.root.send({ type: 'socket.connect' });
	}

	disconnect(): void {
		this.root.send({ type: 'socket.disconnect' });
	}

	reconnect(): void {
		this.root.send({ type: 'socket.reconnect' });
	}

	forceSync(): void {
		this.root.send({ type: 'tab.forceSync' });
	}

	/** After sign-in or sign-out the socket must be opened again with the new cookie. */
	sessionChanged(signedIn: boolean): void {
		if (signedIn) {
			this.root.send({ type: 'session.signedIn' });
			this.root.send({ type: 'socket.disconnect' });
			this.root.send({ type: 'socket.connect' });
		} else {
			this.root.send({ type: 'session.signedOut' });
		}
	}
}

let session: LiveSession | null = null;

/** The tab's one live session, created on first use in the browser. */
export function getLiveSession(): LiveSession {
	session ??= new LiveSession(socketUrl(window.location));
	return session;
}

/**
 * Follows the creators a page shows, for as long as the page is mounted. Call it while a
 * component initialises; `source` returns the creators from the page's load data.
 *
 * @example
 * const list = useLiveCreators(() => data.creators);
 * // {#each list.views as creator (creator.id)} … {/each}
 */
export function useLiveCreators(
	source: () => Creator[],
	eventId: () => number | undefined = () => undefined
) {
	const session = typeof window === 'undefined' ? null : getLiveSession();

	$effect(() => {
		for (const creator of source()) session?.track(creator.id, creator, eventId());
	});

	return {
		session,
		/** Each creator's live view once its actor has it, the page's copy until then. */
		get views(): Creator[] {
			return source().map((creator) => session?.creator(creator.id, creator).view ?? creator);
		}
	};
}

/**
 * Follows the one creator a page shows, with the handle for the public verbs.
 *
 * @example
 * const profile = useLiveCreator(() => data.creator);
 * // profile.view: what to render; profile.live?.updateCreatorLocally({ nickname: 'Beta' })
 */
export function useLiveCreator(
	source: () => Creator | null,
	/** The `eventId` the page's copy came with: events after it are replayed, none lost. */
	eventId: () => number | undefined = () => undefined
) {
	const list = useLiveCreators(() => {
		const creator = source();
		return creator ? [creator] : [];
	}, eventId);
	const live = $derived.by(() => {
		const creator = source();
		return list.session && creator ? list.session.creator(creator.id, creator) : null;
	});

	return {
		session: list.session,
		get live() {
			return live;
		},
		/** The live view once the actor has it, the page's copy until then. */
		get view() {
			return live?.view ?? source();
		}
	};
}
