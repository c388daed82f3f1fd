/**
 * Records a trace from xstate's inspection stream: every event a machine actor receives, who
 * sent it, and the states it passed through. Hang `observe` on `createActor(…, { inspect })`.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { TRACE_FORMAT, TRACE_VERSION, type StepKind, type Trace, type TraceStep } from './format';
import { toTraceValue } from './sanitize';
import { stateLabel } from './state-label';

/** Steps kept before a recording stops growing; a long-lived tab must not fill its memory. */
export const MAX_TRACE_STEPS = 20_000;

interface ActorLike {
	id: string;
	_parent?: ActorLike;
	getSnapshot(): unknown;
}

/** An actor's ids from the root down, e.g. `root/creator:c1/request`. */
export function actorPath(actor: ActorLike | AnyActorRef): string {
	const ids: string[] = [];
	for (
		let current: ActorLike | undefined = actor as ActorLike;
		current;
		current = current._parent
	) {
		ids.unshift(current.id);
	}

	return ids.join('/');
}

/** A state machine's snapshot has a state value; promise and callback actors' do not. */
function isMachine(actor: ActorLike | AnyActorRef | undefined): boolean {
	const snapshot = actor?.getSnapshot() as { value?: unknown } | undefined;

	return snapshot?.value !== undefined;
}

/** Who caused an event, from its sender and its type. */
export function stepKind(
	target: ActorLike | AnyActorRef,
	source: ActorLike | AnyActorRef | undefined,
	type: string
): StepKind {
	if (!source) return 'external';
	if (source === target && type.startsWith('xstate.after.')) return 'timer';

	return isMachine(source) ? 'internal' : 'effect';
}

export class TraceRecorder {
	readonly #input: Trace['input'];
	readonly #steps: TraceStep[] = [];
	/**
	 * Each actor's steps still waiting for the state they led to, oldest first: an event can
	 * arrive while the actor is still taking an earlier one, and its mailbox takes them in order.
	 */
	readonly #open = new Map<AnyActorRef, (TraceStep | null)[]>();
	#truncated = false;
	readonly #limit: number;

	constructor(input: Trace['input'], limit = MAX_TRACE_STEPS) {
		this.#input = input;
		this.#limit = limit;
	}

	get steps(): readonly TraceStep[] {
		return this.#steps;
	}

	/** Feeds one inspection event; pass it every event of the system. */
	observe = (inspection: InspectionEvent): void => {
		const actor = inspection.actorRef as AnyActorRef;

		if (inspection.type === '@xstate.event') {
			this.#receive(actor, inspection.sourceRef as AnyActorRef | undefined, inspection.event);
		} else if (inspection.type === '@xstate.microstep') {
			const value = (inspection.snapshot as { value?: unknown }).value;
			this.#open.get(actor)?.[0]?.path.push(stateLabel(value));
		} else if (inspection.type === '@xstate.snapshot') {
			const queue = this.#open.get(actor);
			const step = queue?.shift();
			// Forget actors with nothing outstanding, so stopped ones do not pile up.
			if (queue?.length === 0) this.#open.delete(actor);
			if (!step) return;

			step.state = stateLabel((inspection.snapshot as { value?: unknown }).value);
		}
	};

	#receive(actor: AnyActorRef, source: AnyActorRef | undefined, event: { type: string }): void {
		if (!isMachine(actor)) return;
		// Start-up is replayed by starting the actors, so it is no step; but it is taken before
		// any event that reached the actor ahead of its start, and its snapshot comes first.
		if (event.type === 'xstate.init') {
			this.#open.set(actor, [null, ...(this.#open.get(actor) ?? [])]);
			return;
		}
		if (this.#steps.length >= this.#limit) {
			this.#truncated = true;
			return;
		}

		const step: TraceStep = {
			actor: actorPath(actor),
			kind: stepKind(actor, source, event.type),
			source: source ? actorPath(source) : null,
			event: toTraceValue(event) as TraceStep['event'],
			path: [],
			state: stateLabel((actor.getSnapshot() as { value?: unknown }).value)
		};
		this.#steps.push(step);
		this.#open.set(actor, [...(this.#open.get(actor) ?? []), step]);
	}

	/** The trace so far, as a plain object ready for `JSON.stringify`. */
	toTrace(recordedAt = new Date()): Trace {
		return {
			format: TRACE_FORMAT,
			version: TRACE_VERSION,
			recordedAt: recordedAt.toISOString(),
			input: toTraceValue(this.#input) as Trace['input'],
			truncated: this.#truncated,
			steps: this.#steps.map((step) => ({ ...step, path: [...step.path] }))
		};
	}
}
