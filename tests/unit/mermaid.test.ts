import { describe, expect, it } from 'vitest';
import { and, not, setup } from 'xstate';
import { guardLabel, mermaidText, toMermaid } from '../../scripts/lib/mermaid';

const door = setup({
	guards: { locked: () => false, closed: () => true },
	actions: { log: () => {} },
	delays: { slowly: 1000 }
}).createMachine({
	id: 'door',
	description: 'A door: open; closed.',
	initial: 'shut',
	on: {
		'door.knock': { description: 'Anyone home?', actions: 'log' },
		'door.break': { description: 'Force it.', target: '.gone' }
	},
	states: {
		shut: {
			description: 'Closed `tight`.',
			tags: ['quiet'],
			initial: 'latched',
			states: {
				latched: { description: 'Held by the latch.', on: { 'door.unlatch': 'free' } },
				free: { description: 'Free to swing.' }
			},
			on: { 'door.push': { guard: and(['closed', not('locked')]), target: 'ajar' } }
		},
		ajar: { description: 'Open a bit.', after: { slowly: 'shut' } },
		gone: { description: 'No door any more.', type: 'final' }
	}
});

describe('toMermaid', () => {
	const chart = toMermaid(door).split('\n');

	it('nests child states inside their parent with its initial state', () => {
		expect(chart).toEqual(
			expect.arrayContaining([
				'\tstate "shut" as shut {',
				'\t\t[*] --> shut_latched',
				'\t\tstate "latched" as shut_latched',
				'\tshut_latched --> shut_free : door.unlatch'
			])
		);
	});

	it('labels guards, combinators and delays the way the chart writes them', () => {
		expect(chart).toContain('\tshut --> ajar : door.push [closed and not locked]');
		expect(chart).toContain('\tajar --> shut : after slowly');
	});

	it('hangs machine-level transitions off one "in every state" box', () => {
		expect(chart).toContain('\tstate "in every state" as every_state');
		expect(chart).toContain('\tevery_state : door.knock / log');
		expect(chart).toContain('\tevery_state --> gone : door.break');
	});

	it('shows descriptions and tags, with a final state leading out', () => {
		expect(chart).toContain('\tnote right of shut : Closed tight.');
		expect(chart).toContain('\tnote right of shut : tags quiet');
		expect(chart).toContain('\tgone --> [*]');
	});
});

describe('mermaidText', () => {
	it('removes what Mermaid would read as syntax', () => {
		expect(mermaidText('a: b; c #d `e`')).toBe('a, b, c ,d e');
	});
});

describe('guardLabel', () => {
	it('names plain guards and leaves a missing guard out', () => {
		expect(guardLabel('ready')).toBe('ready');
		expect(guardLabel(undefined)).toBeNull();
	});
});
