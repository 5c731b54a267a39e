#!/usr/bin/env node
// Run by `npm install` (postinstall). Mends a known bug in a dependency until upstream ships the fix, and
// says what it did. Idempotent; when the code it expects is not there (a newer version changed it), it
// leaves the file alone and says so, and test/integration/faults-database.test.ts shows whether the bug is back.
//
// postgres (postgres.js) 3.4.x: when the server goes away with a small write still buffered, `nextWrite`
// runs on the nulled socket and throws from a timer — an uncaughtException that takes the whole process
// down on a database restart (porsager/postgres#1154, #1208; fix proposed in #1168/#1209). The guard below
// rejects the pending query with CONNECTION_CLOSED instead, and teardown forgets the buffered write.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MARK = '/* cfo-agent: guarded nextWrite */';

const edits = [
  {
    from: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    to: `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  },
  {
    from: "      error(Errors.connection('CONNECTION_DESTROYED', options))\n\n    clearImmediate(nextWriteTimer)\n",
    to: "      error(Errors.connection('CONNECTION_DESTROYED', options))\n\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n",
  },
  {
    from: '    incomings = null\n    clearImmediate(nextWriteTimer)\n',
    to: '    incomings = null\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n',
  },
];

for (const rel of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
  const file = join(root, 'node_modules/postgres', rel);
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  if (text.includes(MARK)) continue;
  if (!edits.every((e) => text.includes(e.from))) {
    process.stderr.write(`patch-dependencies: postgres/${rel} is not the code this patch expects; left alone\n`);
    continue;
  }
  writeFileSync(
    file,
    edits.reduce((t, e) => t.replace(e.from, e.to), text),
  );
  process.stdout.write(`patch-dependencies: postgres/${rel}: nextWrite guarded against a closed socket\n`);
}
