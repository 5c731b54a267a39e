import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { migrationStatus } from '../../src/db/client';
import { NotFoundError, RateLimitedError } from '../../src/errors';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/logger';
import { openTestDatabase, useTestDatabase } from '../helpers/db';
import { MIGRATION_COUNT } from '../helpers/migrations';

const t = useTestDatabase();
const config = loadConfig({ DATA_DIR: '/tmp/cfo-http-test', ENCRYPTION_KEY: 'cd'.repeat(32) });

function appWithLog() {
  const lines: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(c, _e, cb) {
        lines.push(c.toString());
        cb();
      },
    }) as never,
  );
  const app = createApp({ config, database: t.database, logger });
  return { app, log: () => lines.join('') };
}

describe('HTTP skeleton', () => {
  it('/healthz answers while the process is up', async () => {
    const { app } = appWithLog();
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz says ready once the database answers with every migration applied, and nothing more', async () => {
    const { app } = appWithLog();
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    // An anonymous caller learns ready or not: not the database kind, nor how far migrations got.
    expect(await res.json()).toEqual({ status: 'ready' });
    expect(await migrationStatus(t.db)).toEqual({ applied: MIGRATION_COUNT, expected: MIGRATION_COUNT });
  });

  it('/readyz is 503 when the database is gone', async () => {
    const own = await openTestDatabase();
    const app = createApp({ config, database: own.database, logger: createLogger('silent') });
    await own.close();
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable' });
  });

  it('maps domain errors to { error: { code, message } } with their status', async () => {
    const { app } = appWithLog();
    app.get('/t/missing', () => {
      throw new NotFoundError('No invoice with id 42.');
    });
    app.get('/t/slow-down', () => {
      throw new RateLimitedError('Too many requests for this key.', 17);
    });
    const nf = await app.request('/t/missing');
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ error: { code: 'not_found', message: 'No invoice with id 42.' } });
    const rl = await app.request('/t/slow-down');
    expect(rl.status).toBe(429);
    expect(rl.headers.get('retry-after')).toBe('17');
  });

  it('turns anything else into a 500 with a reference, never the cause or a stack', async () => {
    const { app, log } = appWithLog();
    app.get('/t/boom', () => {
      throw new TypeError('Cannot read properties of undefined (reading secret_thing) at /work/src/x.ts:12');
    });
    const res = await app.request('/t/boom', { headers: { 'x-request-id': 'req-123' } });
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ error: { code: 'internal', message: 'internal error (ref req-123)' } });
    expect(JSON.stringify(body)).not.toMatch(/secret_thing|\.ts:|TypeError/);
    // The operator can find the real cause by the reference.
    expect(log()).toContain('req-123');
    expect(log()).toContain('secret_thing');
  });

  it('answers unknown routes with a JSON 404; under /v1 only after authentication', async () => {
    const { app } = appWithLog();
    const res = await app.request('/nothing-here', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No route for POST /nothing-here.' } });
    // Without a key, /v1 does not say which routes exist.
    const anonymous = await app.request('/v1/nothing-here', { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('unauthorized');
  });
});
