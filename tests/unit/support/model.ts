/**
 * Model-based testing with @xstate/graph: the shortest path to every state and every
 * transition of a chart is searched on the chart itself, then replayed on a running actor
 * whose side effects are test doubles, checking what must hold in each state on the way.
 * Coverage counts the chart's own state nodes and transitions that the replays went through.
 */
import { getAdjacencyMap, getShortestPaths } from '@xstate/graph';
import {
	createActor,
	type AnyActorRef,
	type AnyMachineSnapshot,
	type AnyStateMachine,
	type AnyStateNode,
	type EventObject,
	type InspectionEvent
} from 'xstate';
import { stateLabel } from '../../../machines/trace/state-label';

/** A running actor with doubles for its side effects, driven the way the world drives it. */
export interface ModelDriver {
	actor: AnyActorRef;
	/** Makes the event happen: sends it, answers a double with it, or lets a timer fire. */
	step(event: EventObject): Promise<void>;
	/** What must hold in a settled state; each string is a broken promise. */
	check(snapshot: AnyMachineSnapshot): string[];
	/** What must hold in every state the actor passes, transient ones included. */
	checkMicrostep?(snapshot: AnyMachineSnapshot): string[];
}

export interface ChartModel {
	/** The chart as written, for counting its states and transitions. */
	machine: AnyStateMachine;
	/** The chart with parent-facing actions replaced, so the path search can run it alone. */
	searchable: AnyStateMachine;
	/** Each input is explored on its own (e.g. with and without a page snapshot). */
	inputs: unknown[];
	/** The events the world can send in a state: what a person, a server or a timer does. */
	events(snapshot: AnyMachineSnapshot): EventObject[];
	/** Which snapshots count as the same state for the search: the value and what guards read. */
	serialize(snapshot: AnyMachineSnapshot): string;
	start(input: unknown, inspect: (event: InspectionEvent) => void): ModelDriver;
}

export interface Coverage {
	states: { reached: number; total: number; missing: string[] };
	transitions: { taken: number; total: number; missing: string[] };
}

interface PlannedPath {
	name: string;
	events: EventObject[];
	/** The state label after each event. */
	expected: string[];
}

function allNodes(node: AnyStateNode): AnyStateNode[] {
	return [node, ...Object.values(node.states).flatMap((child) => allNodes(child as AnyStateNode))];
}

/** `source|event|n`: the n-th transition a state declares for an event (`''` for always). */
function transitionKey(source: AnyStateNode, eventType: string, index: number): string {
	return `${source.id}|${eventType}|${index}`;
}

function chartTransitions(machine: AnyStateMachine): string[] {
	return allNodes(machine.root).flatMap((node) => [
		...[...node.transitions].flatMap(([eventType, transitions]) =>
			transitions.map((_, index) => transitionKey(node, eventType, index))
		),
		...(node.always ?? []).map((_, index) => transitionKey(node, '', index))
	]);
}

/** The ids of the state nodes a state value is in: `{ active: 'open' }` → socket.active, … */
function nodeIds(machineId: string, value: unknown, prefix = machineId): string[] {
	if (typeof value === 'string') return [`${prefix}.${value}`];
	if (!value || typeof value !== 'object') return [];

	return Object.entries(value).flatMap(([key, child]) => [
		`${prefix}.${key}`,
		...nodeIds(machineId, child, `${prefix}.${key}`)
	]);
}

/** The shortest path to every state, then to every transition (a state's path plus one event). */
export function planPaths(model: ChartModel, input: unknown): PlannedPath[] {
	const options = {
		input,
		events: model.events,
		serializeState: model.serialize,
		limit: 10_000
	};
	const statePaths = getShortestPaths(model.searchable, options);
	const bySerial = new Map(statePaths.map((path) => [model.serialize(path.state), path]));
	const adjacency = getAdjacencyMap(model.searchable, options);

	const toEvents = (steps: { event: EventObject; state: AnyMachineSnapshot }[]) =>
		steps.filter((step) => step.event.type !== 'xstate.init');

	const plans: PlannedPath[] = statePaths.map((path) => {
		const steps = toEvents(path.steps as { event: EventObject; state: AnyMachineSnapshot }[]);

		return {
			name: `to ${stateLabel(path.state.value)}`,
			events: steps.map((step) => step.event),
			expected: steps.map((step) => stateLabel(step.state.value))
		};
	});

	for (const [serial, { transitions }] of Object.entries(adjacency)) {
		const prefix = bySerial.get(serial);
		if (!prefix) continue;
		const steps = toEvents(prefix.steps as { event: EventObject; state: AnyMachineSnapshot }[]);

		const edges = Object.values(transitions) as { event: EventObject; state: AnyMachineSnapshot }[];
		for (const { event, state } of edges) {
			plans.push({
				name: `${stateLabel(prefix.state.value)} on ${event.type}`,
				events: [...steps.map((step) => step.event), event],
				expected: [...steps.map((step) => stateLabel(step.state.value)), stateLabel(state.value)]
			});
		}
	}

	return plans;
}

