/** A business's connections (Xero organisations, CSV sources), as the CLI and HTTP list them. */
import { asc, eq } from 'drizzle-orm';
import { type Db, withBusiness } from '../db/client';
import { integrationAccounts } from '../db/schema';

export async function listConnections(db: Db, businessId: string) {
  return withBusiness(db, businessId, (tx) =>
    tx
      .select({
        id: integrationAccounts.id,
        provider: integrationAccounts.provider,
        name: integrationAccounts.name,
        status: integrationAccounts.status,
        statusMessage: integrationAccounts.statusMessage,
        lastSyncedAt: integrationAccounts.lastSyncedAt,
      })
      .from(integrationAccounts)
      .where(eq(integrationAccounts.businessId, businessId))
      .orderBy(asc(integrationAccounts.provider), asc(integrationAccounts.name)),
  );
}
