/**
 * Fan-out: one event to every socket subscribed to its creator. The hub serialises the event
 * once and writes the same Buffer to each subscriber, so its cost per subscriber is a loop
 * step and an ownership check, and it allocates nothing per subscriber. The targets are
 * ratios measured in this one run, so a busy or slow machine moves both sides together.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { FrameBudget } from '../../src/lib/server/realtime/frame-budget';
import { Hub, type Client } from '../../src/lib/server/realtime/hub';
import { ReplayBudget } from '../../src/lib/server/realtime/replay-budget';
import type { EventFrame } from '../../src/lib/shared/protocol';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A socket that takes frames as fast as they come and only counts them. */
class CountingSocket {
	readonly readyState = WebSocket.OPEN;
	readonly bufferedAmount = 0;
	sent = 0;

	send(): void {
		this.sent += 1;
	}
}

function subscriber(index: number): Client {
	return {
		socket: new CountingSocket() as unknown as WebSocket,
		user: null,
		sessionId: `s${index}`,
		ownerKey: `s${index}`,
		address: '127.0.0.1',
		sessionExpiresAt: null,
		creators: new Set(),
		resynced: new Set(),
		alive: true,
		budget: new FrameBudget({ perSecond: 30, burst: 250 }, 0),
		replayBudget: new ReplayBudget({ events: 1000, windowMs: 60_000 }, 0),
		throttled: false,
		flooding: false,
		queue: Promise.resolve(),
		held: null
	};
}

function hubWith(subscribers: number): Hub {
	const hub = new Hub();
	for (let index = 0; index < subscribers; index += 1) {
		const client = subscriber(index);
		hub.add(client);
		hub.join(client, 'c1');
	}

	return hub;
}

let nextId = 1;
function creatorUpdated(): EventFrame {
	return {
		type: 'event',
		id: nextId++,
		event: 'creator_updated',
		creatorId: 'c1',
		at: new Date().toISOString(),
		data: {
			editId: 'e-0001',
			creator: {
				id: 'c1',
				nickname: 'Alpha',
				bio: 'Makes things out of light and sound. '.repeat(8),
				avatarUrl: '/avatars/c1.svg',
				subscriberCount: 1234,
				subscriptionPriceCents: 499,
				version: 42,
				updatedAt: new Date().toISOString(),
				activeFlashSale: null
			}
		}
	};
}

/** What the hub is designed not to do: serialise the event again for every subscriber. */
function deliverNaively(hub: Hub, frame: EventFrame): void {
	for (const client of hub.clients) {
		if (!client.creators.has(frame.creatorId) || !Hub.mayReceive(client, frame)) continue;
		client.socket.send(Buffer.from(JSON.stringify(frame)), { binary: false });
	}
}

/** Median nanoseconds per subscriber of one delivery, over `rounds` deliveries. */
function nanosPerSubscriber(
	deliver: (frame: EventFrame) => void,
	subscribers: number,
	rounds: number
): number {
	const frames = Array.from({ length: rounds }, creatorUpdated);
	for (const frame of frames.slice(0, 5)) deliver(frame);

	const samples = frames.map((frame) => {
		const started = process.hrtime.bigint();
		deliver(frame);
		return Number(process.hrtime.bigint() - started) / subscribers;
	});

	return median(samples);
}

/**
 * Heap bytes one delivery allocates, measured from a collected heap: the least of `rounds`
 * tries, because what else the runtime allocates meanwhile (compiled code, feedback) only
 * ever adds to a sample.
 */
function bytesPerDelivery(deliver: (frame: EventFrame) => void, rounds: number): number {
	const samples: number[] = [];
	for (let round = 0; round < rounds; round += 1) {
		const frame = creatorUpdated();
		collectGarbage();
		const before = process.memoryUsage().heapUsed;
		deliver(frame);
		samples.push(process.memoryUsage().heapUsed - before);
	}

	return Math.max(1, Math.min(...samples));
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);

	return sorted[Math.floor(sorted.length / 2)];
}

describe('fan-out', () => {
	const many = 10_000;
	const few = 1_000;

	it('delivers one event to 10,000 subscribers at least 5× faster than serialising per subscriber', () => {
		const hub = hubWith(many);
		const hubNs = nanosPerSubscriber((frame) => hub.deliver(frame), many, 40);
		const naiveNs = nanosPerSubscriber((frame) => deliverNaively(hub, frame), many, 40);

		console.log(
			`fan-out to ${many}: hub ${hubNs.toFixed(1)} ns/subscriber, serialising per subscriber ${naiveNs.toFixed(1)} ns/subscriber (${(naiveNs / hubNs).toFixed(1)}×)`
		);
		expect(naiveNs / hubNs).toBeGreaterThanOrEqual(5);
	});

	it('costs the same per subscriber at 1,000 and at 10,000 subscribers', () => {
		const small = hubWith(few);
		const large = hubWith(many);
		const smallNs = nanosPerSubscriber((frame) => small.deliver(frame), few, 200);
		const largeNs = nanosPerSubscriber((frame) => large.deliver(frame), many, 40);

		console.log(
			`fan-out scaling: ${smallNs.toFixed(1)} ns/subscriber at ${few}, ${largeNs.toFixed(1)} ns/subscriber at ${many} (${(largeNs / smallNs).toFixed(2)}×)`
		);
		expect(largeNs / smallNs).toBeLessThan(2);
	});

	it('allocates nothing per subscriber: a hundredth of what serialising per subscriber does', () => {
		const hub = hubWith(many);
		const hubBytes = bytesPerDelivery((frame) => hub.deliver(frame), 30);
		const naiveBytes = bytesPerDelivery((frame) => deliverNaively(hub, frame), 30);

		console.log(
			`fan-out memory to ${many}: hub ${hubBytes} B per delivery (${(hubBytes / many).toFixed(2)} B/subscriber), serialising per subscriber ${naiveBytes} B (${(naiveBytes / many).toFixed(0)} B/subscriber)`
		);
		// Serialising per subscriber allocates a frame each (hundreds of bytes); the hub one in all.
		expect(naiveBytes / hubBytes).toBeGreaterThan(100);
	});
});
