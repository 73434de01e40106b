/**
 * `convert_record_format` on a large record: 2,000 snapshots × 500 regions (json_compressed, our
 * writer's layout) into damo's json (~550 MB of text, past V8's ~512 MiB string limit that the
 * whole-file writer hit) and json_compressed, each in its own process, with wall time, CPU and peak
 * RSS (which should not grow with the record: it is written snapshot by snapshot). The anchor is a
 * process that only inflates the input, measured in the same run. CONVERT_BENCH_SIZE=SNAPSHOTSxREGIONS
 * changes the size. The record is generated once into $TMPDIR/damon-ts-bench-convert.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSynthetic } from '../tests/records/synthetic.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const program = join(root, 'dist', 'interfaces', 'cli', 'program.js');
const [snapshots, regions] = (process.env['CONVERT_BENCH_SIZE'] ?? '2000x500').split('x').map(Number) as [
  number,
  number,
];
const dir = join(tmpdir(), 'damon-ts-bench-convert');
mkdirSync(dir, { recursive: true });
const input = join(dir, `synthetic-${snapshots}x${regions}.data`);
if (!existsSync(input)) writeSynthetic(input, 'json_compressed', { seed: 1, snapshots, regions }, 1);

const USAGE = `
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write('\\nMAXRSS ' + u.maxRSS + ' CPU ' + (u.userCPUTime + u.systemCPUTime) + '\\n');
});`;
const CLI = `${USAGE}
const { runCli } = await import(${JSON.stringify(program)});
process.exitCode = await runCli(process.argv.slice(1));`;
const INFLATE = `${USAGE}
import { createReadStream } from 'node:fs';
import { createInflate } from 'node:zlib';
const file = createReadStream(process.argv[1], { highWaterMark: 1 << 20 });
for await (const c of file.pipe(createInflate({ chunkSize: 1 << 20 }))) void c;`;

function measure(script: string, args: string[]): { s: number; cpu: number; rss: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
    encoding: 'utf8',
  });
  const s = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const m = /MAXRSS (\d+) CPU (\d+)/.exec(r.stderr)!;
  return { s, cpu: Number(m[2]) / 1e6, rss: Number(m[1]) / 1024 };
}

const anchor = measure(INFLATE, [input]);
console.log(`input ${input}: ${(statSync(input).size / 2 ** 20).toFixed(1)} MiB`);
console.log(`inflate only (anchor): ${anchor.s.toFixed(2)} s wall, ${anchor.cpu.toFixed(2)} s CPU`);
for (const format of ['json', 'json_compressed']) {
  const out = join(dir, `out.${format}`);
  const m = measure(CLI, ['convert_record_format', '-i', input, '-o', out, '--output_type', format]);
  const size = statSync(out).size / 2 ** 20;
  console.log(
    `convert to ${format}: ${size.toFixed(0)} MiB written, ${m.s.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU ` +
      `(${(m.cpu / anchor.cpu).toFixed(1)}× the anchor), peak RSS ${m.rss.toFixed(0)} MiB`,
  );
  rmSync(out);
}
