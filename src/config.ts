/**
 * The only module that reads `process.env`. Everything the service can be configured with is in
 * `EnvSchema`; `loadConfig()` parses it once at start-up and the result is passed down explicitly.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional())
  .optional();

/** Every environment variable the service reads. Documented in README.md ("Configuration"). */
export const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional())
    .optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  PORT: z.coerce
    .number({ error: 'must be a port number (0–65535)' })
    .int({ error: 'must be a port number (0–65535)' })
    .min(0)
    .max(65535)
    .default(3000),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ENCRYPTION_KEY: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalUrl,
  ANTHROPIC_MODEL: optionalString,
  XERO_CLIENT_ID: optionalString,
  XERO_CLIENT_SECRET: optionalString,
  XERO_REDIRECT_URI: optionalUrl,
  XERO_WEBHOOK_KEY: optionalString,
  XERO_API_BASE_URL: optionalUrl.default('https://api.xero.com'),
  XERO_IDENTITY_BASE_URL: optionalUrl.default('https://identity.xero.com'),
  XERO_SYNC_INTERVAL_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes (5–1440)' })
    .int({ error: 'must be a whole number of minutes (5–1440)' })
    .min(5, { error: 'must be at least 5 minutes' })
    .max(1440, { error: 'must be at most 1440 minutes (a day)' })
    .default(30),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_BASE_URL: optionalUrl,
  PUBLIC_URL: optionalUrl,
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ error: 'must be a whole number of requests per minute (1–1000000)' })
    .int({ error: 'must be a whole number of requests per minute (1–1000000)' })
    .min(1)
    .max(1_000_000)
    .default(600),
  SESSION_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ error: 'must be a whole number of requests per minute (1–1000000)' })
    .int({ error: 'must be a whole number of requests per minute (1–1000000)' })
    .min(1)
    .max(1_000_000)
    .default(120),
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  EMBEDDINGS_URL: optionalUrl,
  EMBEDDINGS_API_KEY: optionalString,
  EMBEDDINGS_MODEL: optionalString,
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  /** Absent: embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** 32-byte key for AES-256-GCM encryption of stored credentials, with an id for rotation. */
  encryption: { key: Buffer; keyId: string; generated: boolean };
  anthropic: { apiKey: string | undefined; baseUrl: string | undefined; model: string | undefined };
  /** An OpenAI-compatible or Voyage embeddings endpoint for categorization; absent: the local embedder. */
  embeddings: { url: string; apiKey: string; model: string } | undefined;
  xero: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    redirectUri: string | undefined;
    webhookKey: string | undefined;
    apiBaseUrl: string;
    identityBaseUrl: string;
    /** Incremental sync of every connection this often. */
    syncIntervalMinutes: number;
  };
  stripe: { secretKey: string | undefined; webhookSecret: string | undefined; apiBaseUrl: string | undefined };
  http: {
    /** Where people reach the service (links printed by `cfo open`); default http://localhost:PORT. */
    publicUrl: string;
    /** Believe X-Forwarded-For for the client's address (behind a reverse proxy). */
    trustProxy: boolean;
    /** Requests per minute for each API key, and for each browser session (widget or dashboard). */
    rateLimitPerMinute: number;
    sessionRateLimitPerMinute: number;
  };
  /** Outbound webhooks may reach private and loopback addresses (off: public internet only). */
  webhooks: { allowPrivate: boolean };
}

export interface LoadConfigOptions {
  /** Values from CLI flags; they win over the environment. */
  overrides?: Partial<Record<keyof z.infer<typeof EnvSchema>, string | undefined>>;
  /** Called once when an embedded-mode encryption key had to be generated. */
  onGeneratedKey?: (path: string) => void;
}

