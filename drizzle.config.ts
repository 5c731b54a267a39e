import { defineConfig } from 'drizzle-kit';

// Only used to generate migrations (`npm run db:generate`); they are applied by drizzle's
// programmatic migrator at start-up and by `cfo migrate` (see src/db/migrate.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
