/**
 * Simulation speed of the machine's access paths: batched sequential access (accesses/s and
 * distinct pages/s), random single accesses (one accessRandom call per access) over a TLB-resident
 * and a larger region, single-page access() batches (what a trace replays), each with the default
 * TLB, without a TLB model, and with ground truth. Times are process CPU time, best of 3 runs (the
 * benchmark machine is shared), wall time of that run in the last column. The default-TLB rows also
 * print issue 3's goal and the speed measured before the per-page fast path (this bench, best of 3
 * runs, same VM at load 5-6, 2026-11-26), for comparison; for the random single rows, before the
 * way-indexed TLB and the inline PRNG draw (this bench, best of 3, same VM at load 1-2, 2026-11-26).
 */
import { Machine } from '../src/backends/sim/machine.js';
import type { MachineConfig } from '../src/backends/sim/config.js';

const MiB = 1 << 20;
const BASE = 0x7f0000000000;
const RUNS = 3;

function measure(fn: () => void): { cpu: number; wall: number } {
  let best = { cpu: Infinity, wall: 0 };
  for (let k = 0; k < RUNS; k++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    if (cpu < best.cpu) best = { cpu, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
  }
  return best;
}

function machine(cfg: Partial<MachineConfig>, size: number): { m: Machine; tid: number } {
  const m = new Machine({ memoryBytes: 2048 * MiB, ...cfg });
  const tid = m.createProcess('bench');
  m.mmap(tid, BASE, size);
  m.access(tid, BASE, size, 4096, size / 4096, true); // fault everything in first
  return { m, tid };
}

/** Default-TLB rows: [goal, M/s before the fast path] in the row's unit (pages/s for 4 KiB stride). */
const reference: Record<string, [string, number]> = {
  'sequential, 64 B stride, 256 MiB': ['≥ 100 M accesses/s', 810],
  'sequential, 4 KiB stride, 256 MiB': ['≥ 100 M pages/s', 14.8],
  'random single, 4 MiB': ['≥ 20 M/s', 14.0],
  'random single, 64 MiB': ['≥ 20 M/s', 14.2],
  // Bimodal before: 2.6-13.5 depending on which batches V8 had optimised access() for.
  'access() of 1 page, 4 MiB': ['-', 13.5],
};

const rows: Record<string, string | number>[] = [];
const setups: [string, Partial<MachineConfig>][] = [
  ['default (TLB 1536)', {}],
  ['no TLB model', { tlbEntries: 0 }],
  ['ground truth on', { groundTruth: { intervalUs: 5000, windowUs: 100000 } }],
];
const M = (n: number, s: number) => +(n / s / 1e6).toFixed(1);
for (const [name, cfg] of setups) {
  const size = 256 * MiB;
  const pages = size / 4096;
  const { m, tid } = machine(cfg, size);
  const reps = 40;
  const row = (pattern: string, accesses: number, touched: number, r: { cpu: number; wall: number }) => {
    const ref = name.startsWith('default') ? reference[pattern] : undefined;
    rows.push({
      setup: name,
      pattern,
      'M accesses/s': M(accesses, r.cpu),
      'M pages/s': M(touched, r.cpu),
      'wall s': +r.wall.toFixed(2),
      goal: ref?.[0] ?? '',
      'before (M/s)': ref?.[1] ?? '',
    });
  };
  // Batched sequential, masim-like: stride 64 B, so 64 accesses per page.
  m.access(tid, BASE, size, 64, size / 64, false);
  const s64 = measure(() => {
    for (let r = 0; r < reps; r++) m.access(tid, BASE, size, 64, size / 64, r % 2 === 1);
  });
  row('sequential, 64 B stride, 256 MiB', (reps * size) / 64, reps * pages, s64);
  const s4k = measure(() => {
    for (let r = 0; r < reps; r++) m.access(tid, BASE, size, 4096, pages, false);
  });
  row('sequential, 4 KiB stride, 256 MiB', reps * pages, reps * pages, s4k);
  const n = 4_000_000;
  for (const region of [4 * MiB, 64 * MiB]) {
    for (let i = 0; i < 100_000; i++) m.accessRandom(tid, BASE, region, 64, 1, false);
    const r = measure(() => {
      for (let i = 0; i < n; i++) m.accessRandom(tid, BASE, region, 64, 1, false);
    });
    row(`random single, ${region / MiB} MiB`, n, n, r);
  }
  // A trace replay's batches: one page each (count 1), cycling over 1024 pages.
  const one = measure(() => {
    for (let i = 0; i < n; i++) m.access(tid, BASE + (i & 1023) * 4096 + 64, 8, 8, 1, false);
  });
  row('access() of 1 page, 4 MiB', n, n, one);
}
console.table(rows);
