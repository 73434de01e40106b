/**
 * The dashboard's static assets: the client bundle (dist/web/app.js from `npm run build`, or bundled
 * in memory with esbuild by scripts/build-web.mjs when running from source) and uPlot's stylesheet.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// src/interfaces/web/server and dist/interfaces/web/server are both four levels below the package root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const require = createRequire(import.meta.url);

let bundle: Promise<string> | null = null;

export function clientBundle(): Promise<string> {
  bundle ??= (async () => {
    const built = join(root, 'dist', 'web', 'app.js');
    if (existsSync(built) && !existsSync(join(root, 'src', 'interfaces', 'web', 'client', 'main.ts')))
      return readFileSync(built, 'utf8');
    const script = join(root, 'scripts', 'build-web.mjs');
    if (!existsSync(script)) {
      if (existsSync(built)) return readFileSync(built, 'utf8');
      throw new Error(`dashboard client missing: neither ${built} nor ${script} exists (run npm run build)`);
    }
    const mod = (await import(pathToFileURL(script).href)) as {
      buildWeb(o: { write: boolean }): Promise<string>;
    };
    return mod.buildWeb({ write: false });
  })();
  bundle.catch(() => (bundle = null));
  return bundle;
}

export function uplotCss(): string {
  return readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
}
