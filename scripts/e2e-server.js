// Starts the built server on a fresh database in a temporary folder, for the e2e run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const folder = mkdtempSync(join(tmpdir(), 'creatordata-e2e-'));
process.env.DATABASE_PATH = join(folder, 'app.db');
process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

await import('../server.js');
