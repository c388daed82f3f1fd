/**
 * Checks that a machine's definition is plain data the Stately visualizer can read: every
 * action, guard, actor and delay is referenced by name, and code appears only where xstate
 * expects a function (context and output factories, invoke inputs, guard combinators).
 */
import type { AnyStateMachine } from 'xstate';

/** Keys whose value may be a function: xstate calls it, the visualizer shows its name. */
const FACTORY_KEYS = new Set(['context', 'input', 'output']);

/** `and([...])`, `or([...])`, `not(...)`: functions whose leaves are guard names. */
function isGuardCombinator(value: unknown): boolean {
	const combinator = value as { guards?: unknown; check?: unknown };

	return (
		typeof value === 'function' &&
		Array.isArray(combinator.guards) &&
		combinator.guards.every((inner) => typeof inner === 'string' || isGuardCombinator(inner))
	);
}

function walk(value: unknown, path: string, key: string, found: string[]): void {
	if (typeof value === 'function') {
		if (FACTORY_KEYS.has(key)) return;
		if (key === 'guard' && isGuardCombinator(value)) return;

		found.push(path);
		return;
	}
	if (Array.isArray(value)) {
		value.forEach((item, index) => walk(item, `${path}[${index}]`, key, found));
		return;
	}
	if (value && typeof value === 'object') {
		for (const [childKey, child] of Object.entries(value)) {
			walk(child, path ? `${path}.${childKey}` : childKey, childKey, found);
		}
	}
}

/**
 * The places in a machine's config that hold inline code instead of a name, e.g.
 * `states.idle.on.creator.edit.actions[0]`; empty when the chart is plain data.
 */
export function inlineCode(machine: AnyStateMachine): string[] {
	const found: string[] = [];
	walk(machine.config, '', '', found);

	return found;
}
