/**
 * Replays a trace against fresh machines: every adapter (HTTP, WebSocket, tab channel,
 * heartbeat, connectivity, event-log poll) is replaced by a stand-in that answers with the
 * recorded outcomes, timers by a clock that fires when the trace says a timer fired, and
 * every recorded input is given again in order. The replayed steps are recorded the same way
 * and compared with the trace, step by step.
 */
import { createActor, fromCallback, fromPromise, type AnyActorRef, type EventObject } from 'xstate';
import type { ConnectivityEvent } from '../adapters/connectivity';
import type { PollInput, PollResult } from '../adapters/event-poll';
import type { HeartbeatEvent, HeartbeatInput } from '../adapters/heartbeat';
import type { HttpRequest, HttpResponse } from '../adapters/http';
import type { ChannelCommand, ChannelEvent } from '../adapters/tab-channel';
import type { ConnectionCommand, ConnectionEvent } from '../adapters/websocket';
import { creatorMachine } from '../creator.machine';
import { requestMachine } from '../request.machine';
import { rootMachine } from '../root.machine';
import { socketMachine } from '../socket.machine';
import { tabSyncMachine } from '../tabSync.machine';
import type { Trace, TraceStep } from './format';
import { actorPath, TraceRecorder } from './recorder';

export interface ReplayResult {
	recorded: readonly TraceStep[];
	replayed: readonly TraceStep[];
	/**
	 * The first recorded step (0-based) the replay differs at, or null when every actor took
	 * its recorded path; the length of the trace when the replay took a step too many.
	 */
	mismatch: number | null;
	/** What the replay did instead at that step, if anything. */
	counterpart: TraceStep | undefined;
	/** Why an input could not be given again, when that is what ended the replay. */
	problem: string | null;
}

interface PendingAnswer {
	resolve(output: unknown): void;
	reject(error: Error): void;
}

/** A clock whose timers fire only when told to, earliest first. */
class ReplayClock {
	#timers = new Map<number, { at: number; order: number; fire: () => void }>();
	#now = 0;
	#next = 1;

	setTimeout = (fire: () => void, delay: number): number => {
		const id = this.#next++;
		this.#timers.set(id, { at: this.#now + delay, order: id, fire });

		return id;
	};

	clearTimeout = (id: unknown): void => {
		this.#timers.delete(id as number);
	};

