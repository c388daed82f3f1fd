/**
 * The one schema module for everything that crosses a process or tab boundary: the
 * WebSocket frames in both directions, the creator shape the API returns, and the
 * field rules of a profile edit. The server and the browser both parse with it.
 */
import { z } from 'zod';
import { textProblem, type TextRules } from './profile-text';

/**
 * The reasons the server gives when it closes a socket (with 1008) because its session ended,
 * so a tab can tell "you were signed out elsewhere" from any other refusal.
 */
export const SESSION_CLOSE_REASONS = {
	signedOut: 'Signed out.',
	expired: 'The session has expired.'
} as const;

/** Largest text frame a socket may send, in bytes; bigger frames close the socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * Profile lengths are counted in UTF-16 code units, the unit the form's `maxlength` counts,
 * so whatever the form lets a person type the server accepts, and nothing longer: an emoji
 * outside the Basic Multilingual Plane counts as two on both sides. (Zod's own `max` counts
 * code points, which is why the rules below count for themselves.) The other rules are in
 * profile-text.ts: no lone surrogates, no control characters (a bio keeps line feeds and
 * tabs), no line or paragraph separators, no bidi overrides or isolates, and a nickname that
 * shows a character of its own.
 */
export const NICKNAME_MAX = 40;
export const BIO_MAX = 500;

const NICKNAME_RULES: TextRules = {
	label: 'Nickname',
	max: NICKNAME_MAX,
	multiline: false,
	required: true
};
const BIO_RULES: TextRules = { label: 'Bio', max: BIO_MAX, multiline: true, required: false };

/** A text field that reports the first rule it breaks as its field message. */
const profileText = (schema: z.ZodString, rules: TextRules) =>
	schema.superRefine((text, context) => {
		const problem = textProblem(text, rules);
		if (problem !== null) context.addIssue({ code: 'custom', message: problem });
	});

export const creatorId = z.string().regex(/^[a-z0-9_-]{1,64}$/i, 'is not a creator id');

export const flashSaleSchema = z.object({
	id: z.number().int(),
	creatorId,
	discountPercent: z.number().int().min(1).max(90),
	startsAt: z.string(),
	endsAt: z.string()
});
export type FlashSale = z.infer<typeof flashSaleSchema>;

export const creatorSchema = z.object({
	id: creatorId,
	nickname: z.string(),
	bio: z.string(),
	avatarUrl: z.string(),
	subscriberCount: z.number().int().nonnegative(),
	subscriptionPriceCents: z.number().int().nonnegative(),
	version: z.number().int().nonnegative(),
	updatedAt: z.string(),
	activeFlashSale: flashSaleSchema.nullable(),
	/** Present only in answers and events for the creator's own sessions. */
	earningsCents: z.number().int().optional()
});
export type Creator = z.infer<typeof creatorSchema>;

/** The fields a creator may change about their own profile, with the rules people see. */
export const profilePatchSchema = z
	.object({
		nickname: profileText(
			z.string({ error: 'Nickname must be text.' }).trim(),
			NICKNAME_RULES
		).optional(),
		bio: profileText(z.string({ error: 'Bio must be text.' }), BIO_RULES).optional()
	})
	.strict()
	.refine((patch) => patch.nickname !== undefined || patch.bio !== undefined, {
		message: 'Send a nickname or a bio to change.'
	});
export type ProfilePatch = z.infer<typeof profilePatchSchema>;

