#!/usr/bin/env node
// The `cfo` command, run from the TypeScript sources with no build step to remember.
//
// Loading ~200 TypeScript files through a loader hook costs seconds on every start, which every command
// (and `npm start`) would pay. So the sources are bundled once with esbuild (packages stay external) into
// node_modules/.cache/cfo-agent/, keyed by the sources' names, sizes and times: an edit rebuilds it on
// the next start (~0.2 s). `import.meta.url` keeps meaning each source file's own place. Should
// bundling fail, the sources run through tsx as they are.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src/cli.ts');

function sourceFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|mjs|js|json)$/.test(e.name)) out.push(p);
  }
  return out;
}

async function bundled() {
  const hash = createHash('sha256');
  for (const f of [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'tools'))].sort()) {
    const s = statSync(f);
    hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  hash.update(readFileSync(join(root, 'package-lock.json')));
  const dir = join(root, 'node_modules/.cache/cfo-agent');
  const out = join(dir, `cli-${hash.digest('hex').slice(0, 16)}.mjs`);
  if (existsSync(out)) return out;
  const { build } = await import('esbuild');
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await build({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
    plugins: [
      {
        // Each module's import.meta.url stays its own source file's URL (prompts, migrations, web assets).
        name: 'own-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.(ts|tsx)$/ }, (args) => {
            const text = readFileSync(args.path, 'utf8');
            return {
              contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
              loader: args.path.endsWith('x') ? 'tsx' : 'ts',
            };
          });
        },
      },
    ],
  });
  renameSync(tmp, out); // atomic: a process starting at the same moment sees the old file or the whole new one
  // Older bundles are dead weight; another process may be using one, which the OS keeps alive for it.
  for (const f of readdirSync(dir)) {
    if (f.startsWith('cli-') && f.endsWith('.mjs') && join(dir, f) !== out) rmSync(join(dir, f), { force: true });
  }
  return out;
}

let target;
try {
  target = await bundled();
} catch (err) {
  process.stderr.write(`cfo: could not bundle the sources (${err.message}); running them through tsx\n`);
  const { register } = await import('tsx/esm/api');
  register();
  target = entry;
}
await import(pathToFileURL(target).href);
