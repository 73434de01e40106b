/**
 * Overhead of live write-only monitoring on a real program, through the CLI as a user runs it. The
 * program (bench/fixtures/continuous-writer.c, built here with cc) writes one byte per 4 KiB page of
 * a 64 MiB buffer (LIVE_OVERHEAD_WRITE_MIB) in a loop for SECONDS seconds, then prints its loop iterations and its own
 * getrusage figures (minor faults, CPU). Three configurations, each run for the same time, interleaved
 * over ROUNDS rounds (the order rotates each round) so that load on the shared machine hits all
 * alike; medians are shown:
 *   1. unmonitored: `writer SECONDS` (the anchor);
 *   2. write-only sampling, default attributes:
 *      `damon-ts record --sample_primitives page_fault --exp_ops_write_only y -o X -- writer SECONDS`;
 *   3. write-only exact: the same with --exact_writes.
 * Per configuration: iterations/s and the ratio to unmonitored; faults the monitoring induced per
 * second (the program's minflt minus the unmonitored run's, per second of its loop); the monitor's
 * CPU: the figure the record command prints ("monitor N ms in M samples": the source's per-sample
 * work) and the whole record process's CPU (its rusage with its waited children, from /usr/bin/time
 * or bash's `times`) minus the program's own CPU, which also counts node's start-up and writing the
 * record; and the number of regions of the record (report nr_regions), which bounds the sampling
 * mode's faults: at most one per region per sample.
 * Environment: LIVE_OVERHEAD_SECONDS (default 4), LIVE_OVERHEAD_ROUNDS (default 7: single runs vary by
 * ±10 % on the shared machine),
 * LIVE_OVERHEAD_READ_MIB (default 0: the writer also reads one byte per page of a buffer of this
 * many MiB after each pass over what it writes), LIVE_OVERHEAD_WRITE_MIB (default 64: the buffer it
 * writes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uffdHelperPath } from '../src/backends/live/uffd-helper.js';
import { skipReason } from '../tests/live/kernel-features.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', 'dist', 'interfaces', 'cli', 'main.js');
const SECONDS = Number(process.env.LIVE_OVERHEAD_SECONDS ?? 4);
const ROUNDS = Number(process.env.LIVE_OVERHEAD_ROUNDS ?? 7);
const READ_MIB = Number(process.env.LIVE_OVERHEAD_READ_MIB ?? 0);
const WRITE_MIB = Number(process.env.LIVE_OVERHEAD_WRITE_MIB ?? 64);

function skip(why: string): never {
  console.log(`[skip] live-overhead bench: ${why}`);
  process.exit(0);
}

if (skipReason('live-overhead bench', ['root', 'tracefs', 'cc', 'userfaultfd'])) process.exit(0);
if (!existsSync(uffdHelperPath()))
  skip(`missing the preload helper ${uffdHelperPath()} (build it: bash scripts/build-native.sh)`);
if (!existsSync(CLI)) skip(`missing ${CLI} (build it: npm run build)`);

const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-live-overhead-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const writer = join(tmp, 'continuous-writer');
execFileSync('cc', ['-O2', '-pthread', '-o', writer, join(here, 'fixtures', 'continuous-writer.c')]);
const writerArgs = [String(SECONDS), String(READ_MIB), String(WRITE_MIB)];
/** GNU time if installed (-f, -o), else bash's `times` builtin: both read the rusage of a waited child. */
const gnuTime = spawnSync('/usr/bin/time', ['-f', '%U', '-o', '/dev/null', 'true']).status === 0;

interface Program {
  iterations: number;
  seconds: number;
  minflt: number;
  /** The program's own user + system CPU, seconds. */
  cpu: number;
}

interface Run {
  program: Program;
  /** Record process CPU (user + system, with the program it waited for), seconds; NaN unmonitored. */
  recordCpu: number;
  /** Wall time of the record command, seconds. */
  recordWall: number;
  /** "monitor N ms in M samples" of the record command. */
  monitorMs: number;
  samples: number;
  regionsAvg: number;
  regionsMax: number;
}

