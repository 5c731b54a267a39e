/**
 * Outbound webhooks cannot be pointed inside the network (SSRF). A destination must resolve to public internet
 * addresses only: checked when a subscription is saved or changed, and again when each delivery connects, to
 * the address it connects to, so a DNS answer that turns private later (rebinding) delivers nothing. The
 * delivery log records only whether a delivery succeeded. WEBHOOK_ALLOW_PRIVATE turns the rule off.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { createApp } from '../../src/http/app';
import { type Address, isPublicAddress } from '../../src/integrations/destinations';
import { deliverDue, NOT_DELIVERED } from '../../src/integrations/outbound-webhooks';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const config = loadConfig({ ENCRYPTION_KEY: 'a'.repeat(64) });
const keys = [{ key: config.encryption.key, keyId: config.encryption.keyId }];
const logger = createLogger('silent');
let adminKey = '';
let port = 0;
let received = 0;
const server = createServer((req, res) => {
  received += 1;
  req.resume();
  res.writeHead(200).end('ok');
});

/** A resolver that answers what the test says, as a DNS server an attacker controls could. */
let answer: Address[] = [];
const lookup = async () => answer;

const app = (allowPrivate: boolean) =>
  createApp({
    config,
    database: t.database,
    logger,
    today: () => '2026-11-22',
    destinations: { allowPrivate, lookup },
  });
const call = (allowPrivate: boolean, method: string, path: string, body?: unknown) =>
  app(allowPrivate).request(path, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  const business = await createBusiness(t.db, { name: 'Hooked Ltd' });
  adminKey = (await createApiKey(t.db, { businessId: business.id, name: 'admin', scopes: ['admin'] })).key;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('outbound webhook destinations', () => {
  it('classifies addresses: loopback, private, link-local, CGNAT, ULA and IPv4-mapped are not public', () => {
    const v4 = (address: string) => isPublicAddress({ address, family: 4 });
    const v6 = (address: string) => isPublicAddress({ address, family: 6 });
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0'])
      expect(v4(a), a).toBe(false);
    for (const a of ['::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:8.8.8.8'])
      expect(v6(a), a).toBe(false);
    expect(v4('93.184.216.34')).toBe(true);
    expect(v6('2606:2800:220:1:248:1893:25c8:1946')).toBe(true);
  });

  it('refuses to save or change a subscription to anything but public addresses, however it is written', async () => {
    answer = [{ address: '127.0.0.1', family: 4 }]; // what "localhost"-like names resolve to here
    const refused = [
      'http://127.0.0.1/hook',
      'http://localhost/hook',
      'http://0.0.0.0/hook',
      'http://2130706433/hook',
      'http://127.1/hook',
      'http://0x7f.0.0.1/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.5:5432/',
      'http://internal.example.test/hook',
      'http://user:secret@93.184.216.34/hook',
    ];
    for (const url of refused) {
      const res = await call(false, 'POST', '/v1/webhooks', { url, events: ['*'] });
      expect(res.status, url).toBe(400);
      expect((await res.json()).error.message, url).toMatch(/^url: /);
    }
    // A name that resolves publicly is accepted, and cannot be changed to a private one afterwards.
    answer = [{ address: '93.184.216.34', family: 4 }];
    const ok = await call(false, 'POST', '/v1/webhooks', { url: 'https://hooks.example.test/in', events: ['*'] });
    expect(ok.status).toBe(201);
    const { webhook } = await ok.json();
    const moved = await call(false, 'PATCH', `/v1/webhooks/${webhook.id}`, { url: 'http://169.254.169.254/' });
    expect(moved.status).toBe(400);
    await call(false, 'DELETE', `/v1/webhooks/${webhook.id}`);
  });

  it('a name that resolves publicly when saved and privately when delivering (rebinding) gets nothing delivered', async () => {
    answer = [{ address: '93.184.216.34', family: 4 }];
    const res = await call(false, 'POST', '/v1/webhooks', {
      url: `http://rebind.example.test:${port}/hook`,
      events: ['*'],
    });
    expect(res.status).toBe(201);
    const { webhook } = await res.json();
    expect((await call(false, 'POST', `/v1/webhooks/${webhook.id}/test`)).status).toBe(202);
    // Now the name points at this machine, where a receiver listens.
    answer = [{ address: '127.0.0.1', family: 4 }];
    const sent = await deliverDue(t.db, { keys, logger, destinations: { allowPrivate: false, lookup } });
    expect(sent).toMatchObject({ sent: 1, succeeded: 0, failed: 1 });
    expect(received).toBe(0);
    const log = await (await call(false, 'GET', `/v1/webhooks/${webhook.id}/deliveries`)).json();
    const first = log.deliveries.find((d: { attempt: number }) => d.attempt === 1);
    expect(first).toMatchObject({ status: 'failed', responseStatus: null, error: NOT_DELIVERED });

    // With private destinations allowed (WEBHOOK_ALLOW_PRIVATE=true), the same delivery goes through.
    await call(false, 'PATCH', `/v1/webhooks/${webhook.id}`, { active: true });
    expect((await call(true, 'POST', `/v1/webhooks/${webhook.id}/test`)).status).toBe(202);
    let done = { sent: 0, succeeded: 0, failed: 0 };
    for (let i = 0; i < 50 && done.succeeded === 0; i++) {
      done = await deliverDue(t.db, { keys, logger, destinations: { allowPrivate: true, lookup }, retryBaseMs: 1 });
      if (done.succeeded === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(done.succeeded).toBe(1);
    expect(received).toBe(1);
  });

  it('WEBHOOK_ALLOW_PRIVATE=true is read from the environment', () => {
    expect(loadConfig({ ENCRYPTION_KEY: 'a'.repeat(64), WEBHOOK_ALLOW_PRIVATE: 'true' }).webhooks.allowPrivate).toBe(
      true,
    );
    expect(config.webhooks.allowPrivate).toBe(false);
  });
});
