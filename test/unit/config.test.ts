import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';

const KEY = 'ab'.repeat(32);
const dataDir = () => mkdtempSync(join(tmpdir(), 'cfo-config-'));

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ DATA_DIR: dataDir(), ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('defaults to embedded PGlite in ./data on port 3000', () => {
    const c = loadConfig({ DATA_DIR: dataDir() });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.port).toBe(3000);
    expect(c.xero.apiBaseUrl).toBe('https://api.xero.com');
    expect(c.xero.identityBaseUrl).toBe('https://identity.xero.com');
  });

  it('names the variable when ENCRYPTION_KEY is missing with DATABASE_URL', () => {
    const e = errorOf({ DATABASE_URL: 'postgres://u@localhost/db' });
    expect(e.variable).toBe('ENCRYPTION_KEY');
    expect(e.message).toMatch(/^ENCRYPTION_KEY: required when DATABASE_URL is set/);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x/y', ENCRYPTION_KEY: KEY }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ENCRYPTION_KEY: 'too-short' }, 'ENCRYPTION_KEY'],
    [{ XERO_API_BASE_URL: 'not a url' }, 'XERO_API_BASE_URL'],
    [{ STRIPE_API_BASE_URL: 'ftp://stripe' }, 'STRIPE_API_BASE_URL'],
    [{ ANTHROPIC_BASE_URL: '::' }, 'ANTHROPIC_BASE_URL'],
  ])('rejects %o naming %s', (env, name) => {
    const e = errorOf(env as Record<string, string>);
    expect(e.variable).toBe(name);
    expect(e.message.startsWith(`${name}:`)).toBe(true);
  });

  it('accepts a 32-byte key as hex or base64, and they get the same key id', () => {
    const hex = loadConfig({ DATA_DIR: dataDir(), ENCRYPTION_KEY: KEY });
    const b64 = loadConfig({ DATA_DIR: dataDir(), ENCRYPTION_KEY: Buffer.from(KEY, 'hex').toString('base64') });
    expect(hex.encryption.key.equals(b64.encryption.key)).toBe(true);
    expect(hex.encryption.keyId).toBe(b64.encryption.keyId);
    expect(hex.encryption.keyId).not.toContain(KEY.slice(0, 8));
  });

  it('generates the embedded key once, mode 0600, and reuses it', () => {
    const dir = dataDir();
    const seen: string[] = [];
    const first = loadConfig({ DATA_DIR: dir }, { onGeneratedKey: (p) => seen.push(p) });
    const second = loadConfig({ DATA_DIR: dir }, { onGeneratedKey: (p) => seen.push(p) });
    expect(seen).toEqual([join(dir, 'encryption.key')]);
    expect(first.encryption.generated).toBe(true);
    expect(second.encryption.generated).toBe(false);
    expect(second.encryption.key.equals(first.encryption.key)).toBe(true);
    expect(statSync(join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'encryption.key'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets CLI flags override the environment', () => {
    const c = loadConfig({ DATA_DIR: dataDir(), PORT: '4000' }, { overrides: { PORT: '5000' } });
    expect(c.port).toBe(5000);
  });

  it('treats empty variables as unset', () => {
    const c = loadConfig({ DATA_DIR: dataDir(), DATABASE_URL: '', ANTHROPIC_API_KEY: '' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.anthropic.apiKey).toBeUndefined();
  });
});
