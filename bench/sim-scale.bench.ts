/**
 * Scale: a 1 TiB address space with 16 GiB touched (8192 touched 2 MiB chunks, 128 MiB apart)
 * must fit in 4 GiB of RSS; and the per-call cost of the monitor's primitives (mkold + young,
 * protect) must not grow with the address space.
 */
import { Machine } from '../src/backends/sim/machine.js';

const MiB = 1 << 20;
const GiB = 1 << 30;
const BASE = 0x100000000000;

function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const rows: Record<string, string | number>[] = [];
for (const [space, touched, gt] of [
  [GiB, GiB, false],
  [64 * GiB, 4 * GiB, false],
  [1024 * GiB, 16 * GiB, false],
  [1024 * GiB, 16 * GiB, true],
] as const) {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const m = new Machine({
    memoryBytes: touched + GiB,
    groundTruth: gt ? { intervalUs: 5000, windowUs: 100000 } : false,
  });
  const pid = m.createProcess('scale');
  m.mmap(pid, BASE, space);
  const chunks = touched / (2 * MiB);
  const gap = space / chunks;
  const touchS = cpuSeconds(() => {
    for (let c = 0; c < chunks; c++) m.access(pid, BASE + c * gap, 2 * MiB, 4096, 512, true);
  });
  m.advance(0, 5000);
  // One "sample" per region for 10k regions spread over the whole space.
  const regions = 10_000;
  let x = 0;
  const n = 20;
  const sampleS = cpuSeconds(() => {
    for (let s = 0; s < n; s++) {
      for (let r = 0; r < regions; r++) {
        const a = BASE + Math.floor((r + 0.5) * (space / regions)) - ((r * 4096) % gap);
        m.mkold(pid, a);
        if (m.young(pid, a).young) x++;
      }
    }
  });
  const protS = cpuSeconds(() => {
    for (let r = 0; r < regions; r++) m.protect(pid, BASE + Math.floor(r * (space / regions)), 'none');
  });
  global.gc?.();
  const rss = process.memoryUsage().rss;
  rows.push({
    'address space GiB': space / GiB,
    'touched GiB': touched / GiB,
    'ground truth': gt ? 'on' : 'off',
    'touch M pages/s': +(touched / 4096 / touchS / 1e6).toFixed(1),
    'mkold+young ns/region': +((sampleS / (n * regions)) * 1e9).toFixed(0),
    'protect ns/call': +((protS / regions) * 1e9).toFixed(0),
    'RSS MiB': Math.round(rss / MiB),
    'RSS growth MiB': Math.round((rss - rss0) / MiB),
  });
  if (x < 0) console.log(x);
}
console.table(rows);
const last = rows[rows.length - 2]!;
console.log(
  `1 TiB space, 16 GiB touched: RSS ${last['RSS MiB']} MiB (limit 4096 MiB) -> ${Number(last['RSS MiB']) <= 4096 ? 'OK' : 'OVER'}`,
);
