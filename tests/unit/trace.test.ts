import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
	parseTrace,
	TRACE_FORMAT,
	TraceError,
	type Trace,
	type TraceStep
} from '../../machines/trace/format';
import { formatReplay, replayTrace } from '../../machines/trace/replay';
import { actorPath, TraceRecorder } from '../../machines/trace/recorder';
import { findSecrets, REDACTED, toTraceValue } from '../../machines/trace/sanitize';
import { heartbeat } from '../../machines/socket.machine';
import { alpha, eventFrame, fail, patchAnswer } from './support/fixtures';
import { recordTab } from './support/trace-harness';

/** One actor's steps as `event → states it passed through`. */
function pathOf(steps: readonly TraceStep[], actor: string): string[] {
	return steps
		.filter((step) => step.actor === actor)
		.map((step) => `${step.event.type} → ${step.path.join(', ')}`);
}

/** A tab that edits the nickname against a server refusing every save, and so reverts. */
async function recordRevert(): Promise<Trace> {
	const tab = recordTab([fail(500)]);
	tab.root.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
	await tab.settle();
	tab.push(eventFrame('earnings_updated', { earningsCents: 12000 }));
	tab.creator().send({ type: 'creator.edit', patch: { nickname: 'Doomed' } });
	await tab.settle();

	return JSON.parse(JSON.stringify(tab.recorder.toTrace())) as Trace;
}

describe('trace record and replay', () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});

	afterEach(() => {
		vi.useRealTimers();
	});

	it('replays a recorded revert along the recorded path', async () => {
		const trace = await recordRevert();
		vi.useRealTimers();

		const result = await replayTrace(trace);

		expect(result.mismatch).toBeNull();
		expect(pathOf(result.replayed, 'root/creator:c1')).toEqual(
			pathOf(trace.steps, 'root/creator:c1')
		);
		const edit = trace.steps.find((step) => step.event.type === 'creator.edit');
		expect(edit).toMatchObject({ actor: 'root/creator:c1', kind: 'external' });
		expect(pathOf(trace.steps, 'root/creator:c1')).toEqual([
			'creator.serverEvent → idle',
			'creator.edit → optimistic, committing',
			'xstate.done.actor.request → reverting, idle'
		]);
		expect(formatReplay(result).at(-1)).toBe(
			`The replay took the recorded path: ${trace.steps.length} steps.`
		);
	});

	it('records HTTP answers, socket frames and timers as outcomes', async () => {
		const trace = await recordRevert();
		const kinds = trace.steps.map((step) => `${step.kind} ${step.event.type}`);

		expect(kinds).toContain('effect xstate.done.actor.performRequest');
		expect(kinds).toContain('effect socket.message');
		expect(kinds).toContain('effect tab.ready');
		expect(kinds).toContain('timer xstate.after.retryDelay.request.waiting');
		const answer = trace.steps.find((step) => step.event.type.endsWith('performRequest'));
		expect(answer?.event).toMatchObject({ output: { status: 500 } });
	});

	it('stops at the first step that differs when an outcome changed', async () => {
		const trace = await recordRevert();
		vi.useRealTimers();
		const answer = trace.steps.findIndex((step) => step.event.type.endsWith('performRequest'));
		const changed = structuredClone(trace);
		changed.steps[answer]!.event.output = {
			status: 200,
			body: { creator: alpha({ nickname: 'Doomed', version: 2 }) }
		};

		const result = await replayTrace(changed);

		expect(result.mismatch).toBe(answer);
		expect(formatReplay(result)).toContain(`The replay differs at step ${answer + 1}:`);
	});

	it('replays an accepted edit, as the server answered it', async () => {
		const tab = recordTab(patchAnswer(alpha()));
		tab.root.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
		tab.creator().send({ type: 'creator.edit', patch: { bio: 'new' } });
		await tab.settle();
		const trace = JSON.parse(JSON.stringify(tab.recorder.toTrace())) as Trace;
		vi.useRealTimers();

		expect((await replayTrace(trace)).mismatch).toBeNull();
	});
	it('replays a long-lived tab: heartbeat pings, a silent socket, polling and coming back into view', async () => {
		const missed = eventFrame('new_subscription', { subscriberCount: 8 });
		const tab = recordTab([], {
			poll: ({ cursors }) =>
				(cursors.c1 ?? 0) < missed.id
					? [{ creatorId: 'c1', kind: 'events', events: [missed], lastEventId: missed.id }]
					: [{ creatorId: 'c1', kind: 'events', events: [], lastEventId: missed.id }]
		});
		tab.root.send({ type: 'creator.track', creatorId: 'c1', snapshot: alpha() });
		await tab.settle();
		// A quiet socket is pinged (settling stopped 1 ms short of it), and the pong keeps it.
		await vi.advanceTimersByTimeAsync(1);
		tab.push({ type: 'pong' });
		// Then the server stops answering: the socket goes silent, every reconnect is refused,
		// and the tab reads the event log over HTTP until the page comes back into view.
		tab.stopServer();
		await vi.advanceTimersByTimeAsync(heartbeat.intervalMs + heartbeat.timeoutMs);
		await vi.advanceTimersByTimeAsync(120_000);
		tab.connectivity({ type: 'socket.visible' });
		await vi.advanceTimersByTimeAsync(1_000);
		tab.connectivity({ type: 'socket.offline' });
		await vi.advanceTimersByTimeAsync(1_000);
		const trace = JSON.parse(JSON.stringify(tab.recorder.toTrace())) as Trace;
		tab.root.stop();
		vi.useRealTimers();

		const types = trace.steps.map((step) => step.event.type);
		expect(types).toContain('socket.pingDue');
		expect(types).toContain('socket.silent');
		expect(types).toContain('xstate.done.actor.pollEvents');
		expect(types).toContain('socket.visible');
		expect(types).toContain('socket.offline');
		expect(tab.creator().getSnapshot().context.view.subscriberCount).toBe(8);

		const result = await replayTrace(trace);

		expect(result.problem).toBeNull();
		expect(result.mismatch).toBeNull();
		expect(pathOf(result.replayed, 'root/socket')).toEqual(pathOf(trace.steps, 'root/socket'));
	});
});

