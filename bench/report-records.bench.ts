/**
 * Report performance on a large record: 10,000 snapshots × 1,000 regions (json_compressed), and the
 * same at 2,500 and 5,000 snapshots to show whether memory grows with the number of snapshots.
 * Each report runs in its own process (the built CLI, output to /dev/null); wall time, CPU time and
 * peak RSS are measured per run. Records are generated once into $TMPDIR/damon-ts-bench-report and reused.
 * Then `report wss` on single snapshots of REPORT_BENCH_BIG regions (default 250000,1000000): the CPU
 * per region relative to the smallest size shows whether reading a big snapshot stays linear.
 *
 * The comparison with damo: damo itself cannot be installed here (no PyPI), so bench/damo-baseline.py,
 * a Python baseline that mimics damo's loading path (json.loads of the whole inflated file, region
 * objects through text_to_*, then damo's report loops; its output equals ours), runs on the same files
 * at REPORT_BENCH_PY_SIZES (default 2500; 10000 too when free memory allows it, judged from its peak
 * RSS at the smaller size). The speed-up is its CPU time over ours.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { freemem, loadavg, tmpdir } from 'node:os';
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

/** Sizes the Python baseline runs at; sizes above the first run only if its memory would fit. */
const PY_SIZES = (process.env['REPORT_BENCH_PY_SIZES'] ?? '2500,10000')
  .split(',')
  .filter(Boolean)
  .map(Number);
const baseline = join(root, 'bench', 'damo-baseline.py');

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

interface Measured {
  seconds: number;
  cpu: number;
  rssMiB: number;
}

function run(cmd: string, args: string[], what: string): Measured {
  const t = performance.now();
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr}`);
  const m = /MAXRSS (\d+) CPU (\d+)/.exec(r.stderr);
  return { seconds, cpu: m ? Number(m[2]) / 1e6 : NaN, rssMiB: m ? Number(m[1]) / 1024 : NaN };
}

function measure(args: string[]): Measured {
  const heap = HEAP_MB ? [`--max-old-space-size=${HEAP_MB}`] : [];
  return run(
    process.execPath,
    [...heap, '--input-type=module', '-e', WRAPPER, '--', ...args],
    args.join(' '),
  );
}

const REPORTS: { name: string; args: string[]; py: string }[] = [
  { name: 'report wss', args: ['report', 'wss'], py: 'wss' },
  { name: 'report heatmap --output raw', args: ['report', 'heatmap', '--output', 'raw'], py: 'heatmap' },
  { name: 'report access --raw_form', args: ['report', 'access', '--raw_form'], py: 'raw_form' },
];

const fixed = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : '-');

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(fmt(head));
  for (const r of rows) console.log(fmt(r));
}

const ours = new Map<string, Measured>();
const rows: string[][] = [];
for (const n of SIZES) {
  const file = recordFile(n);
  for (const r of REPORTS) {
    if (ONLY && !ONLY.some((o) => r.name.includes(o))) continue;
    const m = measure([...r.args, '-i', file]);
    ours.set(`${n} ${r.py}`, m);
    const usPer = (m.cpu * 1e6) / (n * REGIONS);
    rows.push([String(n), r.name, fixed(m.seconds, 2), fixed(m.cpu, 2), fixed(m.rssMiB, 0), fixed(usPer, 3)]);
    console.log(rows[rows.length - 1]!.join('\t'));
  }
}
console.log(
  `\ndamon-ts, ${HEAP_MB ? `V8 old space capped at ${HEAP_MB} MiB` : 'default V8 heap (RSS follows the GC, not the data)'}`,
);
table(['snapshots', 'command', 'wall s', 'CPU s', 'peak RSS MiB', 'CPU µs/region-snapshot'], rows);

// the Python baseline on the same files
const pyRows: string[][] = [];
const pyPeak = new Map<string, number>();
for (const n of PY_SIZES) {
  for (const r of REPORTS) {
    if (ONLY && !ONLY.some((o) => r.name.includes(o))) continue;
    const smaller = [...pyPeak.entries()].find(([k]) => k.endsWith(` ${r.py}`));
    if (smaller) {
      const [k, rss] = smaller;
      const need = (rss * n) / Number(k.split(' ')[0]);
      if (need * 1.5 > freemem() / 2 ** 20) {
        pyRows.push([String(n), r.name, 'skipped', '-', `~${need.toFixed(0)} needed`, '-', '-']);
        console.log(`baseline ${r.py} at ${n} skipped: needs about ${need.toFixed(0)} MiB`);
        continue;
      }
    }
    const m = run('python3', [baseline, r.py, recordFile(n)], `damo-baseline.py ${r.py}`);
    pyPeak.set(`${n} ${r.py}`, m.rssMiB);
    const o = ours.get(`${n} ${r.py}`) ?? measure([...r.args, '-i', recordFile(n)]);
    pyRows.push([
      String(n),
      r.name,
      fixed(m.seconds, 1),
      fixed(m.cpu, 1),
      fixed(m.rssMiB, 0),
      fixed(o.cpu, 2),
      fixed(m.cpu / o.cpu, 1),
    ]);
    console.log(pyRows[pyRows.length - 1]!.join('\t'));
  }
}
if (pyRows.length) {
  console.log(
    '\nPython baseline mimicking damo (bench/damo-baseline.py, not damo itself) vs damon-ts, same file',
  );
  table(
    ['snapshots', 'command', 'py wall s', 'py CPU s', 'py peak RSS MiB', 'ours CPU s', 'speed-up (CPU)'],
    pyRows,
  );
}
// one big snapshot: the reader's time must grow linearly with the regions of a snapshot (a snapshot
// spanning many read chunks was decoded again from its start at every chunk: quadratic)
const BIG = (process.env['REPORT_BENCH_BIG'] ?? '250000,1000000').split(',').filter(Boolean).map(Number);
const bigRows: string[][] = [];
let anchor: { n: number; cpu: number } | null = null;
for (const n of BIG) {
  const path = join(dir, `synthetic-2x${n}.data`);
  if (!existsSync(path)) writeSynthetic(path, 'json_compressed', { seed: 1, snapshots: 2, regions: n }, 1);
  const m = measure(['report', 'wss', '--exclude_samples', '0', '-i', path]);
  anchor ??= { n, cpu: m.cpu };
  const ratio = m.cpu / anchor.cpu / (n / anchor.n);
  bigRows.push([String(n), fixed(m.seconds, 2), fixed(m.cpu, 2), fixed(m.rssMiB, 0), fixed(ratio, 2)]);
  console.log(bigRows[bigRows.length - 1]!.join('\t'));
}
if (bigRows.length) {
  console.log("\nreport wss on 2 snapshots of N regions each (linear: CPU per region ≈ the first size's)");
  table(['regions', 'wall s', 'CPU s', 'peak RSS MiB', "CPU per region / first size's"], bigRows);
}
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (the machine is shared: CPU s is the steadier number); ${REGIONS} regions per snapshot`,
);
