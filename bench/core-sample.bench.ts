/**
 * Per-sample core cost as the monitored size grows from 1 GiB to 1 TiB at a fixed number of
 * regions: must stay flat (max/min ratio <= 1.2). Each context is report-fed with 1,000 reports
 * per sample at the same relative addresses and aggregates every 20 samples (merge, split,
 * apply_min_nr_regions included). min = max nr_regions pins the region count.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DamonContext } from '../src/core/context.js';
import { registerOps } from '../src/core/ops-registry.js';
import type { ReportBatch } from '../src/core/types.js';

registerOps({ id: 'bench-sample' });
const SI = 5000;
const R = 1000;
const CHUNK = 400;
const ROUNDS = 8;
const GiB = 2 ** 30;

interface Run {
  size: number;
  ctx: DamonContext;
  s: number;
  x: number;
  best: number;
}

const batch: ReportBatch = {
  length: R,
  paddr: new Float64Array(R),
  vaddr: new Float64Array(R),
  size: new Uint32Array(R).fill(8),
  cpu: new Int32Array(R),
  tid: new Int32Array(R),
  tgid: new Int32Array(R),
  isWrite: new Uint8Array(R),
  time: new Float64Array(R),
};

function mk(size: number): Run {
  const ctx = new DamonContext({
    ops: 'bench-sample',
    seed: 1,
    attrs: { sampleInterval: SI, aggrInterval: 20 * SI, minNrRegions: 500, maxNrRegions: 500 },
    targets: [{ regions: [{ start: 0, end: size }] }],
  });
  return { size, ctx, s: 0, x: 7, best: Infinity };
}

/** CPU time of this process in µs: unlike wall time, not inflated by other processes' load. */
function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Runs CHUNK samples of one context; returns CPU µs per sample. */
function chunk(r: Run): number {
  const t0 = cpuUs();
  for (let k = 0; k < CHUNK; k++, r.s++) {
    // A hot tenth of memory at the middle: the same relative pattern at every size.
    for (let i = 0; i < R; i++) {
      r.x = (Math.imul(r.x, 1664525) + 1013904223) >>> 0;
      batch.paddr[i] = Math.floor((r.x / 2 ** 32) * (r.size / 10)) + r.size / 2;
    }
    batch.time.fill(r.s * SI + 1);
    r.ctx.beginSample(r.s * SI);
    r.ctx.reportAccesses(batch);
    r.ctx.endSample((r.s + 1) * SI);
  }
  return (cpuUs() - t0) / CHUNK;
}

/** Child mode: one size per process, so that the JIT specializes for that size only. */
function child(gib: number): void {
  const r = mk(gib * GiB);
  for (let round = 0; round < ROUNDS; round++) {
    const us = chunk(r);
    if (round > 0) r.best = Math.min(r.best, us);
  }
  process.stdout.write(JSON.stringify({ us: r.best, regions: r.ctx.targets[0]!.regions.length }));
}

function parent(): void {
  const sizes = [1, 16, 256, 1024];
  const best = sizes.map(() => ({ us: Infinity, regions: 0 }));
  // Five interleaved passes over the sizes, each size in a fresh process; best per size is kept
  // so that load changes of the shared machine hit all sizes alike.
  for (let pass = 0; pass < 5; pass++) {
    sizes.forEach((g, i) => {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
        env: { ...process.env, CORE_SAMPLE_GIB: String(g) },
      });
      const m = JSON.parse(out.toString()) as { us: number; regions: number };
      if (m.us < best[i]!.us) best[i] = m;
    });
  }
  const rows = sizes.map((g, i) => ({
    'monitored size': `${g} GiB`,
    'CPU µs per sample': best[i]!.us.toFixed(1),
    'regions at end': best[i]!.regions,
  }));
  console.log(
    `per-sample core cost (report-fed, ${R} reports/sample, aggregation every 20 samples, best chunk of ${CHUNK} samples, 5 processes per size)`,
  );
  console.table(rows);
  const v = best.map((b) => b.us);
  console.log(`max/min ratio = ${(Math.max(...v) / Math.min(...v)).toFixed(2)} (goal <= 1.2)`);
}

if (process.env.CORE_SAMPLE_GIB) child(Number(process.env.CORE_SAMPLE_GIB));
else parent();
