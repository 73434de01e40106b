/**
 * Simulation speed of the machine's access paths: batched sequential access (accesses/s and
 * distinct pages/s), random single accesses (one accessRandom call per access) over a TLB-resident
 * and a larger region, each with the default TLB, without a TLB model, and with ground truth.
 * Times are process CPU time (the benchmark machine is shared), wall time in the last column.
 */
import { Machine } from '../src/backends/sim/machine.js';
import type { MachineConfig } from '../src/backends/sim/config.js';

const MiB = 1 << 20;
const BASE = 0x7f0000000000;

function measure(fn: () => void): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function machine(cfg: Partial<MachineConfig>, size: number): { m: Machine; tid: number } {
  const m = new Machine({ memoryBytes: 2048 * MiB, ...cfg });
  const tid = m.createProcess('bench');
  m.mmap(tid, BASE, size);
  m.access(tid, BASE, size, 4096, size / 4096, true); // fault everything in first
  return { m, tid };
}

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
  const reps = 10;
  // Batched sequential, masim-like: stride 64 B, so 64 accesses per page.
  m.access(tid, BASE, size, 64, size / 64, false);
  const s64 = measure(() => {
    for (let r = 0; r < reps; r++) m.access(tid, BASE, size, 64, size / 64, r % 2 === 1);
  });
  rows.push({
    setup: name,
    pattern: 'sequential, 64 B stride, 256 MiB',
    'M accesses/s': M((reps * size) / 64, s64.cpu),
    'M pages/s': M(reps * pages, s64.cpu),
    'wall s': +s64.wall.toFixed(2),
  });
  const s4k = measure(() => {
    for (let r = 0; r < reps; r++) m.access(tid, BASE, size, 4096, pages, false);
  });
  rows.push({
    setup: name,
    pattern: 'sequential, 4 KiB stride, 256 MiB',
    'M accesses/s': M(reps * pages, s4k.cpu),
    'M pages/s': M(reps * pages, s4k.cpu),
    'wall s': +s4k.wall.toFixed(2),
  });
  for (const region of [4 * MiB, 64 * MiB]) {
    const n = 4_000_000;
    for (let i = 0; i < 100_000; i++) m.accessRandom(tid, BASE, region, 64, 1, false);
    const r = measure(() => {
      for (let i = 0; i < n; i++) m.accessRandom(tid, BASE, region, 64, 1, false);
    });
    rows.push({
      setup: name,
      pattern: `random single, ${region / MiB} MiB`,
      'M accesses/s': M(n, r.cpu),
      'M pages/s': M(n, r.cpu),
      'wall s': +r.wall.toFixed(2),
    });
  }
}
console.table(rows);
