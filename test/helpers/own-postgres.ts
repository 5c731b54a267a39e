/**
 * A PostgreSQL server of the test's own (initdb in a temporary directory, a free port), so a test can stop
 * and start it without disturbing anyone else's database. Uses the machine's PostgreSQL 15 binaries and
 * runs them as the `postgres` user (they refuse root).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli';

const BIN = '/usr/lib/postgresql/15/bin';

export const canRunOwnPostgres = existsSync(join(BIN, 'pg_ctl')) && userInfo().uid === 0;

export interface OwnPostgres {
  url: string;
  stop(): void;
  start(): void;
  close(): void;
}

function asPostgres(cmd: string) {
  execFileSync('su', ['postgres', '-c', cmd], { stdio: 'pipe' });
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync('/tmp/cfo-own-pg-');
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  const port = await freePort();
  const data = join(dir, 'data');
  asPostgres(`${BIN}/initdb -D ${data} -A trust -U postgres >/dev/null`);
  const start = () =>
    asPostgres(
      `${BIN}/pg_ctl -D ${data} -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off" -l ${dir}/log -w start >/dev/null`,
    );
  const stop = () => asPostgres(`${BIN}/pg_ctl -D ${data} -m fast -w stop >/dev/null`);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    close: () => {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
