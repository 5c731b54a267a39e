/** What the access routes show of a business and its members (src/http/access.ts and its parts). */
import { z } from '@hono/zod-openapi';
import { ROLES } from '../auth/permissions';
import type { ApiEnv } from './auth';

export const Role = z.enum(ROLES);

export const BusinessView = z.object({
  id: z.string(),
  name: z.string(),
  baseCurrency: z.string(),
  timezone: z.string(),
  fyEndMonth: z.number().int(),
  allowedOrigins: z.array(z.string()),
  isDemo: z.boolean(),
});

export const MemberView = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: Role,
  since: z.string(),
});

export const businessView = (b: ApiEnv['Variables']['business']) => ({
  id: b.id,
  name: b.name,
  baseCurrency: b.baseCurrency,
  timezone: b.timezone,
  fyEndMonth: b.fyEndMonth,
  allowedOrigins: b.allowedOrigins,
  isDemo: b.isDemo,
});
