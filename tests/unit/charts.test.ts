import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assign, createMachine, setup, type AnyStateMachine, type AnyStateNode } from 'xstate';
import { inlineCode } from '../../scripts/lib/chart-data';
import { charts } from '../../scripts/lib/machines';
import { README_PATH, renderMachinesReadme } from '../../scripts/lib/readme';

const machines: [string, AnyStateMachine][] = charts.map(({ machine }) => [machine.id, machine]);

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
		type Definition = { id: string; description?: string; states: Record<string, Definition> };
		const json = JSON.parse(JSON.stringify(machine.toJSON())) as Definition;
		const described = (node: Definition): string[] => [
			`${node.id}: ${node.description}`,
			...Object.values(node.states).flatMap(described)
		];

		// Every state survives the round trip through JSON with its description.
		expect(described(json)).toEqual(
			allNodes(machine.root).map((node) => `${node.id}: ${node.description}`)
		);
	});

	it.each(machines)('references everything in the %s chart by name', (_, machine) => {
		expect(inlineCode(machine)).toEqual([]);
	});

	it('lists every machine file in machines/ once', async () => {
		const files = charts.map((chart) => chart.file).sort();
		const onDisk = readdirSync('machines')
			.filter((file) => file.endsWith('.machine.ts'))
			.sort();

		expect(files).toEqual(onDisk);
		for (const { file, machine } of charts) {
			const exported = Object.values(await import(`../../machines/${file}`));
			expect(exported, file).toContain(machine);
		}
		expect(files).toEqual(
			[...readFileSync(README_PATH, 'utf8').matchAll(/\]\(([\w.]+\.machine\.ts)\)/g)]
				.map((match) => match[1])
				.sort()
		);
	});

	it('keeps machines/README.md in step with the machines (npm run machines:diagram)', () => {
		expect(readFileSync(README_PATH, 'utf8')).toBe(renderMachinesReadme(charts));
	});
});

describe('inlineCode', () => {
	it('finds an inline action and guard, and takes a numeric delay as data', () => {
		const machine = createMachine({
			initial: 'a',
			states: {
				a: {
					on: { go: { guard: () => true, actions: assign({}), target: 'b' } },
					after: { 100: 'b' }
				},
				b: { entry: () => {} }
			}
		});

		expect(inlineCode(machine)).toEqual([
			'states.a.on.go.guard',
			'states.a.on.go.actions',
			'states.b.entry'
		]);
	});

	it('accepts named references, guard combinators and context factories', () => {
		const machine = setup({
			guards: { ready: () => true, done: () => false },
			actions: { note: () => {} }
		}).createMachine({
			context: () => ({}),
			initial: 'a',
			states: { a: { on: { go: { guard: 'ready', actions: 'note' } } } }
		});

		expect(inlineCode(machine)).toEqual([]);
	});
});
