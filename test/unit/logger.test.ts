import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger('trace', stream as never), text: () => lines.join('') };
}

const SECRETS = {
  apiKey: 'cfo_Zq8Kd02LmXyP4tR7vW1nB3cE',
  stripe: 'sk_live_51HbQ2xKf8sT0pL9mN3vR7wYc',
  webhook: 'whsec_8fJ2kL9mQ3rT6vW1yZ4bC7dE',
  anthropic: 'sk-ant-api03-Tq9Wm2Xk8Lp5Rz1Vb7Nc4Hd6',
  refresh: 'b7a1c9e2f4d8a3b6c1e9f2d7a4b8c3e1',
  jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
};

describe('logger', () => {
  it('never writes a known secret, whatever the shape it is logged in', () => {
    const { logger, text } = capture();
    logger.info({ headers: { authorization: `Bearer ${SECRETS.jwt}`, 'x-api-key': SECRETS.apiKey } }, 'request');
    logger.info(
      { connection: { tokenSet: { refresh_token: SECRETS.refresh, access_token: SECRETS.jwt } } },
      'token refreshed',
    );
    logger.info({ stripe: { secretKey: SECRETS.stripe, webhookSecret: SECRETS.webhook } }, 'stripe connected');
    logger.warn(`called Anthropic with ${SECRETS.anthropic} and key ${SECRETS.apiKey}`);
    logger.error({ err: new Error(`upstream rejected ${SECRETS.stripe}`) }, 'failed');
    logger.info(
      {
        list: [{ password: 'hunter2-hunter2' }],
        note: `Authorization: Basic ${Buffer.from('u:p4ssw0rd!').toString('base64')}`,
      },
      'x',
    );
    const out = text();
    for (const s of [...Object.values(SECRETS), 'hunter2-hunter2', Buffer.from('u:p4ssw0rd!').toString('base64')]) {
      expect(out).not.toContain(s);
    }
    // The surrounding information is still there.
    expect(out).toContain('token refreshed');
    expect(out).toContain('upstream rejected');
    expect(out).toContain('[redacted]');
  });

  it('keeps ordinary fields untouched', () => {
    const { logger, text } = capture();
    logger.info({ businessId: 'b1', transactions: 8300, description: 'Monthly retainer' }, 'loaded');
    const line = JSON.parse(text());
    expect(line).toMatchObject({
      level: 'info',
      businessId: 'b1',
      transactions: 8300,
      description: 'Monthly retainer',
      msg: 'loaded',
    });
  });
});
