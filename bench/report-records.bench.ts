/**
 * Report performance on large records, each report in its own process (the built CLI, output to a file),
 * with wall time, CPU time (user + sys of the whole process, worker threads included) and peak RSS.
 *
 * 1. Against damo 3.3 itself (python3 ../shared/reference/damo/src/damo.py, or $DAMON_TS_DAMO_SRC), in
 *    the same run, on a 2,000-snapshot × 500-region json_compressed record in two layouts: our writer's
 *    (compact, plain numbers) and damo's own (indented, "139,637,976,727,552", "0 B", probe_hits: what
 *    `damo record`, damo's convert_record_format and our adjust/convert write). For `report wss` and
 *    `report heatmap --output raw` it prints damo's time, ours, the ratios, and the anchor: a process
 *    that only inflates the file (the least any reader of it pays). Outputs are compared byte for byte.
 *    REPORT_BENCH_DAMO=SNAPSHOTSxREGIONS changes the size; REPORT_BENCH_DAMO= (empty) skips damo.
 * 2. 10,000 snapshots × 1,000 regions (json_compressed), and the same at 2,500 and 5,000 snapshots to show
 *    whether memory grows with the number of snapshots (REPORT_BENCH_SIZES, empty to skip).
 * 3. `report wss` on single snapshots of REPORT_BENCH_BIG regions (default 250000,1000000): the CPU
 *    per region relative to the smallest size shows whether reading a big snapshot stays linear.
 * Records are generated once into $TMPDIR/damon-ts-bench-report and reused.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSynthetic } from '../tests/records/synthetic.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const program = join(root, 'dist', 'interfaces', 'cli', 'program.js');
const REGIONS = 1000;
const SIZES = (process.env['REPORT_BENCH_SIZES'] ?? '2500,5000,10000').split(',').filter(Boolean).map(Number);
/** REPORT_BENCH_HEAP_MB=48 caps V8's old space: a report that completes shows memory that does not grow. */
const HEAP_MB = process.env['REPORT_BENCH_HEAP_MB'];
/** REPORT_BENCH_ONLY=wss,raw_form runs a subset. */
const ONLY = process.env['REPORT_BENCH_ONLY']?.split(',');
const dir = join(tmpdir(), 'damon-ts-bench-report');
mkdirSync(dir, { recursive: true });

const DAMO_SIZE = process.env['REPORT_BENCH_DAMO'] ?? '2000x500';
const damoPy = [
  process.env['DAMON_TS_DAMO_SRC'],
  join(root, '..', 'shared', 'reference', 'damo', 'src'),
  join(root, '..', '..', 'shared', 'reference', 'damo', 'src'),
]
  .filter((d): d is string => d !== undefined)
  .map((d) => join(d, 'damo.py'))
  .find((f) => existsSync(f));

