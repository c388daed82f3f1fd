import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { creatorMachine } from '../../machines/creator.machine';
import { requestMachine } from '../../machines/request.machine';
import { rootMachine } from '../../machines/root.machine';
import { socketMachine } from '../../machines/socket.machine';
import { tabSyncMachine } from '../../machines/tabSync.machine';

const machines: [string, AnyStateMachine][] = [
	['request', requestMachine],
	['creator', creatorMachine],
	['socket', socketMachine],
	['tabSync', tabSyncMachine],
	['root', rootMachine]
];

function allNodes(node: AnyStateNode): AnyStateNode[] {
	return [node, ...Object.values(node.states).flatMap((child) => allNodes(child))];
}

/** Transitions written in the chart, leaving out the ones xstate adds itself (invoke init). */
function undocumented(machine: AnyStateMachine): string[] {
	const missing: string[] = [];
	for (const node of allNodes(machine.root)) {
		if (!node.description) missing.push(`state ${node.id}`);

		for (const [event, transitions] of node.transitions) {
			for (const transition of transitions) {
				if (!transition.description) missing.push(`${node.id} on ${event}`);
			}
		}
		for (const transition of node.always ?? []) {
			if (!transition.description) missing.push(`${node.id} always`);
		}
	}

	return missing;
}

describe('statecharts', () => {
	it.each(machines)('describes every state and transition of the %s chart', (_, machine) => {
		expect(undocumented(machine)).toEqual([]);
	});

	it.each(machines)('serializes the %s chart for the visualizer', (_, machine) => {
		const json = JSON.parse(JSON.stringify(machine.toJSON())) as { id: string };

		expect(json.id).toBe(machine.id);
	});
});
