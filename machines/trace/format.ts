/**
 * The trace file: what a tab's actors received, in order, with the state each event led to,
 * and the outcome of every side effect. Versioned so an old file is refused with a reason
 * instead of being replayed wrongly.
 */
import { z } from 'zod';
import { findSecrets } from './sanitize';

export const TRACE_FORMAT = 'creatordata.trace';
export const TRACE_VERSION = 1;

/**
 * Who sent an event: a person or the page (`external`), the outside world through an adapter
 * (`effect`: an HTTP answer, a socket frame, a tab message), a timer, or another actor.
 */
export const stepKinds = ['external', 'effect', 'timer', 'internal'] as const;
export type StepKind = (typeof stepKinds)[number];

const stepSchema = z.object({
	/** The receiving actor's path of ids from the root, e.g. `root/creator:c1/request`. */
	actor: z.string().min(1),
	kind: z.enum(stepKinds),
	/** The sending actor's path; null for events from outside the actors. */
	source: z.string().nullable(),
	event: z.looseObject({ type: z.string().min(1) }),
	/** Every state the actor passed through while taking the event, transient ones included. */
	path: z.array(z.string()),
	/** The state the actor settled in. */
	state: z.string()
});

const traceSchema = z.object({
	format: z.literal(TRACE_FORMAT),
	version: z.literal(TRACE_VERSION),
	recordedAt: z.string(),
	/** The root actor's input, so a replay starts the same tab. */
	input: z.object({
		socketUrl: z.string(),
		tabId: z.string().optional(),
		connect: z.boolean().optional()
	}),
	/** The recording stopped at its size limit; the steps are a complete prefix. */
	truncated: z.boolean(),
	steps: z.array(stepSchema)
});

export type TraceStep = z.infer<typeof stepSchema>;
export type Trace = z.infer<typeof traceSchema>;

/** Why a file is not a trace this build can replay; `message` is meant for a person. */
export class TraceError extends Error {
	override name = 'TraceError';
}

/**
 * Reads a trace from JSON text, or throws a TraceError that says what is wrong: not JSON,
 * not a CreatorData trace, a version this build does not read, a malformed step, or a
 * credential that should never have been recorded.
 */
export function parseTrace(text: string): Trace {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		throw new TraceError(`The file is not JSON (${(error as Error).message}).`);
	}

	const head = (data ?? {}) as { format?: unknown; version?: unknown };
	if (typeof data !== 'object' || data === null || head.format !== TRACE_FORMAT) {
		throw new TraceError(
			`The file is not a CreatorData trace: its "format" is not "${TRACE_FORMAT}".`
		);
	}
	if (head.version !== TRACE_VERSION) {
		throw new TraceError(
			`The trace has version ${JSON.stringify(head.version)}; this build reads version ${TRACE_VERSION}.`
		);
	}

	const parsed = traceSchema.safeParse(data);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const where = issue?.path.join('.') || '(root)';
		throw new TraceError(`The trace is malformed at ${where}: ${issue?.message}.`);
	}

	const secrets = findSecrets(parsed.data);
	if (secrets.length > 0) {
		throw new TraceError(`The trace holds a credential at ${secrets.join(', ')}; it was refused.`);
	}

	return parsed.data;
}
