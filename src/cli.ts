/**
 * `cfo`: the operator's command. Every command takes `--data-dir` / DATA_DIR and `--database-url`
 * / DATABASE_URL exactly like the server, and exits 1 with a readable message on failure. While `cfo serve`
 * holds the embedded database, commands run inside it (src/cli/local-channel.ts). The commands are in
 * src/cli/, one file per group.
 */
import { openForCommand, processIo } from './cli/context';
import { forwardToService, UseRunningService } from './cli/local-channel';
import { runProgram } from './cli/program';

// A reader that goes away (`cfo tool | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const argv = process.argv.slice(2);
try {
  process.exitCode = await runProgram({ io: processIo(), runtime: openForCommand }, argv);
} catch (err) {
  if (!(err instanceof UseRunningService)) throw err;
  process.exit(await forwardToService(err, argv));
}
