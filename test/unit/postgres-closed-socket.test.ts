/**
 * postgres.js 3.4.9 (pinned) with patches/postgres+3.4.9.patch, applied by `patch-package` at install: a query on
 * a connection whose server went away is rejected with CONNECTION_CLOSED. Unpatched, the write it buffers runs
 * from setImmediate on the nulled socket and throws an uncaught TypeError that ends the whole process
 * (porsager/postgres#1154, #1208; 3.4.10 still has it). No PostgreSQL needed: the "server" is a socket object
 * given through postgres.js's own `socket` option, which says hello and then closes between two queries of a
 * reserved connection. Run in a child process, so the crash it guards against would end that process, not the
 * test runner. (Checked against the unpatched package: it prints "uncaught: Cannot read properties of null".)
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';

const SCRIPT = `
import { EventEmitter } from 'node:events';
import postgres from 'postgres';

class ServerThatGoesAway extends EventEmitter {
  readyState = 'open';
  write(buf, cb) {
    // The startup message (protocol 3.0): AuthenticationOk, then ReadyForQuery twice (the second hands the
    // connection to the reserve call).
    if (buf.length >= 8 && buf.readInt32BE(4) === 196608) {
      const ok = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
      const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
      setImmediate(() => this.emit('data', Buffer.concat([ok, ready, ready])));
    }
    cb?.();
    return true;
  }
  setKeepAlive() {}
  end() { this.readyState = 'closed'; this.emit('close', false); }
  destroy() { this.end(); }
}

process.on('uncaughtException', (err) => {
  console.log('uncaught: ' + err.message);
  process.exit(2);
});
let server;
const sql = postgres({ socket: () => (server = new ServerThatGoesAway()), fetch_types: false, max: 1 });
const reserved = await sql.reserve();
server.readyState = 'closed';
server.emit('close', false);
try {
  await reserved\`select 1\`;
  console.log('answered');
} catch (err) {
  console.log('rejected: ' + err.code);
}
process.exit(0);
`;

describe('postgres.js when the server goes away', () => {
  it('rejects the next query with CONNECTION_CLOSED instead of crashing the process', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stdout.trim(), r.stderr).toBe('rejected: CONNECTION_CLOSED');
    expect(r.status).toBe(0);
  });
});
