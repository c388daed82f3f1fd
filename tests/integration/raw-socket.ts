/**
 * Raw HTTP upgrades and hand-made WebSocket frames, for tests that must send what a
 * well-behaved client library never would: bad UTF-8, unmasked frames, reserved opcodes.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

export const HANDSHAKE_HEADERS = {
	connection: 'Upgrade',
	upgrade: 'websocket',
	'sec-websocket-version': '13',
	'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ=='
};

/** The status and headers an upgrade to `/ws` is answered with (101 means it was accepted). */
export function upgrade(
	baseUrl: string,
	headers: Record<string, string> = {}
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
	return new Promise((done, fail) => {
		const req = request(`${baseUrl}/ws`, { headers: { ...HANDSHAKE_HEADERS, ...headers } });
		req.on('response', (response) => {
			response.resume();
			done({ status: response.statusCode ?? 0, headers: response.headers });
		});
		req.on('upgrade', (response, socket) => {
			socket.destroy();
			done({ status: response.statusCode ?? 0, headers: response.headers });
		});
		req.on('error', fail);
		req.end();
	});
}

/** One frame as a client would write it; every part can be made wrong on purpose. */
export function frame(
	opcode: number,
	payload: Buffer,
	options: { masked?: boolean; rsv1?: boolean } = {}
): Buffer {
	const masked = options.masked ?? true;
	const first = 0x80 | (options.rsv1 ? 0x40 : 0) | opcode;
	const length = payload.length;
	const header =
		length < 126
			? Buffer.from([first, (masked ? 0x80 : 0) | length])
			: Buffer.from([first, (masked ? 0x80 : 0) | 126, length >> 8, length & 0xff]);
	if (!masked) return Buffer.concat([header, payload]);

	const mask = Buffer.from([1, 2, 3, 4]);
	const body = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]));
	return Buffer.concat([header, mask, body]);
}

/** A socket past a 101 handshake, and the close code of the first close frame it receives. */
export function openRaw(
	baseUrl: string,
	cookie: string
): Promise<{ socket: Socket; closeCode(): Promise<number> }> {
	const url = new URL(baseUrl);
	const socket = connect(Number(url.port), url.hostname);
	let received = Buffer.alloc(0);
	let handshakeDone = false;

	return new Promise((done, fail) => {
		socket.on('error', fail);
		socket.on('data', (chunk) => {
			received = Buffer.concat([received, chunk]);
			if (handshakeDone) return;

			const end = received.indexOf('\r\n\r\n');
			if (end === -1) return;
			const head = received.subarray(0, end).toString();
			if (!head.startsWith('HTTP/1.1 101')) return fail(new Error(head.split('\r\n')[0]));

			handshakeDone = true;
			received = received.subarray(end + 4);
			done({
				socket,
				closeCode: () =>
					new Promise((resolve, reject) => {
						const check = () => {
							if (received.length >= 4 && received[0] === 0x88) {
								resolve(received.readUInt16BE(2));
								return true;
							}
							return false;
						};
						if (check()) return;
						const timer = setTimeout(() => reject(new Error('no close frame')), 3000);
						socket.on('data', () => check() && clearTimeout(timer));
						socket.on('close', () => check() || resolve(1006));
					})
			});
		});
		const lines = Object.entries({ ...HANDSHAKE_HEADERS, host: url.host, cookie })
			.map(([name, value]) => `${name}: ${value}`)
			.join('\r\n');
		socket.write(`GET /ws HTTP/1.1\r\n${lines}\r\n\r\n`);
	});
}
