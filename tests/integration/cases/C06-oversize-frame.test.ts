/**
 * C06 — an oversize frame closes one socket, not the server. A 70 KiB frame from client A
 * closes A with 1009; B keeps receiving events; the server keeps answering. Malformed
 * frames get an error reply and leave the socket usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../../src/lib/shared/protocol';
import {
	ACCOUNTS,
	api,
	isEvent,
	signIn,
	SocketClient,
	startServer,
	type TestServer
} from '../helpers';

let server: TestServer;

beforeAll(async () => {
	server = await startServer();
});

afterAll(() => server?.stop());

describe('C06 oversize frame', () => {
	it('closes only the sender with 1009 and keeps serving everyone else', async () => {
		const a = await SocketClient.open(server);
		const b = await SocketClient.open(server);
		await a.subscribe('c1');
		await b.subscribe('c1');

		const oversize = JSON.stringify({ type: 'ping', padding: 'x'.repeat(70 * 1024) });
		expect(Buffer.byteLength(oversize)).toBeGreaterThan(MAX_FRAME_BYTES);
		a.send(oversize);

		expect(await a.closed()).toBe(1009);

		const alpha = await signIn(server, ACCOUNTS.alpha);
		const patched = await api(server, 'PATCH', '/api/creators/c1', {
			ifMatch: '*',
			cookie: alpha,
			body: { bio: 'still live' }
		});
		const event = await b.next(isEvent('creator_updated', 'c1'));

		expect(patched.status).toBe(200);
		expect(event.data.creator.bio).toBe('still live');
		expect((await api(server, 'GET', '/api/creators')).status).toBe(200);
		b.close();
	});

	it('accepts a frame just under the limit', async () => {
		const client = await SocketClient.open(server);
		const padding = 'x'.repeat(MAX_FRAME_BYTES - 64);
		client.send(JSON.stringify({ type: 'ping', padding }));

		// Unknown keys are stripped by the schema, so this is still a valid ping.
		await client.next((frame) => frame.type === 'pong');
		expect(client.closeCode).toBeNull();
		client.close();
	});

	it('answers non-JSON and unknown types with an error frame and stays usable', async () => {
		const client = await SocketClient.open(server);

		client.send('this is not json');
		expect(await client.next((frame) => frame.type === 'error')).toMatchObject({
			code: 'bad_json'
		});
		client.send({ type: 'teleport', creatorId: 'c1' });
		expect(await client.next((frame) => frame.type === 'error')).toMatchObject({
			code: 'bad_frame'
		});

		await client.subscribe('c1');
		await client.settle();
		expect(client.closeCode).toBeNull();
		client.close();
	});
});
