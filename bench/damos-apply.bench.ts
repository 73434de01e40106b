/**
 * Cost of DAMOS application per aggregation: 1,000 regions and 5 schemes (three with quotas, so
 * min_score histograms are computed), measured (a) for the engine alone, with an ops set whose
 * apply_scheme does nothing, and (b) with the simulated machine's paddr actions (stat, lru_prio,
 * lru_deprio, pageout, migrate_cold) over 64 MiB of mapped memory. Process CPU time per pass.
 */
import { Machine } from '../src/backends/sim/machine.js';
import { DamonContext } from '../src/core/context.js';
import { registerOps, hasOps } from '../src/core/ops-registry.js';
import type { OperationsSet } from '../src/core/types.js';
import { hotScore } from '../src/ops/actions/score.js';
import { schemeSupportOf } from '../src/ops/actions/index.js';
import { registerSimOps } from '../src/ops/register.js';
import { attachMachine } from '../src/ops/sim-binding.js';
import { SchemesEngine } from '../src/schemes/engine.js';
import type { Scheme } from '../src/schemes/scheme.js';
import type { SchemeSpec } from '../src/schemes/types.js';

const MiB = 1 << 20;
const NR = 1000;

const nullOps: OperationsSet<Scheme> = {
  id: 'bench-null-damos',
  applyScheme: (_c, t, i) => ({ applied: t.regions.end[i]! - t.regions.start[i]!, filterPassed: 0 }),
  getSchemeScore: (c, t, i, s) => hotScore(c as DamonContext, t, i, s),
};
if (!hasOps(nullOps.id)) registerOps(nullOps);

function schemes(): SchemeSpec[] {
  return [
    { action: 'stat' },
    {
      action: 'lru_prio',
      pattern: { minNrAccesses: 10 },
      quota: { sz: 8 * MiB, resetIntervalMs: 1000, weights: { nrAccesses: 1000, age: 0 } },
    },
    {
      action: 'lru_deprio',
      pattern: { maxNrAccesses: 2 },
      quota: { sz: 8 * MiB, resetIntervalMs: 1000, weights: { age: 1000 } },
    },
    { action: 'pageout', pattern: { maxNrAccesses: 0, minAge: 50 } },
    {
      action: 'migrate_cold',
      targetNid: 1,
      pattern: { maxNrAccesses: 0, minAge: 20 },
      quota: { ms: 10, sz: 16 * MiB, resetIntervalMs: 1000 },
    },
  ];
}

/** A context of NR equal regions over [0, bytes), counters varied so that every scheme has work. */
function context(ops: OperationsSet | string, bytes: number): DamonContext {
  const ctx = new DamonContext({
    ops: ops as never,
    attrs: { sampleInterval: 5000, aggrInterval: 100000, minNrRegions: 10, maxNrRegions: 2000 },
    targets: [{ pid: null }],
  });
  const step = Math.floor(bytes / NR / 4096) * 4096;
  ctx.setRegions(
    ctx.targets[0]!,
    Array.from({ length: NR }, (_, i) => ({ start: i * step, end: (i + 1) * step })),
  );
  return ctx;
}

function prime(ctx: DamonContext, k: number): void {
  const r = ctx.targets[0]!.regions;
  for (let i = 0; i < r.length; i++) {
    r.nrAccesses[i] = (i * 7 + k) % 21;
    r.lastNrAccesses[i] = r.nrAccesses[i]!;
    r.age[i] = (i * 13 + k) % 100;
  }
  ctx.passedSampleIntervals = ctx.nextAggregationSis = 20 * (k + 1);
  ctx.now = ctx.passedSampleIntervals * 5000;
}

function measure(name: string, ctx: DamonContext, engine: SchemesEngine, passes: number) {
  for (let k = 0; k < 5; k++) {
    prime(ctx, k);
    engine.applySchemes();
  }
  let cpu = 0;
  let regions = 0;
  for (let k = 5; k < 5 + passes; k++) {
    prime(ctx, k);
    regions += ctx.targets[0]!.regions.length;
    const c0 = process.cpuUsage();
    engine.applySchemes();
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
  }
  return {
    setup: name,
    'regions (avg)': Math.round(regions / passes),
    schemes: engine.schemes.length,
    passes,
    'µs per aggregation': +(cpu / passes).toFixed(1),
  };
}

const rows = [];
{
  const ctx = context('bench-null-damos', 4096 * MiB);
  rows.push(measure('engine only (no-op actions)', ctx, new SchemesEngine(ctx, schemes()), 2000));
}
{
  registerSimOps();
  const m = new Machine({ memoryBytes: 256 * MiB, nodes: 2, cpus: 2, tlbEntries: 0 });
  const pid = m.createProcess('bench');
  m.mmap(pid, 0x10000000, 64 * MiB);
  m.access(pid, 0x10000000, 64 * MiB, 4096, (64 * MiB) / 4096, true);
  const ctx = context('paddr', 128 * MiB);
  attachMachine(ctx, m);
  const e = new SchemesEngine(
    ctx,
    schemes().map((s) => (s.action === 'pageout' ? { ...s, action: 'stat' as const } : s)),
    { metrics: schemeSupportOf(m).metrics },
  );
  rows.push(measure('paddr actions on the machine (pageout→stat)', ctx, e, 100));
}
console.log(`DAMOS application cost, ${NR} regions, 5 schemes`);
console.table(rows);
