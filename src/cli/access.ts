/** `cfo keys`, `cfo users` and `cfo open`: who may reach the books, and the dashboard's sign-in link. */
import type { Command } from 'commander';
import { createApiKey, type KeyScope, listApiKeys, parseExpiry, revokeApiKey } from '../auth/api-keys';
import { addMember, listMembers, memberByEmail, removeMember } from '../auth/members';
import { loginLink } from '../auth/sessions';
import { loadConfig } from '../config';
import { isUuid, withBusiness } from '../db/client';
import { InvalidInputError, NotFoundError } from '../errors';
import { CLI_ACTOR, type Cli, type GlobalOpts, pickBusiness, printList } from './context';
import { UseRunningService } from './local-channel';

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

export function registerAccess(program: Command, cli: Cli): void {
  const { io } = cli;
  const keys = program.command('keys').description('API keys for HTTP and MCP callers');

  keys
    .command('create')
    .description('create an API key and print it once')
    .option('--business <id>', 'business id (default: the only one)')
    .option('--scopes <list>', 'comma-separated: read, write, admin', 'read')
    .option('--name <name>', 'a label to recognise the key by', 'API key')
    .option('--expires <duration>', 'e.g. 90d, 12h; default never')
    .option('--user <email>', 'a member the key acts for: it never does more than their role allows')
    .action(
      async (
        opts: { business?: string; scopes: string; name: string; expires?: string; user?: string },
        cmd: Command,
      ) => {
        const expiresAt = parseExpiry(opts.expires);
        const rt = await cli.runtime(cmd, { toStderr: true });
        try {
          const business = await pickBusiness(rt, opts.business);
          const scopes = opts.scopes
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean) as KeyScope[];
          let createdByUserId: string | null = null;
          if (opts.user) {
            const m = await withBusiness(rt.database.db, business.id, (tx) =>
              memberByEmail(tx, business.id, opts.user!),
            );
            if (!m)
              throw new NotFoundError(
                `${opts.user} is not a member of ${business.name}; add them with \`cfo users add\`.`,
              );
            createdByUserId = m.userId;
          }
          const k = await createApiKey(rt.database.db, {
            businessId: business.id,
            name: opts.name,
            scopes,
            expiresAt,
            createdByUserId,
          });
          io.out(`${k.key}\n`);
          io.err(
            `Key ${k.prefix}… for ${business.name} (${k.scopes.join(', ')}${opts.user ? `, acting for ${opts.user}` : ''}${k.expiresAt ? `, expires ${k.expiresAt.toISOString()}` : ''}). It is shown only now: store it safely.\n`,
          );
        } finally {
          await rt.close();
        }
      },
    );

  keys
    .command('list')
    .description('list the API keys of a business (prefixes only)')
    .option('--business <id>', 'business id (default: the only one)')
    .option('--json', 'print JSON')
    .action(async (opts: { business?: string; json?: boolean }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const business = await pickBusiness(rt, opts.business);
        const rows = await listApiKeys(rt.database.db, business.id);
        printList(io, rows, {
          json: opts.json,
          empty: 'No API keys yet. Create one with `cfo keys create --scopes read --name NAME`.',
          head: ['ID', 'NAME', 'KEY', 'SCOPES', 'CREATED', 'EXPIRES', 'LAST USED', 'STATUS'],
          row: (k) => [
            k.id,
            k.name,
            `${k.prefix}…`,
            k.scopes.join(','),
            day(k.createdAt),
            day(k.expiresAt),
            day(k.lastUsedAt),
            k.revokedAt
              ? `revoked ${day(k.revokedAt)}`
              : k.expiresAt && k.expiresAt < new Date().toISOString()
                ? 'expired'
                : 'active',
          ],
        });
      } finally {
        await rt.close();
      }
    });

  keys
    .command('revoke')
    .description('revoke an API key (it stops working at once)')
    .argument('<key-id>', 'the key id from `cfo keys list`')
    .option('--business <id>', 'business id (default: the only one)')
    .action(async (keyId: string, opts: { business?: string }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const business = await pickBusiness(rt, opts.business);
        await revokeApiKey(rt.database.db, business.id, keyId);
        io.out(`revoked ${keyId}\n`);
      } finally {
        await rt.close();
      }
    });

  const users = program.command('users').description('people in a business and their roles');

  users
    .command('add')
    .description('add a person with a role (or change the role of one already in): viewer, accountant, admin, owner')
    .argument('<email>', 'their email address')
    .requiredOption('--role <role>', 'viewer, accountant, admin or owner')
    .option('--name <name>', 'their name')
    .option('--business <id>', 'business id (default: the only one)')
    .action(async (email: string, opts: { role: string; name?: string; business?: string }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const business = await pickBusiness(rt, opts.business);
        const m = await addMember(rt.database.db, business.id, { email, name: opts.name, role: opts.role }, CLI_ACTOR);
        io.out(`${m.userId}\n`);
        io.err(`${m.email} is ${m.role} of ${business.name}.\n`);
      } finally {
        await rt.close();
      }
    });

  users
    .command('list')
    .description('the members of a business')
    .option('--business <id>', 'business id (default: the only one)')
    .option('--json', 'print JSON')
    .action(async (opts: { business?: string; json?: boolean }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const business = await pickBusiness(rt, opts.business);
        const members = await withBusiness(rt.database.db, business.id, (tx) => listMembers(tx, business.id));
        printList(io, members, {
          json: opts.json,
          empty: 'No members yet. Add one with `cfo users add EMAIL --role owner`.',
          head: ['EMAIL', 'NAME', 'ROLE', 'SINCE'],
          row: (m) => [m.email, m.name ?? '', m.role, day(m.since)],
        });
      } finally {
        await rt.close();
      }
    });

  users
    .command('remove')
    .description('remove a person from a business (their sessions and keys stop working)')
    .argument('<email>', 'their email address')
    .option('--business <id>', 'business id (default: the only one)')
    .action(async (email: string, opts: { business?: string }, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const business = await pickBusiness(rt, opts.business);
        await withBusiness(rt.database.db, business.id, async (tx) => {
          const m = await memberByEmail(tx, business.id, email);
          if (!m) throw new NotFoundError(`${email} is not a member of ${business.name}.`);
          await removeMember(tx, business.id, m.userId, CLI_ACTOR);
        });
        io.out(`removed ${email}\n`);
      } finally {
        await rt.close();
      }
    });

  program
    .command('open')
    .description('print a one-time link (15 minutes) that signs you in to the dashboard of the running service')
    .option('--business <id>', 'business id (default: the only one)')
    .option('--user <email>', 'sign in as this member (default: the first owner)')
    .option('--url <url>', 'where the service is reached (default: the running service, PUBLIC_URL or localhost:PORT)')
    .action((opts: { business?: string; user?: string; url?: string }, cmd: Command) => {
      // Only the configuration: the link needs no database. A service running on this data directory knows
      // the address it answers on, so it makes the link.
      if (!opts.url && !cli.service) UseRunningService.ifRunning(cmd);
      const g = cmd.optsWithGlobals<GlobalOpts>();
      const config =
        cli.service?.config ??
        loadConfig(undefined, { overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl } });
      if (opts.business && !isUuid(opts.business))
        throw new InvalidInputError(`--business: "${opts.business}" is not a business id (see \`cfo business list\`).`);
      const link = loginLink(
        { key: config.encryption.key, keyId: config.encryption.keyId },
        opts.url ?? cli.service?.url ?? config.http.publicUrl,
        {
          ...(opts.business ? { businessId: opts.business } : {}),
          ...(opts.user ? { email: opts.user } : {}),
        },
      );
      io.out(`${link}\n`);
      io.err(
        cli.service
          ? 'Open it within 15 minutes; it works once.\n'
          : 'Open it within 15 minutes, with the service running; it works once.\n',
      );
    });
}
