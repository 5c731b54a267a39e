/**
 * Credentials at rest (OAuth tokens, API keys of connected services): AES-256-GCM with a fresh 96-bit IV per
 * value, stored as base64(iv | tag | ciphertext) next to the id of the key that sealed it. Rotation: set
 * the new ENCRYPTION_KEY and pass the old one in `previous`; values sealed with it still open, and
 * `needsReseal` says which ones to write again under the new key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SealingKey {
  key: Buffer;
  keyId: string;
}

export interface Sealed {
  ciphertext: string;
  keyId: string;
}

export class SecretError extends Error {}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function sealSecret(value: unknown, k: SealingKey, context = ''): Sealed {
  if (k.key.length !== 32) throw new SecretError('the encryption key must be 32 bytes');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  // The context (e.g. the connection's id) is authenticated: a value copied to another row will not open.
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), keyId: k.keyId };
}

export function openSecret<T = unknown>(sealed: Sealed, keys: SealingKey[], context = ''): T {
  const k = keys.find((x) => x.keyId === sealed.keyId);
  if (!k)
    throw new SecretError(
      `no encryption key with id ${sealed.keyId} (was ENCRYPTION_KEY changed without keeping the old one?)`,
    );
  const raw = Buffer.from(sealed.ciphertext, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretError('the stored credentials are damaged');
  const decipher = createDecipheriv('aes-256-gcm', k.key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
    return JSON.parse(text) as T;
  } catch {
    throw new SecretError('the stored credentials do not open with this key (tampered, or sealed for another record)');
  }
}

export const needsReseal = (sealed: Sealed, current: SealingKey) => sealed.keyId !== current.keyId;
