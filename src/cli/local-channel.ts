/**
 * The embedded database belongs to one process. While `cfo serve` holds it, every other `cfo` command on the
 * machine runs inside the service instead: the command connects to a Unix socket in the data directory
 * (`DATA_DIR/cfo.sock`, mode 0600 in a 0700 directory: only the same user can open it) and sends its
 * arguments and working directory; the service runs the same command code with the database it already has,
 * and streams back stdout, stderr and the exit code. Standard input follows when the command reads it
 * (`cfo chat`, `cfo mcp`).
 *
 * The protocol is one JSON object per line. Client → service: `{"argv", "cwd", "errIsTTY"}` first, then
 * `{"stdin": text}`, `{"stdinEnd": true}`, `{"interrupt": true}`. Service → client: `{"out": text}`,
 * `{"err": text}`, `{"stdinWanted": true}`, and last `{"exit": code}`.
 */
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Writable } from 'node:stream';
import type { Command } from 'commander';
import { loadConfig } from '../config';
import type { Runtime } from '../runtime';
import type { Cli, GlobalOpts, Io } from './context';

export const SOCKET_NAME = 'cfo.sock';
/** Unix socket paths are limited to about 107 bytes. */
const MAX_SOCKET_PATH = 100;

/** The command should run in the service that holds the data directory: thrown to `main`, which forwards it. */
export class UseRunningService extends Error {
  constructor(
    readonly socketPath: string,
    readonly pid: number,
  ) {
    super(`the embedded database is held by process ${pid}`);
  }

  /** Throws when a service runs on the command's data directory (its lock names a live process, and its socket is there). */
  static ifRunning(cmd: Command): void {
    const g = cmd.optsWithGlobals<GlobalOpts>();
    const config = loadConfig(undefined, { overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl } });
    if (config.databaseUrl) return;
    const socket = join(config.dataDir, SOCKET_NAME);
    const pid = lockHolder(config.dataDir);
    if (pid && existsSync(socket)) throw new UseRunningService(socket, pid);
  }

  /** For a data directory found locked by `pid`: forward when that process serves the socket. */
  static forLockedDir(dataDir: string, pid: number): UseRunningService | null {
    const socket = join(dataDir, SOCKET_NAME);
    return existsSync(socket) ? new UseRunningService(socket, pid) : null;
  }
}

function lockHolder(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'cfo.lock'), 'utf8').trim());
    if (!pid || pid === process.pid) return null;
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 1 : null;
  }
}

type ToService =
  | { argv: string[]; cwd: string; errIsTTY: boolean }
  | { stdin: string }
  | { stdinEnd: true }
  | {
      interrupt: true;
    };
type FromService = { out: string } | { err: string } | { stdinWanted: true } | { exit: number };

/**
 * Serves the socket for the life of `cfo serve`. `run` is the CLI itself (the same commands, given this
 * process's database); it resolves to the exit code.
 */
export async function serveLocalChannel(
  rt: Runtime,
  service: { url: string; pid: number },
  run: (cli: Cli, argv: string[]) => Promise<number>,
): Promise<{ close(): Promise<void> }> {
  const path = join(rt.config.dataDir, SOCKET_NAME);
  if (path.length > MAX_SOCKET_PATH) {
    rt.logger.warn(
      { path },
      'the data directory path is too long for a socket: other `cfo` commands cannot reach this service while it runs',
    );
    return { close: async () => {} };
  }
  rmSync(path, { force: true }); // left by a process that died
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {}); // the other terminal went away: nothing to tell it
    handle(socket, rt, service, run).catch((err) => rt.logger.error({ err }, 'a forwarded cfo command failed'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
        rmSync(path, { force: true });
      }),
  };
}

async function handle(
  socket: Socket,
  rt: Runtime,
  service: { url: string; pid: number },
  run: (cli: Cli, argv: string[]) => Promise<number>,
): Promise<void> {
  const send = (m: FromService) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(m)}\n`);
  };
  const lines = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) return;
  const header = JSON.parse(first.value) as Extract<ToService, { argv: string[] }>;
  if (!Array.isArray(header.argv) || typeof header.cwd !== 'string') {
    send({ err: 'error: not a cfo command\n' });
    send({ exit: 2 });
    socket.end();
    return;
  }

  let stdin: PassThrough | undefined;
  const interrupts = new Set<() => void>();
  // The rest of what the client sends: its standard input (once asked for) and Ctrl-C.
  void (async () => {
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      const m = JSON.parse(next.value) as ToService;
      if ('stdin' in m) stdin?.write(Buffer.from(m.stdin, 'utf8'));
      else if ('stdinEnd' in m) stdin?.end();
      else if ('interrupt' in m) for (const stop of interrupts) stop();
    }
    stdin?.end();
  })().catch(() => stdin?.end());

  const io: Io = {
    out: (text) => send({ out: text }),
    err: (text) => send({ err: text }),
    errIsTTY: Boolean(header.errIsTTY),
    get stdin() {
      if (!stdin) {
        stdin = new PassThrough();
        send({ stdinWanted: true });
      }
      return stdin;
    },
    outStream: new Writable({
      write(chunk: Buffer | string, _enc, done) {
        send({ out: chunk.toString() });
        done();
      },
    }),
    cwd: header.cwd,
    exitCode: 0,
    onInterrupt(stop) {
      interrupts.add(stop);
      return () => interrupts.delete(stop);
    },
  };
  // Logged without arguments: they may hold keys.
  rt.logger.info(
    {
      command: header.argv
        .filter((a) => !a.startsWith('-'))
        .slice(0, 2)
        .join(' '),
    },
    'cfo command from another terminal',
  );
  const lent: Runtime = { ...rt, close: async () => {} };
  const code = await run({ io, runtime: async () => lent, service: { ...service, config: rt.config } }, header.argv);
  send({ exit: code });
  socket.end();
}

/** The client side: runs the command in the service and returns its exit code. */
export function forwardToService(target: UseRunningService, argv: string[]): Promise<number> {
  return new Promise<number>((resolve) => {
    const socket = createConnection(target.socketPath);
    let exit: number | undefined;
    const send = (m: ToService) => socket.write(`${JSON.stringify(m)}\n`);
    const onInterrupt = () => {
      if (exit === undefined) send({ interrupt: true });
    };
    process.on('SIGINT', onInterrupt);
    socket.on('connect', () => send({ argv, cwd: process.cwd(), errIsTTY: Boolean(process.stderr.isTTY) }));
    socket.on('error', (err) => {
      process.stderr.write(
        `error: the service (process ${target.pid}) holds the embedded database but did not answer on ${target.socketPath} (${(err as NodeJS.ErrnoException).code ?? err.message}). Stop it to run this command on its own.\n`,
      );
      exit = 1;
    });
    createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      const m = JSON.parse(line) as FromService;
      if ('out' in m) process.stdout.write(m.out);
      else if ('err' in m) process.stderr.write(m.err);
      else if ('exit' in m) exit = m.exit;
      else if ('stdinWanted' in m) {
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', (d: string) => send({ stdin: d }));
        process.stdin.on('end', () => send({ stdinEnd: true }));
      }
    });
    socket.on('close', () => {
      process.off('SIGINT', onInterrupt);
      process.stdin.pause();
      if (exit === undefined) {
        process.stderr.write(`error: the service (process ${target.pid}) stopped before the command finished.\n`);
        exit = 1;
      }
      resolve(exit);
    });
  });
}
