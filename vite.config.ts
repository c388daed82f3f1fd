import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * Serves the `/ws` WebSocket endpoint from the Vite dev server, on the app's own port.
 *
 * The realtime module is loaded through `ssrLoadModule`, the same module graph SvelteKit
 * loads routes from, so the socket hub that routes publish to is the one sockets are in.
 * Every other upgrade path (Vite's own hot-reload socket among them) is left alone.
 */
function realtimeDevServer(): Plugin {
	return {
		name: 'creatordata-realtime',
		configureServer(server) {
			server.httpServer?.on('upgrade', async (request, socket, head) => {
				if (!request.url?.startsWith('/ws')) return;
				try {
					const realtime = await server.ssrLoadModule('/src/lib/server/realtime/index.ts');
					realtime.handleUpgrade(request, socket, head);
				} catch (error) {
					server.config.logger.error(`realtime upgrade failed: ${String(error)}`);
					socket.destroy();
				}
			});
		}
	};
}

export default defineConfig({
	plugins: [sveltekit(), realtimeDevServer()],
	// Vitest drops the `module` condition on its server side; keep it so Svelte loads once.
	ssr: { resolve: { conditions: ['module', 'node', 'development|production'] } },
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['tests/unit/**/*.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					environment: 'node',
					testTimeout: 30_000,
					hookTimeout: 60_000,
					fileParallelism: false
				}
			},
			{
				extends: true,
				test: {
					// Speed and memory targets, as ratios measured in one run: `npm run bench`.
					name: 'bench',
					include: ['tests/bench/**/*.bench.ts'],
					environment: 'node',
					testTimeout: 120_000,
					fileParallelism: false
				}
			}
		]
	}
});
