/**
 * Dirty rate: damon-ts (write-only monitoring read by `report dirty`) against the anchor, QEMU's
 * calc-dirty-rate page sampling (512 pages per GiB), on the same seeded runs, both scored against
 * the machine's exact dirtied pages per 1 s window (src/eval/dirty-rate.ts). Three damon-ts setups:
 * the defaults (5 ms / 100 ms, 10..1000 regions), one for dirty rates (100 ms / 1 s, 200..1000
 * regions), and one sample per window (1 s / 1 s, 128 regions per GiB: a quarter of QEMU's sample
 * pages, at least 5; max twice that), which makes each region a stratum sampled by one page per
 * window, as QEMU samples pages but with strata that DAMON fits to the write pattern.
 * Each workload runs DAMON_TS_DIRTY_SECONDS virtual seconds (default 6); DAMON_TS_DIRTY_WORKLOADS
 * narrows the list and DAMON_TS_DIRTY_SETUPS the setups (comma-separated: defaults, dirty, window).
 */
import { formatDirtyEval, runDirtyEval, type DirtyEvalResult } from '../src/eval/dirty-rate.js';
import { getWorkload, listWorkloads } from '../src/workloads/builtins.js';

const seconds = Number(process.env.DAMON_TS_DIRTY_SECONDS ?? '6');
const only = process.env.DAMON_TS_DIRTY_WORKLOADS?.split(',').filter(Boolean);
const workloads = listWorkloads()
  .map((w) => w.name)
  .filter((n) => !only || only.includes(n));

const onlySetups = process.env.DAMON_TS_DIRTY_SETUPS?.split(',').filter(Boolean);

const setups: {
  key: string;
  name: string;
  sampleUs: number;
  aggrUs: number;
  minNrRegions?: number;
  regionsPerGiB?: number;
}[] = [
  { key: 'defaults', name: 'defaults (5 ms / 100 ms, 10..1000 regions)', sampleUs: 5000, aggrUs: 100_000 },
  {
    key: 'dirty',
    name: 'dirty-rate setup (100 ms / 1 s, 200..1000 regions)',
    sampleUs: 100_000,
    aggrUs: 1_000_000,
    minNrRegions: 200,
  },
  {
    key: 'window',
    name: 'one sample per window (1 s / 1 s, 128 regions per GiB, at least 5)',
    sampleUs: 1_000_000,
    aggrUs: 1_000_000,
    regionsPerGiB: 128,
  },
];

for (const s of setups.filter((x) => !onlySetups || onlySetups.includes(x.key))) {
  const t0 = performance.now();
  const results: DirtyEvalResult[] = [];
  for (const name of workloads)
    results.push(
      runDirtyEval({
        workload: () => getWorkload(name),
        durationUs: seconds * 1e6,
        sampleUs: s.sampleUs,
        aggrUs: s.aggrUs,
        ...(s.minNrRegions ? { minNrRegions: s.minNrRegions } : {}),
        ...(s.regionsPerGiB ? { regionsPerGiB: s.regionsPerGiB } : {}),
      }),
    );
  console.log(`# damon-ts ${s.name}`);
  console.log(formatDirtyEval(results));
  // Ratios to the anchor measured in the same runs.
  const rows = results.flatMap((r) => r.targets.filter((t) => t.truthRate > 0).map((t) => ({ r, t })));
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const dErr = mean(rows.map((x) => x.t.damon.windowErrPct));
  const qErr = mean(rows.map((x) => x.t.qemu.windowErrPct));
  const dCost = mean(results.map((r) => r.costs.damon.perSecond.protections));
  const dFaults = mean(results.map((r) => r.costs.damon.perSecond.faults));
  const qCost = mean(results.map((r) => r.costs.qemu.perSecond));
  // Per workload: does damon-ts have the lower per-window error, and touch fewer pages (protection
  // changes and faults against pages hashed)?
  const both = results.filter((r) =>
    r.targets.every((t) => t.truthRate <= 0 || t.damon.windowErrPct <= t.qemu.windowErrPct),
  );
  const cheaper = both.filter(
    (r) => r.costs.damon.perSecond.protections + r.costs.damon.perSecond.faults < r.costs.qemu.perSecond,
  );
  console.log(
    `# mean per-window error: damon-ts ${dErr.toFixed(1)} %, QEMU ${qErr.toFixed(1)} % (ratio ${(dErr / Math.max(qErr, 1e-9)).toFixed(2)}); ` +
      `pages touched per s: damon-ts ${dCost.toFixed(0)} protection changes + ${dFaults.toFixed(0)} faults, QEMU ${qCost.toFixed(0)} hashes (ratio ${((dCost + dFaults) / Math.max(qCost, 1e-9)).toFixed(2)})`,
  );
  console.log(
    `# workloads where damon-ts has the lower error and touches fewer pages: ${cheaper.length} of ${results.length}` +
      (cheaper.length < results.length
        ? ` (not: ${results
            .filter((r) => !cheaper.includes(r))
            .map((r) => r.workload)
            .join(', ')})`
        : ''),
  );
  console.log(`# wall time ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
