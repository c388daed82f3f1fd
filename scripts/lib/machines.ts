/** Every statechart in machines/, in the order machines/README.md shows them. */
import type { AnyStateMachine } from 'xstate';
import { creatorMachine } from '../../machines/creator.machine';
import { requestMachine } from '../../machines/request.machine';
import { rootMachine } from '../../machines/root.machine';
import { socketMachine } from '../../machines/socket.machine';
import { tabSyncMachine } from '../../machines/tabSync.machine';

export interface ChartEntry {
	/** The file under machines/ that defines the chart. */
	file: string;
	machine: AnyStateMachine;
}

export const charts: ChartEntry[] = [
	{ file: 'root.machine.ts', machine: rootMachine },
	{ file: 'creator.machine.ts', machine: creatorMachine },
	{ file: 'request.machine.ts', machine: requestMachine },
	{ file: 'socket.machine.ts', machine: socketMachine },
	{ file: 'tabSync.machine.ts', machine: tabSyncMachine }
];
