/**
 * --kernel on the real kernel: the running kdamonds (here kdamond 0, started at boot) recorded with
 * tracepoints into the dashboard feed and /metrics. Read-only for DAMON; the private tracefs
 * instance must be gone afterwards. Skips where DAMON sysfs, a running kdamond or root is missing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { feedRegistry } from '../../src/interfaces/web/server/metrics.js';
import { openSource } from '../../src/interfaces/web/server/sources.js';

const ADMIN = '/sys/kernel/mm/damon/admin/kdamonds';
function runningKdamond(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(ADMIN)) return `${ADMIN} is missing`;
  const on = readdirSync(ADMIN).filter(
    (d) => /^\d+$/.test(d) && readFileSync(`${ADMIN}/${d}/state`, 'utf8').trim() === 'on',
  );
  return on.length ? null : 'no running kdamond';
}
const missing = runningKdamond();
if (missing) console.log(`kernel source test skipped: ${missing}`);

const TRACEFS_INSTANCES = '/sys/kernel/tracing/instances';
const ours = (): string[] =>
  existsSync(TRACEFS_INSTANCES)
    ? readdirSync(TRACEFS_INSTANCES).filter((d) => d.startsWith(`damon-ts-${process.pid}-`))
    : [];

describe.skipIf(missing !== null)('--kernel source', () => {
  it('feeds the running kdamonds’ aggregation snapshots to the dashboard and /metrics, then cleans up', async () => {
    const state = readdirSync(ADMIN)
      .filter((d) => /^\d+$/.test(d))
      .map((d) => readFileSync(`${ADMIN}/${d}/state`, 'utf8'));
    const src = await openSource({ kernel: true, speed: 1, seed: 0 });
    try {
      const t0 = Date.now();
      while (!src.feed.streams.some((s) => s.received > 0) && Date.now() - t0 < 30_000)
        await new Promise((r) => setTimeout(r, 100));
      const st = src.feed.streams.find((s) => s.received > 0);
      expect(st, 'a snapshot within 30 s').toBeDefined();
      expect(st!.header.data_source).toMatch(/trace|aggregated/i);
      const text = await feedRegistry(src.feed).metrics();
      const last = st!.last!;
      let wss = 0;
      for (const r of last.regions) if (r.nr_accesses.samples >= 1) wss += r.end - r.start;
      const labels = `kdamond="${st!.info.kdamond}",context="${st!.info.context}",target="${st!.info.target}"`;
      expect(text).toContain(`damon_nr_regions{${labels}} ${last.regions.length}\n`);
      expect(text).toContain(`damon_wss_bytes{${labels}} ${wss}\n`);
    } finally {
      src.run!.stop();
      await src.run!.done;
    }
    expect(ours()).toEqual([]);
    // DAMON itself untouched.
    expect(
      readdirSync(ADMIN)
        .filter((d) => /^\d+$/.test(d))
        .map((d) => readFileSync(`${ADMIN}/${d}/state`, 'utf8')),
    ).toEqual(state);
  }, 60_000);
});