/**
 * Replays every planned path of every input and returns what broke and what was covered.
 * Each path runs on a fresh actor.
 */
export async function runModel(model: ChartModel): Promise<{
	failures: string[];
	coverage: Coverage;
	paths: number;
}> {
	const machineId = model.machine.id;
	const reached = new Set<string>();
	const taken = new Set<string>();
	const failures: string[] = [];
	let paths = 0;

	for (const input of model.inputs) {
		for (const plan of planPaths(model, input)) {
			paths += 1;
			const problems: string[] = [];
			let driver: ModelDriver | null = null;

			const inspect = (event: InspectionEvent) => {
				if (event.type !== '@xstate.microstep' || (event.actorRef as AnyActorRef)._parent) {
					return;
				}
				const snapshot = event.snapshot as AnyMachineSnapshot;
				for (const id of nodeIds(machineId, snapshot.value)) reached.add(id);
				for (const transition of event._transitions) {
					const source = transition.source as AnyStateNode;
					const list =
						transition.eventType === ''
							? (source.always ?? [])
							: (source.transitions.get(transition.eventType) ?? []);
					taken.add(transitionKey(source, transition.eventType, list.indexOf(transition)));
					// A state left at once (an initial transient one) never shows in a snapshot.
					reached.add(source.id);
				}
				problems.push(...(driver?.checkMicrostep?.(snapshot) ?? []));
			};

			driver = model.start(input, inspect);
			const initial = driver.actor.getSnapshot() as AnyMachineSnapshot;
			for (const id of nodeIds(machineId, initial.value)) reached.add(id);

			for (const [index, event] of plan.events.entries()) {
				await driver.step(event);
				const snapshot = driver.actor.getSnapshot() as AnyMachineSnapshot;
				const label = stateLabel(snapshot.value);
				if (label !== plan.expected[index]) {
					problems.push(`after ${event.type}: in ${label}, the chart says ${plan.expected[index]}`);
				}
				problems.push(...driver.check(snapshot).map((problem) => `in ${label}: ${problem}`));
				if (problems.length) break;
			}
			driver.actor.stop();

			if (problems.length)
				failures.push(`${plan.name} (input ${JSON.stringify(input)}): ${problems[0]}`);
		}
	}

	const allStates = allNodes(model.machine.root)
		.filter((node) => node.path.length > 0)
		.map((node) => node.id);
	const allTransitions = chartTransitions(model.machine);

	return {
		failures,
		paths,
		coverage: {
			states: {
				reached: allStates.filter((id) => reached.has(id)).length,
				total: allStates.length,
				missing: allStates.filter((id) => !reached.has(id))
			},
			transitions: {
				taken: allTransitions.filter((key) => taken.has(key)).length,
				total: allTransitions.length,
				missing: allTransitions.filter((key) => !taken.has(key))
			}
		}
	};
}

/** `states 8/8 (100%), transitions 19/19 (100%)` */
export function formatCoverage({ states, transitions }: Coverage): string {
	const percent = (part: number, whole: number) =>
		`${whole === 0 ? 100 : Math.floor((part / whole) * 100)}%`;

	return `states ${states.reached}/${states.total} (${percent(states.reached, states.total)}), transitions ${transitions.taken}/${transitions.total} (${percent(transitions.taken, transitions.total)})`;
}

/** Starts an actor of `machine` with the inspector attached from its first microstep. */
export function startInspected(
	machine: AnyStateMachine,
	input: unknown,
	inspect: (event: InspectionEvent) => void
): AnyActorRef {
	return createActor(machine, { input, inspect }).start();
}
