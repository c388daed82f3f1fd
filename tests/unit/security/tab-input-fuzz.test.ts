/**
 * Messages from other tabs and values read from localStorage are untrusted input: another
 * script on the origin, an old version of the app or a broken extension can put anything
 * there. Each is validated against the tab message schema before any actor acts on it.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAME } from '../../../machines/tab-message';
import type { TabMessage } from '../../../src/lib/shared/protocol';
import { FakeStorage, installStorageOnly } from '../support/browser-fakes';
import { alpha, ok } from '../support/fixtures';
import { startRootTab } from '../support/root-harness';

const MESSAGES = 10_000;

/** A BroadcastChannel whose instances can be handed messages as if another tab posted them. */
function installBroadcast() {
	const channels: { onmessage: ((event: MessageEvent) => void) | null }[] = [];
	class FakeBroadcastChannel {
		onmessage: ((event: MessageEvent) => void) | null = null;
		constructor() {
			channels.push(this);
		}
		postMessage() {}
		close() {}
	}
	vi.stubGlobal('BroadcastChannel', FakeBroadcastChannel);

	return (data: unknown) => {
		for (const channel of channels) channel.onmessage?.({ data } as MessageEvent);
	};
}

function validState(): TabMessage {
	return {
		type: 'creator.state',
		sourceTabId: 'tab-other',
		creator: alpha({ nickname: 'Forged', version: 99 }),
		editId: 'e1',
		sentAt: 1
	};
}

/** Values no field of a tab message accepts in the place they are put. */
const wrongFor: Record<string, unknown[]> = {
	type: [null, 1, 'creator.states', 'CREATOR.STATE', {}, []],
	sourceTabId: [null, 1, '', {}, ['tab']],
	sentAt: [null, '1', {}, [], true],
	editId: [null, 1, {}, []],
	creator: [null, 'c1', 1, [], true],
	'creator.id': [null, 1, '', 'c 1', '../c1', 'c1<script>', 'x'.repeat(65)],
	'creator.nickname': [null, 1, {}, [], true],
	'creator.bio': [null, 1, {}, []],
	'creator.version': [null, '99', -1, 1.5, Number.NaN, Infinity, {}],
	'creator.subscriberCount': [null, '3', -1, 0.5, {}],
	'creator.earningsCents': [null, '1', 0.5, {}],
	'creator.activeFlashSale': ['sale', 1, [], { id: 'x' }],
	'creator.updatedAt': [null, 1, {}]
};

/** A valid message with exactly one field broken: the closest a fuzzer gets to a real one. */
const nearlyValid = fc
	.constantFrom(...Object.keys(wrongFor))
	.chain((path) => fc.tuple(fc.constant(path), fc.constantFrom(...wrongFor[path])))
	.map(([path, value]) => {
		const message = structuredClone(validState()) as unknown as Record<string, unknown>;
		const [head, tail] = path.split('.');
		if (tail) (message[head] as Record<string, unknown>)[tail] = value;
		else message[head] = value;
		return message;
	});

/** Keys that pollute prototypes when code merges untrusted objects carelessly. */
const polluting = fc.constantFrom(
	JSON.parse('{"__proto__":{"polluted":true},"type":"creator.state"}'),
	JSON.parse('{"type":"creator.state","creator":{"__proto__":{"polluted":true}}}'),
	{ constructor: { prototype: { polluted: true } }, type: 'sync.request' }
);

const fuzzedMessage = fc.oneof(
	{ arbitrary: fc.anything({ withBigInt: true, withMap: true, withSet: true }), weight: 3 },
	{ arbitrary: fc.jsonValue(), weight: 2 },
	{ arbitrary: nearlyValid, weight: 4 },
	{ arbitrary: polluting, weight: 1 }
);

/** Text a corrupted or foreign write could leave under the sync key. */
const fuzzedStoredValue = fc.oneof(
	fc.string({ unit: 'binary' }),
	fc.jsonValue().map((value) => JSON.stringify(value) ?? 'undefined'),
	nearlyValid.map((message) => JSON.stringify(message)),
	fc.constantFrom('', '{', 'null', 'undefined', '[]', '{"type":"creator.state"', '\u0000')
);

describe('cross-tab input', () => {
	const unhandled: unknown[] = [];
	const onUnhandled = (reason: unknown) => unhandled.push(reason);

	afterEach(() => {
		vi.unstubAllGlobals();
		process.off('unhandledRejection', onUnhandled);
		process.off('uncaughtException', onUnhandled);
		unhandled.length = 0;
	});

	function trackedTab() {
		process.on('unhandledRejection', onUnhandled);
		process.on('uncaughtException', onUnhandled);
		const tab = startRootTab('tab-a', [ok({ creator: alpha() })]);
		tab.actor.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
		return tab;
	}

	function expectUntouched(tab: ReturnType<typeof trackedTab>) {
		expect(tab.errors).toEqual([]);
		expect(unhandled).toEqual([]);
		expect(tab.actor.getSnapshot().status).toBe('active');
		expect(tab.creator().getSnapshot().context.confirmed).toEqual(alpha());
		expect(tab.creator().getSnapshot().context.view).toEqual(alpha());
		expect(Object.keys(tab.actor.getSnapshot().context.creators)).toEqual(['c1']);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		tab.actor.stop();
	}

	it('validates messages from other tabs: 10,000 fuzzed ones cause no error and no change', () => {
		const deliver = installBroadcast();
		const tab = trackedTab();

		for (const message of fc.sample(fuzzedMessage, { numRuns: MESSAGES, seed: 5 })) {
			deliver(message);
		}

		expectUntouched(tab);
		expect(tab.requests).toEqual([]);
	});

	it('validates values read from localStorage: corrupt ones cause no error and no change', () => {
		const storage = installStorageOnly(new FakeStorage());
		const tab = trackedTab();

		for (const value of fc.sample(fuzzedStoredValue, { numRuns: MESSAGES, seed: 9 })) {
			storage.deliverFromOtherTab(CHANNEL_NAME, value);
		}
		storage.deliverFromOtherTab(CHANNEL_NAME, null);

		expectUntouched(tab);
	});

	it('routes a message naming a creator id like __proto__ or constructor to no creator, and keeps routing', () => {
		const deliver = installBroadcast();
		const tab = trackedTab();

		for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
			deliver({ ...validState(), creator: alpha({ id, nickname: 'Forged', version: 99 }) });
		}
		expect(tab.errors).toEqual([]);
		expect(unhandled).toEqual([]);
		expect(tab.actor.getSnapshot().status).toBe('active');
		expect(Object.keys(tab.actor.getSnapshot().context.creators)).toEqual(['c1']);

		deliver(validState());
		expect(tab.creator().getSnapshot().context.confirmed).toMatchObject({ nickname: 'Forged' });
		tab.actor.stop();
	});

	it('still applies a valid message after the fuzzing, so validation is not blanket refusal', () => {
		const deliver = installBroadcast();
		const tab = trackedTab();
		for (const message of fc.sample(fuzzedMessage, { numRuns: 200, seed: 1 })) deliver(message);

		deliver(validState());

		expect(tab.creator().getSnapshot().context.confirmed).toMatchObject({
			nickname: 'Forged',
			version: 99
		});
		expect(tab.errors).toEqual([]);
		tab.actor.stop();
	});
});
