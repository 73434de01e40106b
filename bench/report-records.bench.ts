/**
 * Report performance on a large record: 10,000 snapshots × 1,000 regions (json_compressed), and the
 * same at 2,500 and 5,000 snapshots to show whether memory grows with the number of snapshots.
 * Each report runs in its own process (the built CLI, output to /dev/null); wall time and peak RSS
 * are measured per run. Records are generated once into $TMPDIR/damon-ts-bench-report and reused.
 *
 * damo (Python) cannot be installed here, so the comparison is with damo's own timings in
 * damo-report-math.md §9 on damon.data (543 snapshots × ~18 regions ≈ 9,774 region-snapshots),
 * scaled per region-snapshot. That is the comparison made; it is not a run of damo on this file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSynthetic } from '../tests/records/synthetic.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const program = join(root, 'dist', 'interfaces', 'cli', 'program.js');
const REGIONS = 1000;
const SIZES = (process.env['REPORT_BENCH_SIZES'] ?? '2500,5000,10000').split(',').map(Number);
/** REPORT_BENCH_HEAP_MB=48 caps V8's old space: a report that completes shows memory that does not grow. */
const HEAP_MB = process.env['REPORT_BENCH_HEAP_MB'];
/** REPORT_BENCH_ONLY=wss,raw_form runs a subset. */
const ONLY = process.env['REPORT_BENCH_ONLY']?.split(',');
const dir = join(tmpdir(), 'damon-ts-bench-report');
mkdirSync(dir, { recursive: true });

/** damo's wall times from damo-report-math.md §9 (seconds on damon.data, ~0.3 s of it Python start-up). */
const DAMO = { regionSnapshots: 543 * 18, startup: 0.3, wss: 0.33, heatmapRaw: 1.2, rawForm: 0.37 };

function recordFile(n: number): string {
  const path = join(dir, `synthetic-${n}x${REGIONS}.data`);
  if (!existsSync(path)) {
    const t = performance.now();
    writeSynthetic(path, 'json_compressed', { seed: 1, snapshots: n, regions: REGIONS }, 1);
    console.log(
      `generated ${path} (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  }
  return path;
}

const WRAPPER = `
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write('\\nMAXRSS ' + u.maxRSS + ' CPU ' + (u.userCPUTime + u.systemCPUTime) + '\\n');
});
const { runCli } = await import(${JSON.stringify(program)});
process.exitCode = await runCli(process.argv.slice(1));
`;

function measure(args: string[]): { seconds: number; cpu: number; rssMiB: number } {
  const t = performance.now();
  const heap = HEAP_MB ? [`--max-old-space-size=${HEAP_MB}`] : [];
  const r = spawnSync(process.execPath, [...heap, '--input-type=module', '-e', WRAPPER, '--', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const m = /MAXRSS (\d+) CPU (\d+)/.exec(r.stderr);
  return { seconds, cpu: m ? Number(m[2]) / 1e6 : NaN, rssMiB: m ? Number(m[1]) / 1024 : NaN };
}

const REPORTS: { name: string; args: string[]; damo: number }[] = [
  { name: 'report wss', args: ['report', 'wss'], damo: DAMO.wss },
  {
    name: 'report heatmap --output raw',
    args: ['report', 'heatmap', '--output', 'raw'],
    damo: DAMO.heatmapRaw,
  },
  { name: 'report access --raw_form', args: ['report', 'access', '--raw_form'], damo: DAMO.rawForm },
];

const rows: string[][] = [];
for (const n of SIZES) {
  const file = recordFile(n);
  for (const r of REPORTS) {
    if (ONLY && !ONLY.some((o) => r.name.includes(o))) continue;
    const m = measure([...r.args, '-i', file]);
    const rs = n * REGIONS;
    const usPer = (m.seconds * 1e6) / rs;
    const damoPer = ((r.damo - DAMO.startup) * 1e6) / DAMO.regionSnapshots;
    rows.push([
      String(n),
      r.name,
      m.seconds.toFixed(2),
      m.cpu.toFixed(2),
      m.rssMiB.toFixed(0),
      usPer.toFixed(3),
      damoPer.toFixed(2),
      (damoPer / usPer).toFixed(1),
    ]);
    console.log(rows[rows.length - 1]!.join('\t'));
  }
}
const head = [
  'snapshots',
  'command',
  'wall s',
  'CPU s',
  'peak RSS MiB',
  'µs/region-snapshot',
  'damo µs/r-s (§9, w/o start-up)',
  'speed-up',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const fmt = (r: string[]) =>
  r.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(
  `\n${HEAP_MB ? `V8 old space capped at ${HEAP_MB} MiB` : 'default V8 heap (RSS follows the GC, not the data)'}`,
);
console.log(fmt(head));
for (const r of rows) console.log(fmt(r));
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (the machine is shared: CPU s is the steadier number)`,
);
console.log(
  `${REGIONS} regions per snapshot; µs/region-snapshot uses wall time; damo numbers are per region-snapshot of damon.data (${DAMO.regionSnapshots}), not runs on these files.`,
);
