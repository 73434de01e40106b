/**
 * Runs the benchmarks under bench/ one after another, each in its own process so that one
 * benchmark's heap does not disturb the next. `npm run bench` runs all; `npm run bench -- core`
 * runs those whose file name contains "core".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

console.log(
  `# damon-ts benchmarks on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`,
);
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(here, f)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
if (files.length === 0) console.log('no benchmark matches', filters.join(' '));
process.exit(failed ? 1 : 0);
