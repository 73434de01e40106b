/**
 * Kernel backend costs (root, DAMON paddr, tracefs):
 * 1. CPU time of the tracefs recorder (user+system of this process) per minute of kernel monitoring,
 *    measured over 20 s and scaled ×3. At damo's default attributes when damon-ts may start a
 *    kdamond; when a kdamond that damon-ts did not start is running, it is recorded as it is
 *    (its attributes are printed) and not taken over, unless DAMON_TS_BENCH_TAKEOVER=1.
 * 2. Decoding cost per damon_aggregated event (synthetic sub-buffers, this kernel's format) and
 *    the CPU per minute it implies at damo's default attributes (10 aggregations/s) for 100 and 1000
 *    regions: the live measurement above cannot use default attributes while a foreign kdamond runs.
 * 3. Time to take one snapshot (update_schemes_tried_regions + reading tried_regions) of a stat
 *    scheme applied every sample interval, as damo's `record --snapshot` does (own kdamond only).
 */
import { KernelDamon } from '../src/backends/kernel/control.js';
import { recordKernel, recordOngoing, type RecordStats } from '../src/backends/kernel/recorder.js';
import { readTriedRegions } from '../src/backends/kernel/status.js';
import { DamonSysfs, DEFAULT_DAMON_ADMIN } from '../src/backends/kernel/sysfs.js';
import { runningKdamonds } from '../src/backends/kernel/tree.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKdamondsConfig } from '../src/config/load.js';

const MEASURE_MS = 20_000;
if (process.getuid?.() !== 0 || !existsSync(`${DEFAULT_DAMON_ADMIN}/kdamonds/nr_kdamonds`)) {
  console.log('kernel bench skipped: needs root and DAMON sysfs');
  process.exit(0);
}
const sysfs = new DamonSysfs();
const foreign = runningKdamonds(sysfs);
const takeOver = process.env.DAMON_TS_BENCH_TAKEOVER === '1';
const canStart = foreign.length === 0 || takeOver;
const stateDir = mkdtempSync(join(tmpdir(), 'damon-ts-bench-'));
const defaults = parseKdamondsConfig({ kdamonds: [{ contexts: [{ targets: [{}] }] }] });

let regionsSeen = 0;
const sink = {
  addSnapshot: (_h: unknown, s: { regions: unknown[] }) => void (regionsSeen += s.regions.length),
};
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let stats: RecordStats;
let attrs: string;
if (canStart) {
  attrs = 'damo defaults (sample 5 ms, aggr 100 ms, regions 10..1000), paddr System RAM span';
  stats = await recordKernel(defaults, sink, { timeoutMs: MEASURE_MS, stateDir, force: takeOver });
} else {
  const k = foreign[0]!;
  const iv = `kdamonds/${k.index}/contexts/0/monitoring_attrs`;
  attrs =
    `running kdamond ${k.index} not started by damon-ts, not taken over: sample ${sysfs.read(`${iv}/intervals/sample_us`)} us, ` +
    `aggr ${sysfs.read(`${iv}/intervals/aggr_us`)} us, regions ${sysfs.read(`${iv}/nr_regions/min`)}..${sysfs.read(`${iv}/nr_regions/max`)}`;
  stats = await recordOngoing(sink, { timeoutMs: MEASURE_MS, stateDir });
}
const wallS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log('recorder (tracefs damon_aggregated, binary per-CPU buffers, 50 ms poll)');
console.log(`  attributes: ${attrs}`);
console.table([
  {
    'measured s': wallS.toFixed(1),
    snapshots: stats.snapshots,
    'regions/s': (regionsSeen / wallS).toFixed(0),
    'cpu ms (user+sys)': cpuMs.toFixed(0),
    'cpu ms per minute (×60/measured)': ((cpuMs * 60) / wallS).toFixed(0),
    'cpu % of one core': ((cpuMs / 1000 / wallS) * 100).toFixed(2),
    lost: stats.lost ? stats.lost.overrun + stats.lost.dropped : 0,
  },
]);

{
  const { DamonEventDecoder } = await import('../src/backends/kernel/aggregated.js');
  const { decodeSubbuffer } = await import('../src/backends/tracefs/ring-buffer.js');
  const { DEFAULT_HEADER_PAGE } = await import('../src/backends/tracefs/format.js');
  const ev = await import('../tests/kernel/damon-events.js');
  const NR = 1000;
  const AGGRS = 200;
  const records = [];
  for (let a = 0; a < AGGRS; a++) {
    for (let r = 0; r < NR; r++)
      records.push(
        ev.aggregatedRecord({
          pid: 1,
          targetId: 0,
          nrRegions: NR,
          start: r * 4096 * 1024,
          end: (r + 1) * 4096 * 1024,
          nrAccesses: (r * 7 + a) % 21,
          age: a,
        }),
      );
  }
  const pages = ev.subbuffers(records, 1e9);
  let snaps = 0;
  const dec = new DamonEventDecoder(
    ev.AGGREGATED,
    ev.INTERVALS_TUNE,
    [{ index: 0, pid: 1, sample_us: 5000, aggr_us: 100000 }],
    () => void snaps++,
  );
  const c0 = process.cpuUsage();
  for (const p of pages)
    decodeSubbuffer(p, 0, 4096, DEFAULT_HEADER_PAGE, (buf, off, _len, ts) => dec.onRecord(buf, off, ts));
  const c = process.cpuUsage(c0);
  // CPU time, not wall time: the 2 cores are shared with other work
  const nsPerEvent = ((c.user + c.system) * 1000) / records.length;
  console.log(
    `decoding + assembling ${records.length} damon_aggregated events (${AGGRS} aggregations × ${NR} regions, ${snaps} snapshots)`,
  );
  console.table([
    {
      'ns/event': nsPerEvent.toFixed(0),
      'cpu ms': ((c.user + c.system) / 1000).toFixed(0),
      'default attrs, 100 regions: cpu ms/min': ((600 * 100 * nsPerEvent) / 1e6).toFixed(1),
      'default attrs, 1000 regions: cpu ms/min': ((600 * 1000 * nsPerEvent) / 1e6).toFixed(1),
    },
  ]);
  console.log(
    '  (plus the poll loop: a 50 ms poll of every CPU buffer, measured live above with few events)',
  );
}

if (!canStart) {
  console.log(
    'snapshot timing skipped: it needs a kdamond damon-ts may start (a foreign one runs): bench/kernel-vm.bench.ts measures it in a VM; DAMON_TS_BENCH_TAKEOVER=1 allows stopping and restoring the foreign one',
  );
} else {
  const damon = new KernelDamon({ stateDir });
  const withStat = parseKdamondsConfig({
    kdamonds: [
      {
        contexts: [
          {
            targets: [{}],
            schemes: [
              {
                action: 'stat',
                apply_interval_us: 5000,
                access_pattern: {
                  nr_accesses: { min: 0, max: 4294967295 },
                  nr_accesses_unit: 'sample_intervals',
                },
              },
            ],
          },
        ],
      },
    ],
  });
  damon.start(withStat, { force: takeOver });
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const times: number[] = [];
    let nr = 0;
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      nr = readTriedRegions(damon.fs, 0, 0).regions.length;
      times.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
    times.sort((a, b) => a - b);
    console.log('one snapshot (update_schemes_tried_regions + read), 10 runs');
    console.table([
      {
        regions: nr,
        'min ms': times[0]!.toFixed(1),
        'median ms': times[5]!.toFixed(1),
        'max ms': times[9]!.toFixed(1),
      },
    ]);
  } finally {
    damon.stop();
  }
}
rmSync(stateDir, { recursive: true, force: true });
