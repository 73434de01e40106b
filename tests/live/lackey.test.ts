import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LackeySource, readLackeyLog } from '../../src/backends/live/lackey-source.js';
import type { ReportBatch } from '../../src/core/types.js';
import { REPO, skipReason } from './kernel-features.js';

function collect(): { sink: (b: ReportBatch) => void; out: number[][] } {
  const out: number[][] = [];
  return {
    out,
    sink: (b) => {
      for (let i = 0; i < b.length; i++)
        out.push([b.vaddr[i]!, b.size[i]!, b.cpu[i]!, b.tid[i]!, b.tgid[i]!, b.isWrite[i]!, b.time[i]!]);
    },
  };
}

describe("lackey source (on the trace layer's decoder)", () => {
  it('turns a saved log into exact reports with the trace clock', async () => {
    const c = collect();
    const n = await readLackeyLog(join(REPO, 'tests/live/fixtures/lackey-small.lackey.txt'), c.sink, 1000);
    // M is a load then a store; ThreadId 1 is the main thread (tid = pid 4242); valgrind has no CPU.
    expect(c.out.map((r) => r.slice(0, 6))).toEqual([
      [0x1ffefff000, 8, -1, 4242, 4242, 0],
      [0x1ffefff008, 4, -1, 4242, 4242, 1],
      [0x0401a000, 4, -1, 4242, 4242, 0],
      [0x0401a000, 4, -1, 4242, 4242, 1],
    ]);
    expect(c.out.every((r) => r[6]! >= 1000)).toBe(true);
    expect(n).toBe(4);
  });
});

const skip = skipReason('live lackey source test', ['valgrind']) !== null;

describe.skipIf(skip)('live lackey source', () => {
  it('streams the accesses of a program run under valgrind', async () => {
    const c = collect();
    const src = new LackeySource({ cmd: '/bin/true', stdio: 'ignore' });
    src.start(c.sink);
    const stats = await src.stop();
    expect(stats.reports).toBe(c.out.length);
    expect(c.out.length).toBeGreaterThan(10_000);
    const pid = src.pid!;
    expect(pid).toBeGreaterThan(0);
    expect(c.out.every((r) => r[4] === pid && r[3] === pid && r[2] === -1)).toBe(true);
    const writes = c.out.filter((r) => r[5] === 1).length;
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(c.out.length);
  });
});
