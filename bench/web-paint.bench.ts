/**
 * Time to first paint of a 10,000-snapshot record in the browser (headless Chromium): navigation
 * start → first heatmap draw, and → the first draw with the whole history received. Also the
 * server's time to load the record into the feed, and the client's bounded store after loading.
 * The record (synthetic, json_compressed) is generated once into $TMPDIR/damon-ts-bench-web.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordFeed } from '../src/interfaces/web/server/record-feed.js';
import { startServer } from '../src/interfaces/web/server/server.js';
import { clientBundle } from '../src/interfaces/web/server/client-bundle.js';
import { haveChromium, launchChromium } from '../tests/web/chromium.js';
import { writeSynthetic } from '../tests/records/synthetic.js';

if (!haveChromium) {
  console.log('web-paint: skipped, /usr/bin/chromium is missing');
  process.exit(0);
}
const SNAPSHOTS = 10_000;
const dir = join(tmpdir(), 'damon-ts-bench-web');
mkdirSync(dir, { recursive: true });
const rows: Record<string, string | number>[] = [];
await clientBundle(); // bundled once up front: the paint time is the page's, not esbuild's
const chrome = await launchChromium();
for (const regions of [50, 200]) {
  const path = join(dir, `synthetic-${SNAPSHOTS}x${regions}.data`);
  if (!existsSync(path))
    writeSynthetic(path, 'json_compressed', { seed: 5, snapshots: SNAPSHOTS, regions, breakdown: true });
  let t = performance.now();
  const feed = await recordFeed(path);
  const loadMs = performance.now() - t;
  const srv = await startServer({ feed });
  const runs: { first: number; full: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await chrome.context.newPage();
    t = performance.now();
    await page.goto(srv.url);
    await page.waitForFunction(() => document.body.dataset.syncedPaintMs !== undefined, null, {
      timeout: 120_000,
    });
    const r = await page.evaluate(() => ({
      first: Number(document.body.dataset.firstPaintMs),
      full: Number(document.body.dataset.syncedPaintMs),
    }));
    runs.push(r);
    await page.close();
  }
  await srv.close();
  const med = (k: 'first' | 'full'): number => runs.map((r) => r[k]).sort((a, b) => a - b)[1]!;
  rows.push({
    'snapshots × regions': `${SNAPSHOTS} × ${regions}`,
    'server load ms': Math.round(loadMs),
    'first paint ms': med('first'),
    'full-history paint ms': med('full'),
    'frames kept (server)': feed.streams[0]!.store.frames.length,
  });
}
await chrome.close();
console.log('web-paint: median of 3 page loads, times from navigation start (performance.now in the page)');
console.table(rows);
