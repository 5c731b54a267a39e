import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { needsReseal, openSecret as open, sealSecret as seal } from '../../src/auth/secrets';

const k1 = { key: randomBytes(32), keyId: 'k1' };
const k2 = { key: randomBytes(32), keyId: 'k2' };
const tokens = { access_token: 'eyJ.secret.value', refresh_token: 'r-123', expires_at: 1_800_000_000 };

describe('sealed credentials', () => {
  it('round-trip, with a fresh IV every time and nothing readable in the ciphertext', () => {
    const a = seal(tokens, k1, 'conn-1');
    const b = seal(tokens, k1, 'conn-1');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(Buffer.from(a.ciphertext, 'base64').toString('latin1')).not.toContain('secret');
    expect(open(a, [k1], 'conn-1')).toEqual(tokens);
  });

  it('refuse tampering, another record’s context and an unknown key id', () => {
    const a = seal(tokens, k1, 'conn-1');
    const raw = Buffer.from(a.ciphertext, 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => open({ ...a, ciphertext: raw.toString('base64') }, [k1], 'conn-1')).toThrow(/do not open/);
    expect(() => open(a, [k1], 'conn-2')).toThrow(/do not open/);
    expect(() => open(a, [k2], 'conn-1')).toThrow(/no encryption key with id k1/);
  });

  it('rotate: old values open with the previous key and are flagged for resealing', () => {
    const old = seal(tokens, k1);
    expect(open(old, [k2, k1])).toEqual(tokens);
    expect(needsReseal(old, k2)).toBe(true);
    expect(needsReseal(seal(tokens, k2), k2)).toBe(false);
  });
});
