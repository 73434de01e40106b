// A report-fed context of the real core, fed live by the write-only source in DAMON's sampling mode,
// monitoring a child that keeps writing a known hot set: the regions learn where the writes are.
import { closeSync, openSync, readSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DamonContext } from '../../src/core/context.js';
import { runWallClock } from '../../src/core/drivers.js';
import { processRunning } from '../../src/backends/live/proc-maps.js';
import { wallClockTimeBaseUs } from '../../src/backends/live/source.js';
import { HELPER_ENV, launchWithUffdHelper } from '../../src/backends/live/uffd-helper.js';
import { WriteOnlySource } from '../../src/backends/live/write-only-source.js';
import { makeReportOps } from '../../src/ops/report-only.js';
import { fixtureBinary, helperLibrary, lines, skipReason } from './kernel-features.js';

const skip =
  skipReason('write-only source + core integration', ['root', 'tracefs', 'cc', 'userfaultfd']) !== null;
const MiB = 1 << 20;

describe.skipIf(skip)('live write-only source feeding a report-fed context', () => {
  beforeAll(() => {
    process.env[HELPER_ENV] = helperLibrary();
  });
  afterAll(() => {
    delete process.env[HELPER_ENV];
  });

  it('finds the written hot set and nothing in the cold part', async () => {
    const TOTAL = 64;
    const HOT = 16;
    const prog = await launchWithUffdHelper(fixtureBinary('hotset'), [String(TOTAL), String(HOT)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      prog.go();
      const first = (await lines(prog.child)()).split(' ');
      const base = parseInt(first[1]!, 16);
      // The child's count of completed rounds over the hot set, read from its memory.
      const mem = openSync(`/proc/${prog.pid}/mem`, 'r');
      const roundsAt = parseInt(first[3]!, 16);
      const rounds = (): bigint => {
        const b = Buffer.alloc(8);
        readSync(mem, b, 0, 8, roundsAt);
        return b.readBigInt64LE();
      };
      const src = new WriteOnlySource({ pid: prog.pid, timeBaseUs: wallClockTimeBaseUs() });
      // The source follows the context's sample clock: arm at prepare, check right before the check.
      const ops = makeReportOps({
        sampling: true,
        arm: (t) => src.arm(t.regions.samplingAddr, t.regions.length),
        alive: processRunning,
      });
      const ctx = new DamonContext({
        ops,
        attrs: { sampleInterval: 5000, aggrInterval: 100_000, minNrRegions: 10, maxNrRegions: 1000 },
        targets: [{ pid: prog.pid, regions: [{ start: base, end: base + TOTAL * MiB }] }],
        primitives: { pageTable: false, pageFault: true },
        seed: 1,
      });
      ctx.onBeforeCheck = (_c, nowUs) => src.sample(nowUs);
      // A window is judged when the child went through its whole hot set inside it (two rounds
      // completed since the window began), after the regions had 5 windows to adapt: on a loaded
      // machine that comes later, not never.
      let last: { start: number; end: number; nr: number }[] = [];
      let windows = 0;
      let judged = 0;
      let before = rounds();
      const ac = new AbortController();
      ctx.onAggregated((w) => {
        windows++;
        const now = rounds();
        const whole = now - before >= 2n;
        before = now;
        if (windows <= 5 || !whole) return;
        judged = windows;
        const r = w.targets[0]!.regions;
        last = Array.from({ length: r.length }, (_, i) => ({
          start: r.start[i]!,
          end: r.end[i]!,
          nr: r.nrAccesses[i]!,
        }));
        ac.abort();
      });
      src.start((b) => ctx.reportAccesses(b));
      const deadline = setTimeout(() => ac.abort(), 120_000);
      await runWallClock(ctx, { signal: ac.signal });
      clearTimeout(deadline);
      closeSync(mem);
      const stats = src.stop();
      expect(
        judged,
        `no window after the 5th in which the child went through its hot set (${windows} windows)`,
      ).toBeGreaterThan(5);
      expect(windows).toBeGreaterThanOrEqual(5);
      expect(stats.reports).toBeGreaterThan(0);
      expect(ctx.stats.reportsApplied).toBeGreaterThan(0);
      const hot = last.filter((r) => r.end <= base + HOT * MiB);
      const cold = last.filter((r) => r.start >= base + HOT * MiB);
      const bytes = (rs: typeof last): number => rs.reduce((s, r) => s + r.end - r.start, 0);
      // Most of the hot set is seen written in the last window; the cold part never is.
      expect(bytes(hot.filter((r) => r.nr > 0))).toBeGreaterThan(0.5 * bytes(hot));
      expect(cold.filter((r) => r.nr > 0)).toEqual([]);
      expect(bytes(cold)).toBeGreaterThan(0.5 * (TOTAL - HOT) * MiB);
    } finally {
      prog.child.kill('SIGKILL');
    }
  }, 180_000);
});
