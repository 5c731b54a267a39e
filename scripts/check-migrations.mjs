#!/usr/bin/env node
// Fails when src/db/schema.ts and the migrations in drizzle/ disagree: asks drizzle-kit to
// generate a migration and expects "No schema changes". Whatever it writes is put back.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const backup = mkdtempSync(join(tmpdir(), 'cfo-drizzle-'));
cpSync('drizzle', backup, { recursive: true });
let out = '';
let failed = false;
try {
  out = execFileSync('npx', ['drizzle-kit', 'generate', '--name', 'drift_check'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
} catch (err) {
  out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
  failed = true;
} finally {
  rmSync('drizzle', { recursive: true, force: true });
  cpSync(backup, 'drizzle', { recursive: true });
  rmSync(backup, { recursive: true, force: true });
}
if (failed || !out.includes('No schema changes')) {
  process.stderr.write(
    `${out}\nThe schema and drizzle/ differ: run \`npm run db:generate\` and commit the migration.\n`,
  );
  process.exit(1);
}
process.stdout.write('drizzle: schema and migrations agree (no schema changes)\n');
