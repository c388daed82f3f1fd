import type { IncomingMessage } from 'node:http';
import { addressHeader } from '../config';

/**
 * The client address of a WebSocket upgrade, found the way adapter-node finds it for a page
 * (`event.getClientAddress()`): from `ADDRESS_HEADER` behind a proxy, counting `XFF_DEPTH`
 * entries from the right of `X-Forwarded-For`, else the connection's own address. A request
 * without the configured header counts against the address it came from, the proxy's.
 */
export function upgradeAddress(request: IncomingMessage): string {
	const own = request.socket.remoteAddress ?? 'unknown';
	const header = addressHeader();
	if (!header) return own;

	const raw = request.headers[header.name];
	const value = (Array.isArray(raw) ? raw.join(',') : raw)?.trim();
	if (!value) return own;
	if (header.name !== 'x-forwarded-for') return value;

	const addresses = value.split(',');
	return addresses[addresses.length - header.xffDepth]?.trim() || own;
}
