/**
 * The dashboard in real Chromium (/usr/bin/chromium, headless, offline flags, fresh profile) driven
 * by playwright-core: on a record file and on a live simulated run. Screenshots go to artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Feed } from '../../src/interfaces/web/server/feed.js';
import { runSimLive } from '../../src/interfaces/web/server/live-feed.js';
import { recordFeed } from '../../src/interfaces/web/server/record-feed.js';
import { startServer, type RunningServer } from '../../src/interfaces/web/server/server.js';
import { readRecords } from '../../src/records/reader.js';
import type { DamonRecord } from '../../src/records/types.js';
import { CHROMIUM, haveChromium, launchChromium } from './chromium.js';
import { makeRecord, twoContextSession } from './fixtures.js';
import { syntheticHeader, syntheticSnapshots } from '../records/synthetic.js';
import { STORE_MAX_FRAMES } from '../../src/interfaces/web/shared/frame.js';
import { fmtSz } from '../../src/records/pyformat.js';
import { DIRTY_DEFAULTS, dirtyReportOf, writeSeriesOf } from '../../src/reports/dirty.js';
import { computeNuma } from '../../src/reports/numa.js';
import { ensureBuilt, run } from '../cli-helpers.js';

if (!haveChromium) console.log(`dashboard e2e skipped: ${CHROMIUM} is missing`);

let chrome: Awaited<ReturnType<typeof launchChromium>> | null = null;
let browser: BrowserContext;
const artifacts = join(process.cwd(), 'artifacts');

/** Pixels of a canvas that are not the no-data background, and distinct colours among them. */
async function canvasContent(
  page: Page,
  id: string,
): Promise<{ painted: number; total: number; colours: number }> {
  return page.evaluate((cid) => {
    const c = document.getElementById(cid) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    const colours = new Set<number>();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] === 12 && d[i + 1] === 13 && d[i + 2] === 16) continue;
      painted++;
      colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    }
    return { painted, total: d.length / 4, colours: colours.size };
  }, id);
}

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(artifacts, { recursive: true });
  chrome = await launchChromium();
  browser = chrome.context;
}, 60_000);
afterAll(async () => {
  await chrome?.close();
});

