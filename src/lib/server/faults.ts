import { dev } from '$app/environment';
import { faultsEnvEnabled } from './config';

export type Fault = { status: number; remaining: number };

/**
 * Armed faults by user id: a fault is armed by a signed-in person for their own saves, so
 * one person's test can neither fail nor be disarmed by anyone else's requests. On
 * globalThis so every module instance in `vite dev` sees the same switches.
 */
const FAULT_KEY = Symbol.for('creatordata.faults');
type FaultHolder = { [FAULT_KEY]?: Map<number, Fault> };

function faults(): Map<number, Fault> {
	const holder = globalThis as FaultHolder;
	holder[FAULT_KEY] ??= new Map();
	return holder[FAULT_KEY];
}

export function faultsEnabled(): boolean {
	return dev || faultsEnvEnabled();
}

export function currentFault(userId: number): Fault | null {
	return faults().get(userId) ?? null;
}

export function setFault(userId: number, status: number, count: number): Fault {
	const fault = { status, remaining: count };
	faults().set(userId, fault);
	return fault;
}

export function clearFault(userId: number): void {
	faults().delete(userId);
}

/**
 * Uses up one of this user's armed faults, if any, and returns its status. A profile save
 * calls this as its last check, in its transaction: after sign-in, ownership, the If-Match
 * and Idempotency-Key headers, the body, a reused key and a stale version. So a request that
 * would be refused anyway never spends it, and a faulted save rolls back and changes nothing.
 */
export function takeFault(userId: number): number | null {
	const fault = currentFault(userId);
	if (!fault || !faultsEnabled()) return null;

	fault.remaining -= 1;
	if (fault.remaining <= 0) clearFault(userId);
	return fault.status;
}