describe('TraceRecorder', () => {
	it('names actors by their path from the root', () => {
		const root = { id: 'root', getSnapshot: () => ({}) };
		const child = { id: 'creator:c1', _parent: root, getSnapshot: () => ({}) };

		expect(actorPath({ id: 'request', _parent: child, getSnapshot: () => ({}) })).toBe(
			'root/creator:c1/request'
		);
	});

	it('stops growing at its limit and says the trace is truncated', async () => {
		vi.useFakeTimers();
		const tab = recordTab([fail(500)]);
		await tab.settle();
		vi.useRealTimers();
		const limited = new TraceRecorder({ socketUrl: 'ws://x/ws' }, 2);
		for (const step of tab.recorder.steps) {
			limited.observe({
				type: '@xstate.event',
				actorRef: tab.root,
				sourceRef: undefined,
				event: step.event,
				rootId: tab.root.sessionId
			});
		}

		expect(limited.toTrace().steps).toHaveLength(2);
		expect(limited.toTrace().truncated).toBe(true);
	});
});

describe('parseTrace', () => {
	const valid = (): Trace => ({
		format: TRACE_FORMAT,
		version: 1,
		recordedAt: '2025-01-01T00:00:00.000Z',
		input: { socketUrl: 'ws://localhost/ws' },
		truncated: false,
		steps: [
			{
				actor: 'root',
				kind: 'external',
				source: null,
				event: { type: 'socket.connect' },
				path: [],
				state: 'running'
			}
		]
	});

	it('reads a well-formed trace', () => {
		expect(parseTrace(JSON.stringify(valid()))).toEqual(valid());
	});

	it.each([
		['text that is not JSON', 'nope', /not JSON/],
		['a JSON file of another kind', '{"name":"package"}', /not a CreatorData trace/],
		['a trace of another version', JSON.stringify({ ...valid(), version: 2 }), /version 2/],
		[
			'a step without an actor',
			JSON.stringify({ ...valid(), steps: [{ ...valid().steps[0], actor: '' }] }),
			/malformed at steps\.0\.actor/
		],
		[
			'a step of an unknown kind',
			JSON.stringify({ ...valid(), steps: [{ ...valid().steps[0], kind: 'magic' }] }),
			/malformed at steps\.0\.kind/
		]
	])('refuses %s with a reason', (_, text, reason) => {
		expect(() => parseTrace(text)).toThrow(TraceError);
		expect(() => parseTrace(text)).toThrow(reason);
	});

	it('refuses a trace that holds a password or a session cookie', () => {
		const withPassword = valid();
		withPassword.steps[0]!.event = { type: 'x', body: { password: 'alpha-demo-pass' } };
		const withCookie = valid();
		withCookie.steps[0]!.event = { type: 'x', header: 'cd_session=abc' };

		expect(() => parseTrace(JSON.stringify(withPassword))).toThrow(
			/credential at steps\[0\]\.event\.body\.password/
		);
		expect(() => parseTrace(JSON.stringify(withCookie))).toThrow(/credential/);
	});
});

describe('toTraceValue', () => {
	it('redacts passwords, cookies and authorization wherever they sit', () => {
		const value = toTraceValue({
			email: 'alpha@creatordata.test',
			password: 'alpha-demo-pass',
			headers: {
				Cookie: 'cd_session=abc',
				'Set-Cookie': 'cd_session=abc; HttpOnly',
				Authorization: 'Bearer abc'
			},
			note: 'sent with cd_session=abc'
		});

		expect(value).toEqual({
			email: 'alpha@creatordata.test',
			password: REDACTED,
			headers: { Cookie: REDACTED, 'Set-Cookie': REDACTED, Authorization: REDACTED },
			note: REDACTED
		});
		expect(findSecrets(value)).toEqual([]);
	});

	it('keeps errors as name and message and drops functions', () => {
		expect(toTraceValue({ error: new TypeError('Failed to fetch'), run: () => {} })).toEqual({
			error: { name: 'TypeError', message: 'Failed to fetch' }
		});
	});
});
