/**
 * The `cfo` command tree, built for one run: in its own process, or inside `cfo serve` for a `cfo` in another
 * terminal (src/cli/local-channel.ts). Commander never exits the process itself: help, version and usage
 * errors come back as exit codes.
 */
import { randomUUID } from 'node:crypto';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, DomainError } from '../errors';
import { scrubString } from '../logger';
import { registerAccess } from './access';
import { registerBackup } from './backup';
import { registerBusinesses } from './businesses';
import type { Cli } from './context';
import { registerData } from './data';
import { UseRunningService } from './local-channel';
import { registerServe } from './serve';
import { registerTools } from './tools';

export const VERSION = '0.1.0';

export function buildProgram(cli: Cli): Command {
  const { io } = cli;
  // Settings made before the commands are added are inherited by them.
  const program = new Command()
    .name('cfo')
    .description('A conversational CFO for small businesses: local books, metrics and tools.')
    .option('--data-dir <dir>', 'embedded database directory (env DATA_DIR, default ./data)')
    .option('--database-url <url>', 'PostgreSQL connection URL (env DATABASE_URL); absent → embedded PGlite')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError();
  program.addOption(new Option('--version').hideHelp()).on('option:version', () => {
    io.out(`${VERSION}\n`);
    throw new CommanderError(0, 'cfo.version', VERSION);
  });
  registerServe(program, cli, runProgram);
  registerBusinesses(program, cli);
  registerTools(program, cli);
  registerAccess(program, cli);
  registerData(program, cli);
  registerBackup(program, cli);
  return program;
}

/**
 * Runs one command line (without `node cfo`) and resolves to its exit code, having printed any error as
 * `error: …`. A command that must run in the service holding the embedded database rejects with
 * UseRunningService for the caller to forward.
 */
export async function runProgram(cli: Cli, argv: string[]): Promise<number> {
  try {
    await buildProgram(cli).parseAsync(argv, { from: 'user' });
    return cli.io.exitCode;
  } catch (err) {
    if (err instanceof UseRunningService) throw err;
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError || err instanceof DomainError) cli.io.err(`error: ${scrubString(err.message)}\n`);
    else {
      const ref = randomUUID().slice(0, 8);
      cli.io.err(
        `error: internal error (ref ${ref}): ${scrubString(err instanceof Error ? err.message : String(err))}\n`,
      );
    }
    return 1;
  }
}