	/** Fires the timer due first; false when none is pending. */
	fireNext(): boolean {
		const [id, timer] =
			[...this.#timers].sort(([, a], [, b]) => a.at - b.at || a.order - b.order)[0] ?? [];
		if (id === undefined || !timer) return false;

		this.#timers.delete(id);
		this.#now = timer.at;
		timer.fire();

		return true;
	}
}

/**
 * The stand-ins for every adapter, keyed by the actor path they run at. A promise adapter
 * (HTTP, the event-log poll) waits for its recorded answer; a callback adapter (WebSocket,
 * tab channel, heartbeat, connectivity) reports what the trace says it reported, when it says.
 */
function standIns() {
	const answers = new Map<string, PendingAnswer>();
	const reporters = new Map<string, (event: { type: string }) => void>();

	const answered = <Output, Input>() =>
		fromPromise<Output, Input>(
			({ self }) =>
				new Promise((resolve, reject) =>
					answers.set(actorPath(self), { resolve: resolve as (output: unknown) => void, reject })
				)
		);
	const reporting = <Command extends EventObject, Input, Emitted extends EventObject>() =>
		fromCallback<Command, Input, Emitted>(({ self, sendBack }) => {
			reporters.set(actorPath(self), sendBack as (event: { type: string }) => void);
		});

	const machine = rootMachine.provide({
		actors: {
			connectivity: reporting<{ type: string }, void, ConnectivityEvent>(),
			socket: socketMachine.provide({
				actors: {
					connection: reporting<ConnectionCommand, { url: string }, ConnectionEvent>(),
					heartbeat: reporting<{ type: 'heartbeat.alive' }, HeartbeatInput, HeartbeatEvent>(),
					pollEvents: answered<PollResult[], PollInput>()
				}
			}),
			tabSync: tabSyncMachine.provide({
				actors: { channel: reporting<ChannelCommand, { tabId: string }, ChannelEvent>() }
			}),
			creator: creatorMachine.provide({
				actors: {
					request: requestMachine.provide({
						actors: { performRequest: answered<HttpResponse, HttpRequest>() }
					})
				}
			})
		}
	});

	/** Gives an adapter's recorded outcome back through its stand-in; false if none listens. */
	function deliver(step: TraceStep): boolean {
		const source = step.source ?? '';
		const { type } = step.event;

		if (type.startsWith('xstate.done.actor.')) {
			const answer = answers.get(source);
			answers.delete(source);
			answer?.resolve((step.event as { output?: unknown }).output);
			return answer !== undefined;
		}
		if (type.startsWith('xstate.error.actor.')) {
			const answer = answers.get(source);
			answers.delete(source);
			const recorded = (step.event as { error?: { name?: string; message?: string } }).error;
			answer?.reject(
				Object.assign(new Error(recorded?.message ?? 'No answer'), {
					name: recorded?.name ?? 'Error'
				})
			);
			return answer !== undefined;
		}

		const report = reporters.get(source);
		report?.(step.event);
		return report !== undefined;
	}

	return { machine, deliver };
}

/** The actor at a path such as `root/creator:c1`, found through each actor's children. */
function findActor(root: AnyActorRef, path: string): AnyActorRef | undefined {
	const [first, ...rest] = path.split('/');
	if (first !== root.id) return undefined;

	let current: AnyActorRef | undefined = root;
	for (const id of rest) {
		const snapshot: { children?: Record<string, AnyActorRef> } | undefined = current?.getSnapshot();
		current = snapshot?.children?.[id];
	}

	return current;
}

/** Lets answered promises reach their actors before the next input. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Two steps agree when the same actor took the same event through the same states. */
export function sameStep(a: TraceStep | undefined, b: TraceStep | undefined): boolean {
	return (
		a !== undefined &&
		b !== undefined &&
		a.actor === b.actor &&
		a.event.type === b.event.type &&
		a.state === b.state &&
		a.path.join('>') === b.path.join('>')
	);
}

/**
 * The first recorded step the replay contradicts, comparing each actor's own steps in order:
 * the interleaving of different actors may differ (an adapter that reports while it starts),
 * each actor's path may not. `complete` also counts recorded steps the replay never took.
 */
export function firstDifference(
	recorded: readonly TraceStep[],
	replayed: readonly TraceStep[],
	complete: boolean
): { index: number; counterpart: TraceStep | undefined } | null {
	const byActor = new Map<string, number[]>();
	recorded.forEach((step, index) => {
		byActor.set(step.actor, [...(byActor.get(step.actor) ?? []), index]);
	});

	const taken = new Map<string, number>();
	let first: { index: number; counterpart: TraceStep | undefined } | null = null;
	const note = (index: number, counterpart: TraceStep | undefined) => {
		if (!first || index < first.index) first = { index, counterpart };
	};

	for (const step of replayed) {
		const count = taken.get(step.actor) ?? 0;
		taken.set(step.actor, count + 1);
		const index = byActor.get(step.actor)?.[count];
		if (index === undefined) note(recorded.length, step);
		else if (!sameStep(recorded[index], step)) note(index, step);
	}
	if (complete) {
		for (const [actor, indexes] of byActor) {
			const missing = indexes[taken.get(actor) ?? 0];
			if (missing !== undefined) note(missing, undefined);
		}
	}

	return first;
}

export async function replayTrace(trace: Trace): Promise<ReplayResult> {
	const { machine, deliver } = standIns();
	const clock = new ReplayClock();
	const recorder = new TraceRecorder(trace.input);
	const root = createActor(machine, {
		id: 'root',
		input: trace.input,
		clock,
		inspect: recorder.observe
	});
	let problem: string | null = null;

	root.start();
	await settle();

	for (const step of trace.steps) {
		// Stop where the replay first disagrees, so later inputs cannot blur the cause.
		if (firstDifference(trace.steps, recorder.steps, false)) break;

		if (step.kind === 'external') {
			const target = findActor(root, step.actor);
			if (!target) problem = `No actor ${step.actor} to send ${step.event.type} to.`;
			else target.send(step.event);
		} else if (step.kind === 'effect') {
			if (!deliver(step)) problem = `Nothing at ${step.source} is waiting for ${step.event.type}.`;
		} else if (step.kind === 'timer') {
			if (!clock.fireNext()) problem = `No timer is pending for ${step.event.type}.`;
		}
		// An internal step is a consequence of earlier ones; the comparison checks it happened.
		if (problem) break;

		await settle();
	}
	root.stop();

	const difference = firstDifference(trace.steps, recorder.steps, true);

	return {
		recorded: trace.steps,
		replayed: recorder.steps,
		mismatch: difference?.index ?? null,
		counterpart: difference?.counterpart,
		problem: difference ? problem : null
	};
}

/** One printed line of a step: number, actor, event, and the states it led through. */
export function describeStep(step: TraceStep, index: number): string {
	const through = step.path.length > 1 ? ` (${step.path.join(' › ')})` : '';

	return `${String(index + 1).padStart(4)}  ${step.actor.padEnd(28)} ${step.kind.padEnd(8)} ${step.event.type.padEnd(40)} → ${step.state}${through}`;
}

/** The replay as lines a person reads: every step that agreed, then the first difference. */
export function formatReplay(result: ReplayResult): string[] {
	const lines: string[] = [];
	const agreed = result.mismatch ?? result.recorded.length;

	for (let index = 0; index < agreed; index += 1) {
		lines.push(describeStep(result.recorded[index] as TraceStep, index));
	}
	if (result.mismatch === null) {
		lines.push(`The replay took the recorded path: ${result.recorded.length} steps.`);
		return lines;
	}

	const recorded = result.recorded[result.mismatch];
	const replayed = result.counterpart;
	lines.push(`The replay differs at step ${result.mismatch + 1}:`);
	lines.push(
		`  recorded: ${recorded ? describeStep(recorded, result.mismatch) : '(the trace ends)'}`
	);
	lines.push(
		`  replayed: ${replayed ? describeStep(replayed, result.mismatch) : '(no such step)'}`
	);
	if (result.problem) lines.push(`  ${result.problem}`);

	return lines;
}
