/** A tool context for tests: Demo Co's shape, read scope as the system, silent logs, a pinned today. */
import type { Db } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import type { ToolContext } from '../../tools';

export function demoToolContext(
  db: Db,
  businessId: string,
  today: string,
  over: Partial<ToolContext> = {},
): ToolContext {
  return {
    db,
    business: { id: businessId, name: 'Demo Co', baseCurrency: 'USD' },
    caller: { type: 'system', scopes: ['read'] },
    channel: 'cli',
    today: () => today,
    logger: createLogger('silent'),
    ...over,
  };
}