function recordFile(n: number, regions = REGIONS): string {
  const path = join(dir, `synthetic-${n}x${regions}.data`);
  if (!existsSync(path)) {
    const t = performance.now();
    writeSynthetic(path, 'json_compressed', { seed: 1, snapshots: n, regions }, 1);
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

/** Runs a process that prints `MAXRSS <KiB> CPU <µs>` last on stderr; its stdout goes to `out`. */
function run(cmd: string, args: string[], what: string, out = '/dev/null'): Measured {
  const fd = openSync(out, 'w');
  const t = performance.now();
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', fd, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t) / 1000;
  closeSync(fd);
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr}`);
  const m = /MAXRSS (\d+) CPU (\d+)/.exec(r.stderr);
  return { seconds, cpu: m ? Number(m[2]) / 1e6 : NaN, rssMiB: m ? Number(m[1]) / 1024 : NaN };
}

function measure(args: string[], out?: string): Measured {
  const heap = HEAP_MB ? [`--max-old-space-size=${HEAP_MB}`] : [];
  return run(
    process.execPath,
    [...heap, '--input-type=module', '-e', WRAPPER, '--', ...args],
    args.join(' '),
    out,
  );
}

/** damo.py ARGS, with its CPU (its children's too: damo runs `file`) and peak RSS printed at exit. */
const DAMO_WRAPPER = `
import atexit, os, resource, runpy, sys
def report():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
    sys.stderr.write('\\nMAXRSS %d CPU %d\\n' % (s.ru_maxrss, int(cpu * 1e6)))
atexit.register(report)
damo = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(damo))
runpy.run_path(damo, run_name='__main__')
`;

/** A process that only inflates the file, as the reader does (1 MiB reads and chunks), and exits. */
const INFLATE = `
import { createReadStream } from 'node:fs';
import { createInflate } from 'node:zlib';
const file = createReadStream(process.argv[1], { highWaterMark: 1 << 20 });
for await (const c of file.pipe(createInflate({ chunkSize: 1 << 20 }))) void c;
const u = process.resourceUsage();
process.stderr.write('\\nMAXRSS ' + u.maxRSS + ' CPU ' + (u.userCPUTime + u.systemCPUTime) + '\\n');
`;

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

// damo 3.3 and damon-ts on the same files, in this run
const damoRows: string[][] = [];
if (DAMO_SIZE && !damoPy)
  console.log('damo 3.3 not found beside the project (or $DAMON_TS_DAMO_SRC): comparison skipped');
if (DAMO_SIZE && damoPy) {
  const [n, regions] = DAMO_SIZE.split('x').map(Number) as [number, number];
  const ourLayout = recordFile(n, regions);
  const damoLayout = join(dir, `synthetic-${n}x${regions}-damo-layout.data`);
  // damo's own converter writes its layout (generated once: about a minute of CPU)
  if (!existsSync(damoLayout))
    run(
      'python3',
      [
        '-c',
        DAMO_WRAPPER,
        damoPy,
        'convert_record_format',
        '--record_file',
        ourLayout,
        '--format',
        'json_compressed',
        '--output_file',
        damoLayout,
      ],
      'damo convert_record_format',
    );
  for (const [layout, file] of [
    ["our writer's", ourLayout],
    ["damo's", damoLayout],
  ] as const) {
    const inflate = run(process.execPath, ['--input-type=module', '-e', INFLATE, file], `inflate ${file}`);
    for (const r of REPORTS.filter((x) => x.py !== 'raw_form')) {
      const [outD, outO] = [join(dir, 'damo.out'), join(dir, 'damon-ts.out')];
      const d = run('python3', ['-c', DAMO_WRAPPER, damoPy, ...r.args, '-i', file], `damo ${r.name}`, outD);
      const o = measure([...r.args, '-i', file], outO);
      const same = readFileSync(outD).equals(readFileSync(outO)) ? 'yes' : 'NO';
      damoRows.push([
        layout,
        r.name,
        `${fixed(d.cpu, 1)} / ${fixed(d.seconds, 1)}`,
        `${fixed(o.cpu, 2)} / ${fixed(o.seconds, 2)}`,
        fixed(d.cpu / o.cpu, 1),
        fixed(d.seconds / o.seconds, 1),
        `${fixed(inflate.cpu, 2)} / ${fixed(inflate.seconds, 2)}`,
        fixed(o.cpu / inflate.cpu, 1),
        `${fixed(d.rssMiB, 0)} / ${fixed(o.rssMiB, 0)}`,
        same,
      ]);
      console.log(damoRows[damoRows.length - 1]!.join('\t'));
    }
  }
  console.log(`\ndamo 3.3 (${damoPy}) vs damon-ts on ${n} snapshots × ${regions} regions, json_compressed`);
  table(
    [
      'layout',
      'command',
      'damo CPU / wall s',
      'damon-ts CPU / wall s',
      'speed-up CPU',
      'speed-up wall',
      'inflate only CPU / wall s',
      'damon-ts / inflate CPU',
      'peak RSS MiB damo / ours',
      'same output',
    ],
    damoRows,
  );
}

const rows: string[][] = [];
for (const n of SIZES) {
  const file = recordFile(n);
  for (const r of REPORTS) {
    if (ONLY && !ONLY.some((o) => r.name.includes(o))) continue;
    const m = measure([...r.args, '-i', file]);
    const usPer = (m.cpu * 1e6) / (n * REGIONS);
    rows.push([String(n), r.name, fixed(m.seconds, 2), fixed(m.cpu, 2), fixed(m.rssMiB, 0), fixed(usPer, 3)]);
    console.log(rows[rows.length - 1]!.join('\t'));
  }
}
if (rows.length) {
  console.log(
    `\ndamon-ts, ${HEAP_MB ? `V8 old space capped at ${HEAP_MB} MiB` : 'default V8 heap (RSS follows the GC, not the data)'}`,
  );
  table(['snapshots', 'command', 'wall s', 'CPU s', 'peak RSS MiB', 'CPU µs/region-snapshot'], rows);
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