/**
 * Parse and validate the configuration. Throws `ConfigError` naming the first bad variable;
 * the CLI turns that into exit code 1.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  opts: LoadConfigOptions = {},
): Config {
  const merged: Record<string, string | undefined> = { ...env };
  for (const [k, v] of Object.entries(opts.overrides ?? {})) if (v !== undefined) merged[k] = v;

  const parsed = EnvSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(name, `${name}: ${issue.message}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);

  let encryption: Config['encryption'];
  if (e.ENCRYPTION_KEY) {
    encryption = {
      key: parseKey('ENCRYPTION_KEY', e.ENCRYPTION_KEY),
      keyId: keyIdOf(e.ENCRYPTION_KEY),
      generated: false,
    };
  } else if (e.DATABASE_URL) {
    throw new ConfigError(
      'ENCRYPTION_KEY',
      'ENCRYPTION_KEY: required when DATABASE_URL is set (32 bytes as 64 hex characters or base64; generate one with `openssl rand -hex 32`)',
    );
  } else {
    encryption = embeddedKey(dataDir, opts.onGeneratedKey);
  }

  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    encryption,
    anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseUrl: e.ANTHROPIC_BASE_URL, model: e.ANTHROPIC_MODEL },
    embeddings: embeddingsConfig(e),
    xero: {
      clientId: e.XERO_CLIENT_ID,
      clientSecret: e.XERO_CLIENT_SECRET,
      redirectUri: e.XERO_REDIRECT_URI,
      webhookKey: e.XERO_WEBHOOK_KEY,
      apiBaseUrl: stripSlash(e.XERO_API_BASE_URL ?? 'https://api.xero.com'),
      identityBaseUrl: stripSlash(e.XERO_IDENTITY_BASE_URL ?? 'https://identity.xero.com'),
      syncIntervalMinutes: e.XERO_SYNC_INTERVAL_MINUTES,
    },
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiBaseUrl: e.STRIPE_API_BASE_URL,
    },
    http: {
      publicUrl: stripSlash(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`),
      trustProxy: e.TRUST_PROXY,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      sessionRateLimitPerMinute: e.SESSION_RATE_LIMIT_PER_MINUTE,
    },
    webhooks: { allowPrivate: e.WEBHOOK_ALLOW_PRIVATE },
  };
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Accepts 64 hex characters or base64 of exactly 32 bytes. */
function parseKey(name: string, raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(raw) && key.toString('base64') !== raw.replace(/\s/g, ''))) {
    throw new ConfigError(name, `${name}: must be 32 bytes, as 64 hex characters or base64`);
  }
  return key;
}

/** A short, non-secret fingerprint so ciphertexts record which key encrypted them. */
function keyIdOf(raw: string): string {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  // Not the key: a truncated SHA-256 of it, enough to tell keys apart during rotation.
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/** Embedded mode only: generate the key once into DATA_DIR (mode 0600) and reuse it afterwards. */
function embeddedKey(dataDir: string, onGenerated?: (path: string) => void): Config['encryption'] {
  const path = join(dataDir, 'encryption.key');
  if (existsSync(path)) {
    const raw = readFileSync(path, 'utf8').trim();
    return { key: parseKey(`ENCRYPTION_KEY (from ${path})`, raw), keyId: keyIdOf(raw), generated: false };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const raw = randomBytes(32).toString('hex');
  writeFileSync(path, `${raw}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  onGenerated?.(path);
  return { key: Buffer.from(raw, 'hex'), keyId: keyIdOf(raw), generated: true };
}

function embeddingsConfig(e: z.infer<typeof EnvSchema>): Config['embeddings'] {
  if (!e.EMBEDDINGS_URL) {
    if (e.EMBEDDINGS_MODEL || e.EMBEDDINGS_API_KEY)
      throw new ConfigError(
        'EMBEDDINGS_URL',
        'EMBEDDINGS_URL: required with EMBEDDINGS_MODEL or EMBEDDINGS_API_KEY (the endpoint, e.g. https://api.openai.com/v1/embeddings).',
      );
    return undefined;
  }
  for (const [name, value] of [
    ['EMBEDDINGS_MODEL', e.EMBEDDINGS_MODEL],
    ['EMBEDDINGS_API_KEY', e.EMBEDDINGS_API_KEY],
  ] as const)
    if (!value) throw new ConfigError(name, `${name}: required with EMBEDDINGS_URL.`);
  return { url: e.EMBEDDINGS_URL, apiKey: e.EMBEDDINGS_API_KEY!, model: e.EMBEDDINGS_MODEL! };
}