function parseProgram(out: string, what: string): Program {
  const m = /iterations (\d+) seconds ([\d.]+) minflt (\d+) majflt \d+ utime_us (\d+) stime_us (\d+)/.exec(
    out,
  );
  if (!m) throw new Error(`${what}: the writer printed no result:\n${out}`);
  return {
    iterations: Number(m[1]),
    seconds: Number(m[2]),
    minflt: Number(m[3]),
    cpu: (Number(m[4]) + Number(m[5])) / 1e6,
  };
}

function runUnmonitored(): Run {
  const r = spawnSync(writer, writerArgs, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`writer failed (${r.status ?? r.signal}): ${r.stderr}`);
  return {
    program: parseProgram(r.stdout, 'unmonitored'),
    recordCpu: NaN,
    recordWall: NaN,
    monitorMs: NaN,
    samples: NaN,
    regionsAvg: NaN,
    regionsMax: NaN,
  };
}

function runRecord(name: string, extra: string[]): Run {
  const data = join(tmp, `${name}.data`);
  const timeFile = join(tmp, 'time.txt');
  const record = [
    process.execPath,
    CLI,
    'record',
    '--sample_primitives',
    'page_fault',
    '--exp_ops_write_only',
    'y',
    ...extra,
    '-o',
    data,
    '--',
    writer,
    ...writerArgs,
  ];
  const [cmd, args] = gnuTime
    ? ['/usr/bin/time', ['-f', '%U %S', '-o', timeFile, ...record]]
    : ['bash', ['-c', 'f=$1; shift; "$@"; s=$?; times > "$f"; exit $s', 'bash', timeFile, ...record]];
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const recordWall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${name}: record failed (${r.status ?? r.signal}):\n${r.stderr}`);
  const program = parseProgram(r.stdout, name);
  const timeText = readFileSync(timeFile, 'utf8');
  let recordCpu: number;
  if (gnuTime) {
    const [u, s] = timeText.trim().split('\n').at(-1)!.split(/\s+/).map(Number);
    recordCpu = u! + s!;
  } else {
    // `times`: the shell's user and system time, then its children's, as "0m4.050s 0m0.720s".
    const [u, s] = [...timeText.split('\n')[1]!.matchAll(/(\d+)m([\d.]+)s/g)].map(
      (x) => Number(x[1]) * 60 + Number(x[2]),
    );
    recordCpu = u! + s!;
  }
  const mon = /monitor (\d+) ms in (\d+) samples/.exec(r.stderr);
  if (!mon) throw new Error(`${name}: record printed no "monitor N ms in M samples":\n${r.stderr}`);
  // damo's nr_regions skips the first 20 snapshots (2 s at the default 100 ms aggregation): shorter
  // runs have none to show.
  const nr = spawnSync(process.execPath, [CLI, 'report', 'nr_regions', '-i', data], {
    encoding: 'utf8',
  }).stdout;
  const avg = /# avr:\s+([\d.]+)/.exec(nr);
  const max = /^100\s+(\d+)/m.exec(nr);
  return {
    program,
    recordCpu,
    recordWall,
    monitorMs: Number(mon[1]),
    samples: Number(mon[2]),
    regionsAvg: avg ? Number(avg[1]) : NaN,
    regionsMax: max ? Number(max[1]) : NaN,
  };
}

const configs: { name: string; run: () => Run }[] = [
  { name: 'unmonitored', run: runUnmonitored },
  { name: 'write-only sampling', run: () => runRecord('sampling', []) },
  { name: 'write-only exact', run: () => runRecord('exact', ['--exact_writes']) },
];

console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Linux ${release()}, load average at start ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  `writer: one byte per 4 KiB page of ${WRITE_MIB} MiB per iteration${READ_MIB > 0 ? ` + reads ${READ_MIB} MiB` : ''}, ${SECONDS} s per run; ${ROUNDS} rounds of ${configs.length} configurations, interleaved; medians; CPU via ${gnuTime ? '/usr/bin/time' : "bash's times"}`,
);

const runs: Run[][] = configs.map(() => []);
/** The unmonitored run of the same round, for the induced faults and the per-round ratios. */
const anchors: Run[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const order = configs.map((_, k) => (k + round) % configs.length);
  const got: Run[] = [];
  for (const k of order) got[k] = configs[k]!.run();
  anchors.push(got[0]!);
  got.forEach((r, k) => runs[k]!.push(r));
  console.log(
    `round ${round + 1}: ${configs
      .map((c, k) => `${c.name} ${Math.round(rate(got[k]!))} it/s`)
      .join(', ')}; load ${loadavg()[0]!.toFixed(2)}`,
  );
}

function rate(r: Run): number {
  return r.program.iterations / r.program.seconds;
}

/** Iterations per second of the program's own CPU time: the direct cost, without the CPU share it lost. */
function cpuRate(r: Run): number {
  return r.program.iterations / r.program.cpu;
}

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

const fmt = (x: number, digits = 0): string => (Number.isNaN(x) ? '-' : x.toFixed(digits));

/** A plain text table: the first column left-aligned, the others right-aligned. */
function printTable(rows: Record<string, string>[]): void {
  const keys = Object.keys(rows[0]!);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  console.log(line(keys));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(keys.map((k) => r[k]!)));
}
const baseRate = median(runs[0]!.map(rate));
const baseCpuRate = median(runs[0]!.map(cpuRate));
const ratios: number[] = [];
printTable(
  configs.map((c, k) => {
    const rs = runs[k]!;
    const itRate = median(rs.map(rate));
    ratios.push(itRate / baseRate);
    const induced = median(
      rs.map((r, i) => (r.program.minflt - anchors[i]!.program.minflt) / r.program.seconds),
    );
    const samplesPerS = median(rs.map((r) => r.samples / r.program.seconds));
    const regions = median(rs.map((r) => r.regionsAvg));
    return {
      configuration: c.name,
      'it/s': fmt(itRate),
      'vs unmon.': fmt(itRate / baseRate, 3),
      'per round': rs.map((r, i) => (rate(r) / rate(anchors[i]!)).toFixed(3)).join(' '),
      'prog CPU s': fmt(median(rs.map((r) => r.program.cpu)), 2),
      'it/CPU-s vs unmon.': fmt(median(rs.map(cpuRate)) / baseCpuRate, 3),
      'induced flt/s': fmt(induced),
      regions: Number.isNaN(regions)
        ? '-'
        : `${fmt(regions)} (max ${fmt(median(rs.map((r) => r.regionsMax)))})`,
      'samples/s': fmt(samplesPerS),
      'flt bound/s': k === 1 ? fmt(regions * samplesPerS) : '-',
      'monitor ms/s': fmt(median(rs.map((r) => r.monitorMs / r.program.seconds)), 1),
      'rec-prog CPU ms/s': fmt(
        median(rs.map((r) => ((r.recordCpu - r.program.cpu) / r.recordWall) * 1000)),
        1,
      ),
      'rec-prog CPU s': fmt(median(rs.map((r) => r.recordCpu - r.program.cpu)), 2),
      'rec wall s': fmt(median(rs.map((r) => r.recordWall)), 2),
    };
  }),
);
const verdict = ratios[1]! >= 0.97 ? 'aim met' : ratios[1]! >= 0.9 ? 'goal met, aim not' : 'BELOW the goal';
console.log(
  `write-only sampling / unmonitored = ${ratios[1]!.toFixed(3)} (goal >= 0.90, aim 0.97: ${verdict}); ` +
    `write-only exact / unmonitored = ${ratios[2]!.toFixed(3)}`,
);
console.log(
  [
    "it/s: the writer's loop iterations per second (one byte written per page of the write buffer each); vs unmon.: median it/s",
    "  over the unmonitored median; per round: each round's ratio to that round's unmonitored run.",
    "prog CPU s: the writer's own user+system CPU (less than the run time when the machine is busy);",
    '  it/CPU-s vs unmon.: iterations per second of that CPU over the unmonitored median (the cost the writer pays',
    '  itself, in faults and cache/TLB misses, without the CPU share the monitor took from it).',
    "induced flt/s: the writer's minor faults minus the same round's unmonitored run's, per second of its loop.",
    "regions: median of the record's average number of regions (report nr_regions, after its first 20 snapshots).",
    'flt bound/s: regions x samples/s, the most faults sampling can induce (one per region sampling page per sample).',
    'monitor ms/s: the record command\'s own "monitor N ms in M samples" (the source\'s per-sample work) per second of loop.',
    "rec-prog CPU: the whole record process (rusage with its waited children) minus the writer's own CPU: node",
    "  start-up, the source, tracing, writing the record; per second of the record's wall time, and in total.",
  ].join('\n'),
);
