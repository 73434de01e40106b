/**
 * Simulation speed of the machine's access paths: batched sequential access (page touches/s and
 * accesses/s), random single accesses, and the same with ground truth and a 0-entry TLB.
 */
import { Machine } from '../src/backends/sim/machine.js';
import type { MachineConfig } from '../src/backends/sim/config.js';

const MiB = 1 << 20;
const BASE = 0x7f0000000000;

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
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
for (const [name, cfg] of setups) {
  // Sequential: a 256 MiB region, one access per page per batch (stride 4 KiB) ...
  const size = 256 * MiB;
  const { m, tid } = machine(cfg, size);
  const pages = size / 4096;
  const reps = 20;
  const seqS = time(() => {
    for (let r = 0; r < reps; r++) m.access(tid, BASE, size, 4096, pages, r % 2 === 1);
  });
  // ... and the masim-like case: stride 64, 64 accesses per page.
  const s64 = time(() => {
    for (let r = 0; r < reps; r++) m.access(tid, BASE, size, 64, size / 64, false);
  });
  // Random single accesses over a 64 MiB region.
  const n = 5_000_000;
  const randS = time(() => {
    for (let i = 0; i < n; i++) m.accessRandom(tid, BASE, 64 * MiB, 64, 1, false);
  });
  rows.push({
    setup: name,
    'seq 4K-stride Mpages/s': +((reps * pages) / seqS / 1e6).toFixed(1),
    'seq 64B-stride Maccesses/s': +((reps * size) / 64 / s64 / 1e6).toFixed(0),
    'seq 64B-stride Mpages/s': +((reps * pages) / s64 / 1e6).toFixed(1),
    'random single Maccesses/s': +(n / randS / 1e6).toFixed(1),
  });
}
console.table(rows);
