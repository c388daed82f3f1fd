/**
 * Turns a live xstate machine into a Mermaid `stateDiagram-v2`, from the machine's own
 * definition, so the diagrams in machines/README.md can never drift from the code.
 */
import type { AnyStateMachine } from 'xstate';

interface TransitionLike {
	eventType: string;
	target?: string[];
	guard?: string | { type?: string };
	delay?: string | number;
}

interface NodeLike {
	id: string;
	key: string;
	type: string;
	description?: string;
	initial?: { target: string[] };
	states: Record<string, NodeLike>;
	transitions: TransitionLike[];
	always?: TransitionLike[];
	tags?: string[];
}

/** Mermaid ids allow letters, digits and underscores only. */
function mermaidId(stateId: string): string {
	return stateId.replace(/^#/, '').replace(/[^a-zA-Z0-9_]/g, '_');
}

function eventLabel(transition: TransitionLike): string {
	const { eventType } = transition;
	let label = eventType;

	if (transition.delay !== undefined) label = `after ${transition.delay}`;
	else if (eventType === '') label = 'always';
	else if (eventType.startsWith('xstate.done.actor.')) label = `done: ${eventType.slice(18)}`;
	else if (eventType.startsWith('xstate.error.actor.')) label = `error: ${eventType.slice(19)}`;

	const guard = typeof transition.guard === 'string' ? transition.guard : transition.guard?.type;
	return guard ? `${label} [${guard}]` : label;
}

function describeNode(node: NodeLike, depth: number, lines: string[]): void {
	const pad = '\t'.repeat(depth);
	const children = Object.values(node.states);

	for (const child of children) {
		const id = mermaidId(child.id);
		if (Object.keys(child.states).length > 0) {
			lines.push(`${pad}state "${child.key}" as ${id} {`);
			describeNode(child, depth + 1, lines);
			lines.push(`${pad}}`);
		} else {
			lines.push(`${pad}state "${child.key}" as ${id}`);
		}
		if (child.type === 'final') lines.push(`${pad}${id} --> [*]`);
	}

	const initial = node.initial?.target[0];
	if (initial) lines.push(`${pad}[*] --> ${mermaidId(initial)}`);

	for (const child of children) {
		for (const transition of [...child.transitions, ...(child.always ?? [])]) {
			const targets = transition.target?.length ? transition.target : [child.id];
			for (const target of targets) {
				lines.push(
					`${pad}${mermaidId(child.id)} --> ${mermaidId(target)}: ${eventLabel(transition)}`
				);
			}
		}
	}
}

export function toMermaid(machine: AnyStateMachine): string {
	const root = machine.root.definition as unknown as NodeLike;
	const lines = ['stateDiagram-v2'];

	describeNode(root, 1, lines);
	for (const transition of root.transitions) {
		for (const target of transition.target ?? []) {
			lines.push(`\t${mermaidId(root.id)}_any --> ${mermaidId(target)}: ${eventLabel(transition)}`);
		}
	}

	return lines.join('\n');
}
