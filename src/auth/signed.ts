/**
 * Small signed, expiring tokens: `<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`, under a key derived
 * from ENCRYPTION_KEY per purpose, so a token made for one purpose (an OAuth state, a login link, a widget
 * session) never passes for another. They carry ids and expiry, never secrets; claims are readable.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SealingKey } from './secrets';

export interface SignedClaims {
  /** Random, so two tokens are never equal (one-time links record it). */
  nonce: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export type VerifyFailure = 'malformed' | 'signature' | 'purpose' | 'expired';

export class SignedTokenError extends Error {
  constructor(readonly reason: VerifyFailure) {
    super(`signed token: ${reason}`);
  }
}

const keyFor = (key: SealingKey, purpose: string) =>
  createHmac('sha256', key.key).update(`cfo-agent signed token v1: ${purpose}`).digest();

export function signToken<C extends object>(key: SealingKey, purpose: string, claims: C, ttlMs: number): string {
  const body = Buffer.from(
    JSON.stringify({ ...claims, purpose, nonce: randomBytes(12).toString('base64url'), exp: Date.now() + ttlMs }),
  ).toString('base64url');
  return `${body}.${createHmac('sha256', keyFor(key, purpose)).update(body).digest('base64url')}`;
}

/** The claims of a token this service signed for `purpose`, or a SignedTokenError saying why not. */
export function verifyToken<C extends object>(
  key: SealingKey,
  purpose: string,
  token: string | undefined,
  now = Date.now(),
): C & SignedClaims {
  const [body, sig, extra] = (token ?? '').split('.');
  if (!body || !sig || extra !== undefined) throw new SignedTokenError('malformed');
  const expected = createHmac('sha256', keyFor(key, purpose)).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    // Signed for another purpose is worth telling apart from forged (a better message for the person).
    throw new SignedTokenError(purposeOf(body) && purposeOf(body) !== purpose ? 'purpose' : 'signature');
  }
  let claims: C & SignedClaims & { purpose?: string };
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new SignedTokenError('malformed');
  }
  if (claims.purpose !== purpose) throw new SignedTokenError('purpose');
  if (typeof claims.exp !== 'number' || claims.exp < now) throw new SignedTokenError('expired');
  return claims;
}

function purposeOf(body: string): string | undefined {
  try {
    return (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { purpose?: string }).purpose;
  } catch {
    return undefined;
  }
}
