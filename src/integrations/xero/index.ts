/** Xero for the rest of the service: what a sync, the connect routes and the jobs need, from the config. */
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import type { Logger } from '../../logger';
import { xeroSettings } from './client';
import type { SyncDeps } from './sync';

export function xeroConfigured(config: Config): boolean {
  return Boolean(config.xero.clientId && config.xero.clientSecret && config.xero.redirectUri);
}

/** Throws ConfigError naming the missing setting when Xero is not configured. */
export function xeroSyncDeps(config: Config, database: Database, logger: Logger): SyncDeps {
  return {
    database,
    settings: xeroSettings(config),
    keys: [{ key: config.encryption.key, keyId: config.encryption.keyId }],
    logger,
  };
}

export { completeXeroConnection, consentUrl, disconnectXero, signState, verifyState } from './connect';
export { processXeroEvents } from './events';
export { type SyncProgress, type SyncResult, syncXero } from './sync';
