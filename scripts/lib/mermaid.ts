/**
 * Turns a live xstate machine into a Mermaid `stateDiagram-v2`, read from the machine's own
 * state nodes, so the diagrams in machines/README.md can never drift from the code.
 *
 * The chart reads the way the Stately visualizer draws it: nested states as boxes, guarded
 * transitions labelled `event [guard]`, delays as `after <delay>`, and transitions without a
 * target listed inside their state as `event / actions`. Transitions declared on the machine
 * itself hold in every state; they hang off one dashed box, "in every state".
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

interface TransitionLike {
	eventType: string;
	target?: readonly AnyStateNode[];
	guard?: unknown;
	delay?: string | number;
	actions?: readonly unknown[];
}

/** The id Mermaid uses for a state: its path below the machine, joined with `_`. */
export function mermaidId(node: AnyStateNode): string {
	return node.path.length === 0 ? 'every_state' : node.path.join('_');
}

/** Mermaid ends a statement at `;` and splits labels at `:`; `#` starts an entity. */
export function mermaidText(text: string): string {
	return text.replace(/`/g, '').replace(/[;:#]/g, ',').replace(/\s+/g, ' ').trim();
}

/** A guard as written in the chart: a name, or `a and b` / `not a` for the combinators. */
export function guardLabel(guard: unknown): string | null {
	if (guard === undefined || guard === null) return null;
	if (typeof guard === 'string') return guard;

	const named = guard as { type?: unknown; name?: unknown; guards?: unknown };
	if (Array.isArray(named.guards)) {
		const parts = named.guards.map((inner) => guardLabel(inner) ?? '?');
		if (named.name === 'not') return `not ${parts.join(' ')}`;

		return parts.join(` ${String(named.name)} `);
	}

	return typeof named.type === 'string' ? named.type : null;
}

/** What triggers a transition: the event, `always`, `after <delay>` or an actor's answer. */
export function eventLabel(transition: TransitionLike): string {
	const { eventType } = transition;
	let label = eventType;

	if (transition.delay !== undefined) label = `after ${transition.delay}`;
	else if (eventType === '') label = 'always';
	else if (eventType.startsWith('xstate.done.actor.')) label = `${eventType.slice(18)} done`;
	else if (eventType.startsWith('xstate.error.actor.')) label = `${eventType.slice(19)} error`;

	const guard = guardLabel(transition.guard);

	return mermaidText(guard ? `${label} [${guard}]` : label);
}

function actionNames(transition: TransitionLike): string[] {
	return (transition.actions ?? []).flatMap((action) => {
		if (typeof action === 'string') return [action];
		const type = (action as { type?: unknown })?.type;

		return typeof type === 'string' ? [type] : [];
	});
}

/** `creator.edit / queueEdit`: a transition that runs actions without leaving its state. */
function internalLabel(transition: TransitionLike): string {
	const actions = actionNames(transition);

	return actions.length
		? `${eventLabel(transition)} / ${actions.join(', ')}`
		: eventLabel(transition);
}

function transitionsOf(node: AnyStateNode): TransitionLike[] {
	return [...[...node.transitions.values()].flat(), ...(node.always ?? [])] as TransitionLike[];
}

function hasTarget(transition: TransitionLike): boolean {
	return (transition.target?.length ?? 0) > 0;
}

function declareStates(node: AnyStateNode, depth: number, lines: string[]): void {
	const pad = '\t'.repeat(depth);
	const children = Object.values(node.states) as AnyStateNode[];

	const initial = node.initial?.target[0] as AnyStateNode | undefined;
	if (initial) lines.push(`${pad}[*] --> ${mermaidId(initial)}`);

	for (const child of children) {
		const id = mermaidId(child);
		const internal = transitionsOf(child).filter((transition) => !hasTarget(transition));

		if (Object.keys(child.states).length > 0) {
			lines.push(`${pad}state "${child.key}" as ${id} {`);
			declareStates(child, depth + 1, lines);
			lines.push(`${pad}}`);
			for (const line of describe(child, internal)) {
				lines.push(`${pad}note right of ${id} : ${line}`);
			}
		} else {
			lines.push(`${pad}state "${child.key}" as ${id}`);
			for (const line of describe(child, internal)) lines.push(`${pad}${id} : ${line}`);
		}
		if (child.type === 'final') lines.push(`${pad}${id} --> [*]`);
	}
}

function describe(node: AnyStateNode, internal: TransitionLike[]): string[] {
	const lines = node.description ? [mermaidText(node.description)] : [];
	if (node.tags.length > 0) lines.push(`tags ${node.tags.join(', ')}`);

	return [...lines, ...internal.map(internalLabel)];
}

function drawTransitions(node: AnyStateNode, lines: string[]): void {
	for (const transition of transitionsOf(node)) {
		for (const target of transition.target ?? []) {
			lines.push(`\t${mermaidId(node)} --> ${mermaidId(target)} : ${eventLabel(transition)}`);
		}
	}
	for (const child of Object.values(node.states) as AnyStateNode[]) drawTransitions(child, lines);
}

/**
 * The machine as a Mermaid `stateDiagram-v2`, ready for a ```mermaid block.
 *
 * @example
 * toMermaid(socketMachine); // 'stateDiagram-v2\n\t[*] --> disconnected\n…'
 */
export function toMermaid(machine: AnyStateMachine): string {
	const root = machine.root;
	const lines = ['stateDiagram-v2'];

	declareStates(root, 1, lines);

	const rootTransitions = transitionsOf(root);
	if (rootTransitions.length > 0) {
		lines.push('\tstate "in every state" as every_state');
		for (const transition of rootTransitions.filter((transition) => !hasTarget(transition))) {
			lines.push(`\tevery_state : ${internalLabel(transition)}`);
		}
		lines.push('\tclassDef everyState stroke-dasharray: 4 4');
		lines.push('\tclass every_state everyState');
	}

	drawTransitions(root, lines);

	return lines.join('\n');
}