export const EVENT_NAMES = [
	'creator_updated',
	'earnings_updated',
	'new_subscription',
	'subscription_cancelled',
	'flash_sale_created',
	'flash_sale_ended'
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Events only the creator's own sessions may receive. */
export const PRIVATE_EVENTS: ReadonlySet<EventName> = new Set(['earnings_updated']);

export const eventDataSchemas = {
	creator_updated: z.object({ creator: creatorSchema, editId: z.string().optional() }),
	earnings_updated: z.object({ earningsCents: z.number().int() }),
	new_subscription: z.object({ subscriberCount: z.number().int().nonnegative() }),
	subscription_cancelled: z.object({ subscriberCount: z.number().int().nonnegative() }),
	flash_sale_created: z.object({ flashSale: flashSaleSchema }),
	flash_sale_ended: z.object({ flashSaleId: z.number().int() })
} satisfies Record<EventName, z.ZodType>;

export type EventData<N extends EventName> = z.infer<(typeof eventDataSchemas)[N]>;

const eventFrame = <N extends EventName>(name: N) =>
	z.object({
		type: z.literal('event'),
		id: z.number().int().positive(),
		event: z.literal(name),
		creatorId,
		data: eventDataSchemas[name],
		at: z.string()
	});

export const eventFrameSchema = z.discriminatedUnion('event', [
	eventFrame('creator_updated'),
	eventFrame('earnings_updated'),
	eventFrame('new_subscription'),
	eventFrame('subscription_cancelled'),
	eventFrame('flash_sale_created'),
	eventFrame('flash_sale_ended')
]);
export type EventFrame = z.infer<typeof eventFrameSchema>;

export const clientFrameSchema = z.discriminatedUnion('type', [
	z.object({
		type: z.literal('subscribe'),
		creatorId,
		/** Replay this creator's events after this id before live ones (a reconnect). */
		afterEventId: z.number().int().nonnegative().optional()
	}),
	z.object({ type: z.literal('unsubscribe'), creatorId }),
	z.object({ type: z.literal('resume'), lastEventId: z.number().int().nonnegative() }),
	z.object({ type: z.literal('ping') })
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

export const ERROR_CODES = [
	'bad_json',
	'bad_frame',
	'unknown_creator',
	'forbidden',
	'rate_limited',
	'too_many_subscriptions',
	/** A `resume` the log cannot serve on a socket with no creator to resync. */
	'cannot_resume'
] as const;

export const serverFrameSchema = z.union([
	eventFrameSchema,
	/** `lastEventId`: the newest event in the log when the subscription started. */
	z.object({
		type: z.literal('subscribed'),
		creatorId,
		lastEventId: z.number().int().nonnegative().optional()
	}),
	/** The missed events are no longer in the log: reload the creator over HTTP. */
	z.object({ type: z.literal('resync'), creatorId, lastEventId: z.number().int().nonnegative() }),
	/** The server is restarting or overloaded: wait at least this long before reconnecting. */
	z.object({ type: z.literal('retryAfter'), ms: z.number().int().nonnegative() }),
	z.object({ type: z.literal('unsubscribed'), creatorId }),
	/** `creatorId`: the subscription a refused `subscribe` asked for, so it is never lost silently. */
	z.object({
		type: z.literal('error'),
		code: z.enum(ERROR_CODES),
		message: z.string(),
		creatorId: creatorId.optional()
	}),
	z.object({ type: z.literal('pong') })
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;

/** Parses one text frame; returns the frame or a reason a person can read. */
export function parseFrame<T>(
	schema: z.ZodType<T>,
	text: string
): { ok: true; frame: T } | { ok: false; code: 'bad_json' | 'bad_frame'; message: string } {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		return { ok: false, code: 'bad_json', message: 'The message is not valid JSON.' };
	}

	const result = schema.safeParse(json);
	if (!result.success) {
		return { ok: false, code: 'bad_frame', message: z.prettifyError(result.error) };
	}

	return { ok: true, frame: result.data };
}

/**
 * Messages between tabs of one browser (BroadcastChannel, or localStorage as a fallback). A
 * state message carries the creator itself, so the receiving tab never re-reads storage that
 * may not have been written yet.
 */
export const tabMessageSchema = z.discriminatedUnion('type', [
	z.object({
		type: z.literal('creator.state'),
		sourceTabId: z.string().min(1),
		creator: creatorSchema,
		/** The event-log position the copy reflects, so a copy older than what a tab shows loses. */
		eventId: z.number().int().nonnegative().optional(),
		editId: z.string().optional(),
		sentAt: z.number()
	}),
	z.object({
		type: z.literal('sync.request'),
		sourceTabId: z.string().min(1),
		sentAt: z.number()
	})
]);
export type TabMessage = z.infer<typeof tabMessageSchema>;
