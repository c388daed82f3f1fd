import { dev } from '$app/environment';
import { faultsEnvEnabled } from './config';

export type Fault = { status: number; remaining: number };

/** On globalThis so every module instance in `vite dev` sees the same switch. */
const FAULT_KEY = Symbol.for('creatordata.fault');
type FaultHolder = { [FAULT_KEY]?: Fault | null };

export function faultsEnabled(): boolean {
	return dev || faultsEnvEnabled();
}

export function currentFault(): Fault | null {
	return (globalThis as FaultHolder)[FAULT_KEY] ?? null;
}

export function setFault(status: number, count: number): Fault {
	const fault = { status, remaining: count };
	(globalThis as FaultHolder)[FAULT_KEY] = fault;
	return fault;
}

export function clearFault(): void {
	(globalThis as FaultHolder)[FAULT_KEY] = null;
}

/**
 * Uses up one armed fault, if any, and returns its status. The creator PATCH route calls
 * this first, so a faulted save answers the status and changes nothing.
 */
export function takeFault(): number | null {
	const fault = currentFault();
	if (!fault || !faultsEnabled()) return null;

	fault.remaining -= 1;
	if (fault.remaining <= 0) clearFault();
	return fault.status;
}