describe.skipIf(!haveChromium)('dashboard in Chromium', () => {
  let path = '';
  let records: DamonRecord[] = [];
  let srv: RunningServer | null = null;
  afterAll(async () => {
    await srv?.close();
    if (path) rmSync(dirname(path), { recursive: true, force: true });
  });

  it('draws a record: heatmap pixels, side-by-side contexts, charts, and a hover with the region’s values', async () => {
    path = makeRecord(3);
    records = await readRecords(path);
    srv = await startServer({ feed: await recordFeed(path) });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(srv.url);
    await page.waitForFunction(
      () =>
        document.getElementById('status')?.dataset.state === 'record' &&
        Number(document.body.dataset.painted ?? 0) > 0,
      null,
      { timeout: 30_000 },
    );
    const total = records.reduce((s, r) => s + r.snapshots.length, 0);
    expect(await page.getAttribute('#status', 'data-snapshots')).toBe(String(total));
    for (const side of ['left', 'right']) {
      const c = await canvasContent(page, `heatmap-${side}`);
      expect(c.painted / c.total, side).toBeGreaterThan(0.5);
      expect(c.colours, side).toBeGreaterThan(3);
    }
    // Two contexts → side by side: page_table left, page_fault right, the latter with its breakdown.
    expect(await page.textContent('#panel-left h2')).toContain('page_table');
    expect(await page.textContent('#panel-right h2')).toContain('page_fault');
    // Charts are drawn at most every 250 ms after the heatmap.
    await page.locator('#panel-right h3', { hasText: 'Access breakdown' }).waitFor();
    await expect.poll(() => page.locator('#panel-left .uplot').count()).toBe(2);
    // page_fault records carry write samples: the breakdown and the dirty rate join wss and regions.
    await expect.poll(() => page.locator('#panel-right .uplot').count()).toBe(4);
    expect(await page.locator('#panel-left h3', { hasText: 'Access breakdown' }).count()).toBe(0);
    // Per-thread breakdown: the workload's thread ids become the series.
    await page.locator('#panel-right select').first().selectOption('thread');
    await expect
      .poll(() => page.locator('#panel-right .u-legend').nth(2).textContent()) // wss, regions, breakdown, dirty rate
      .toMatch(/thread \d+/);

    // Hover the middle of the left heatmap: the tooltip names a region of the snapshot under the pointer.
    const box = (await page.locator('#heatmap-left').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    const tip = page.locator('#tooltip-left');
    await tip.waitFor({ state: 'visible' });
    const text = (await tip.textContent())!;
    const m =
      /region +\[0x([0-9a-f]+), 0x([0-9a-f]+)\)[\s\S]*nr_accesses (\d+) \/ (\d+)[\s\S]*age +(\d+) aggr[\s\S]*snapshot ([\d.]+) s/.exec(
        text,
      );
    expect(m, text).not.toBeNull();
    const [start, end, nr, , age, t0] = [
      parseInt(m![1]!, 16),
      parseInt(m![2]!, 16),
      Number(m![3]),
      Number(m![4]),
      Number(m![5]),
      m![6]!,
    ];
    const rec = records.find((r) => r.kdamond_idx === 0)!;
    const snap = rec.snapshots.find((s) => (s.start_time! / 1e9).toFixed(3) === t0)!;
    expect(snap, `snapshot at ${t0}`).toBeDefined();
    const region = snap.regions.find((r) => r.start === start && r.end === end)!;
    expect(region, `region ${start}-${end}`).toBeDefined();
    expect(region.nr_accesses.samples).toBe(nr);
    expect(region.age.aggr_intervals).toBe(age);
    await page.screenshot({ path: join(artifacts, 'dashboard-record.png'), fullPage: true });

    // Zoom (wheel) redraws a narrower time window.
    const before = await page.textContent('#panel-left .axis');
    await page.mouse.wheel(0, -400);
    await expect.poll(() => page.textContent('#panel-left .axis')).not.toBe(before);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows the decision views: dirty rate against the link, remote fraction, the sharing matrix', async () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'damon-ts-web-decisions-'));
    const rec = join(dir, 'numa.data');
    const made = run([
      'record',
      '--workload',
      'numa',
      '--nodes',
      '2',
      '--sample_primitives',
      'page_fault',
      '--slices',
      'thread',
      '--timeout',
      '1.5',
      '-o',
      rec,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const sharingJson = JSON.parse(run(['report', 'sharing', '-i', rec, '--json']).stdout) as {
      slices: { id: number }[];
      shared_bytes: number[][];
    };
    const recs = (await readRecords(rec)).filter((r) => r.scheme_idx === null);
    const srv3 = await startServer({ feed: await recordFeed(rec) });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(srv3.url);
      await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'record', null, {
        timeout: 30_000,
      });
      // The right panel shows the second slice context: a thread that writes, on the far node from its pages.
      const right = recs[1]!;
      expect(await page.textContent('#panel-right h2')).toContain(right.data_source);
      const dirty = dirtyReportOf(writeSeriesOf(right, rec), DIRTY_DEFAULTS);
      expect(dirty.windows.length).toBeGreaterThan(0);
      await expect
        .poll(() => page.textContent('#dirty-right'))
        .toContain(
          `dirty rate ${fmtSz(Math.round(dirty.dirty_rate), false)}/s over ${dirty.windows.length} windows; pre-copy at 10 Gbit/s`,
        );
      await page.selectOption('#link-right', String(1e9 / 8));
      await expect.poll(() => page.textContent('#dirty-right')).toContain('pre-copy at 1 Gbit/s');
      const numa = computeNuma([right])[0]!;
      expect(numa.remote_fraction).toBeGreaterThan(0.3);
      await expect
        .poll(() => page.textContent('#remote-right'))
        .toContain(`remote ${(100 * numa.remote_fraction!).toFixed(1)} % of the accesses`);
      // The sharing matrix: the numbers `report sharing` prints, cell by cell.
      const rows = await page
        .locator('table.sharing tr')
        .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent ?? '')));
      expect(rows[0]!.slice(1)).toEqual(sharingJson.slices.map((x) => String(x.id)));
      sharingJson.slices.forEach((x, i) =>
        expect(rows[i + 1]).toEqual([
          `thread ${x.id}`,
          ...sharingJson.shared_bytes[i]!.map((v) => fmtSz(Math.round(v), false)),
        ]),
      );
      await page.screenshot({ path: join(artifacts, 'dashboard-decisions.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await srv3.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('follows a live simulated run: new snapshots appear and are drawn, DAMOS stats shown', async () => {
    const feed = new Feed('live', 'live stairs');
    // A DAMOS scheme from the configuration, run by the session: stat on regions accessed at all.
    const session = twoContextSession(feed, 11, { damos_action: ['stat'], damos_access_rate: ['1%', 'max'] });
    const run = runSimLive(feed, session, { speed: 1 });
    const live = await startServer({ feed, batchMs: 50 });
    try {
      const page = await browser.newPage();
      await page.goto(live.url);
      await page.waitForFunction(
        () => Number(document.getElementById('status')?.dataset.snapshots ?? 0) > 0,
        null,
        { timeout: 30_000 },
      );
      const n0 = Number(await page.getAttribute('#status', 'data-snapshots'));
      const p0 = Number(await page.evaluate(() => document.body.dataset.painted));
      await page.waitForFunction(
        (n) => Number(document.getElementById('status')!.dataset.snapshots) > n,
        n0,
        { timeout: 30_000 },
      );
      await page.waitForFunction((p) => Number(document.body.dataset.painted) > p, p0, { timeout: 30_000 });
      expect(await page.getAttribute('#status', 'data-state')).toBe('live');
      const c = await canvasContent(page, 'heatmap-left');
      expect(c.painted).toBeGreaterThan(0);
      await page.locator('#damos-left td').first().waitFor({ timeout: 30_000 });
      const row = await page.locator('#damos-left tr').nth(1).textContent();
      expect(row).toMatch(/^0stat\d+/);
      expect(session.schemes[0]!.schemes[0]!.stat.nrTried).toBeGreaterThan(0);
      await page.screenshot({ path: join(artifacts, 'dashboard-live.png'), fullPage: true });
      await page.close();
    } finally {
      run.stop();
      await live.close();
    }
  }, 90_000);

  it('keeps client memory bounded on a long run: older snapshots are merged, the page keeps drawing', async () => {
    const feed = new Feed('live', 'long run');
    const srv2 = await startServer({ feed, batchMs: 20 });
    try {
      const page = await browser.newPage();
      await page.goto(srv2.url);
      await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'live');
      const opts = { seed: 2, snapshots: 12_000, regions: 60, breakdown: true };
      const h = syntheticHeader(opts);
      let i = 0;
      for (const snap of syntheticSnapshots(opts)) {
        feed.addSnapshot(h, snap);
        if (++i % 1000 === 0) await new Promise((r) => setTimeout(r, 30));
      }
      await page.waitForFunction(
        () => document.getElementById('status')!.dataset.snapshots === '12000',
        null,
        { timeout: 60_000 },
      );
      const title = (await page.textContent('#panel-left h2'))!;
      const kept = Number(/12000 snapshots \((\d+) kept\)/.exec(title)?.[1]);
      expect(kept, title).toBeLessThanOrEqual(STORE_MAX_FRAMES);
      expect(kept).toBeGreaterThan(STORE_MAX_FRAMES / 2);
      await page.waitForTimeout(600);
      expect((await canvasContent(page, 'heatmap-left')).painted).toBeGreaterThan(0);
      const heap = await page.evaluate(
        () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
      );
      expect(heap).toBeLessThan(256 << 20);
      await page.screenshot({ path: join(artifacts, 'dashboard-long-run.png'), fullPage: true });
      await page.close();
    } finally {
      await srv2.close();
    }
  }, 120_000);
});
