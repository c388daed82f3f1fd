/**
 * The production entry: one HTTP server for the SvelteKit app and the `/ws` WebSocket
 * endpoint, on the same port. Run `npm run build` first.
 */
import { createServer } from 'node:http';
import pino from 'pino';

const logger = pino({ name: 'creatordata', level: process.env.LOG_LEVEL ?? 'info' });

// Importing the handler initialises the app, whose hooks register the socket endpoint.
const { handler } = await import('./build/handler.js');
const realtime = globalThis[Symbol.for('creatordata.realtime')];
if (!realtime) {
	logger.fatal('the realtime module did not register itself; is src/hooks.server.ts importing it?');
	process.exit(1);
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';

const server = createServer(handler);

server.on('upgrade', (request, socket, head) => {
	if (!request.url?.startsWith('/ws')) {
		socket.destroy();
		return;
	}
	realtime.handleUpgrade(request, socket, head);
});

server.on('clientError', (error, socket) => {
	logger.debug({ err: error }, 'malformed HTTP request');
	if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
});

server.listen(port, host, () => {
	const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
	logger.info(
		{ url: `http://${shown}:${port}` },
		`CreatorData listening on http://${shown}:${port}`
	);
});

let stopping = false;
function stop(signal) {
	if (stopping) return;
	stopping = true;
	logger.info({ signal }, 'shutting down');

	realtime.shutdown();
	server.close(() => process.exit(0));
	server.closeIdleConnections();
	// A request still streaming after this long is cut off rather than holding up a deploy.
	setTimeout(() => {
		server.closeAllConnections();
		process.exit(0);
	}, 5000).unref();
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

process.on('unhandledRejection', (reason) => {
	logger.error({ err: reason }, 'unhandled promise rejection');
});
