/**
 * The browser code (the chat widget and the dashboard, TypeScript + Preact under src/http/web/) bundled
 * with esbuild when first asked for, then kept in memory for the life of the process. No build step to
 * forget, and an edit shows on the next start.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('./web/', import.meta.url));

export interface Asset {
  body: string;
  type: string;
  etag: string;
}

const cache = new Map<string, Promise<Asset>>();

async function bundle(entry: string): Promise<Asset> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [`${WEB}${entry}`],
    bundle: true,
    write: false,
    format: 'iife',
    // The browser platform with minify makes esbuild replace NODE_ENV checks (Preact's) with "production".
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const body = out.outputFiles[0]!.text;
  return { body, type: 'text/javascript; charset=utf-8', etag: `"${out.outputFiles[0]!.hash}"` };
}

function file(path: string, type: string): Asset {
  const body = readFileSync(path, 'utf8');
  return { body, type, etag: `"${body.length.toString(36)}"` };
}

const require = createRequire(import.meta.url);
const SOURCES: Record<string, () => Promise<Asset> | Asset> = {
  'widget.js': () => bundle('widget/index.tsx'),
  'dashboard.js': () => bundle('dashboard/index.tsx'),
  'dashboard.css': () => {
    const own = readFileSync(`${WEB}dashboard/dashboard.css`, 'utf8');
    const uplot = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    const body = `${uplot}\n${own}`;
    return { body, type: 'text/css; charset=utf-8', etag: `"${body.length.toString(36)}"` };
  },
  'swagger-ui.css': () => file(require.resolve('swagger-ui-dist/swagger-ui.css'), 'text/css; charset=utf-8'),
  'swagger-ui-bundle.js': () =>
    file(require.resolve('swagger-ui-dist/swagger-ui-bundle.js'), 'text/javascript; charset=utf-8'),
};

export const ASSET_NAMES = Object.keys(SOURCES);

/** The asset, built once; a failed build is not cached, so the next request tries again. */
export function asset(name: string): Promise<Asset> | undefined {
  const make = SOURCES[name];
  if (!make) return undefined;
  let p = cache.get(name);
  if (!p) {
    p = Promise.resolve(make());
    cache.set(name, p);
    p.catch(() => cache.delete(name));
  }
  return p;
}
