// Bundles the dashboard client (src/interfaces/web/client/main.ts, uPlot included) into
// dist/web/app.js with esbuild's JS API. `node scripts/build-web.mjs` writes the file; the server
// imports buildWeb({ write: false }) to bundle in memory when dist/web/app.js is absent (development).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_BUNDLE = join(root, 'dist', 'web', 'app.js');

/** @param {{ write?: boolean }} [o] @returns {Promise<string>} the bundle's JavaScript */
export async function buildWeb(o = {}) {
  const write = o.write ?? true;
  const r = await build({
    entryPoints: [join(root, 'src', 'interfaces', 'web', 'client', 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    outfile: WEB_BUNDLE,
    write,
    logLevel: 'silent',
  });
  if (write) return '';
  const js = r.outputFiles.find((f) => f.path.endsWith('.js'));
  if (!js) throw new Error('build-web: esbuild produced no JavaScript');
  return js.text;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb({ write: true });
  console.log(`build-web: wrote ${WEB_BUNDLE}`);
}
