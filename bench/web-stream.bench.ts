/**
 * Server CPU per 1,000 snapshots streamed to a dashboard client over the WebSocket. The client runs
 * in its own process (it counts frames from each batch's JSON head), so the process CPU measured
 * (process.cpuUsage: user + system) is the server's alone:
 * - history: a client connects to a feed holding N snapshots (encode + send);
 * - live: N snapshots are added to the feed while a client is connected (snapshot → frame
 *   conversion with wss and breakdown, bounded store, batching, encode, send).
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { Feed } from '../src/interfaces/web/server/feed.js';
import { startServer } from '../src/interfaces/web/server/server.js';
import { syntheticHeader, syntheticSnapshots } from '../tests/records/synthetic.js';

const N = Number(process.env.WEB_BENCH_N ?? 10_000);
const CLIENT = `
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[1]);
let frames = 0;
ws.on('message', (d, binary) => {
  if (binary) { const len = d.readUInt32LE(0); frames += JSON.parse(d.subarray(4, 4 + len).toString()).frames.length; }
  else if (JSON.parse(String(d)).type === 'synced') process.stdout.write('synced\\n');
  process.stdout.write('frames ' + frames + '\\n');
});`;

function client(url: string): { waitFrames(n: number): Promise<void>; kill(): void } {
  const p = spawn(process.execPath, ['-e', CLIENT, url], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: process.cwd(),
  });
  let seen = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  let buf = '';
  p.stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l.startsWith('frames ')) seen = Number(l.slice(7));
    for (const w of waiters.splice(0))
      if (seen >= w.n) w.resolve();
      else waiters.push(w);
  });
  return {
    waitFrames: (n) => new Promise<void>((resolve) => (seen >= n ? resolve() : waiters.push({ n, resolve }))),
    kill: () => p.kill(),
  };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

const rows: Record<string, string | number>[] = [];
for (const regions of [50, 500]) {
  const opts = { seed: 1, snapshots: N, regions, breakdown: true };
  const h = syntheticHeader(opts);

  // history
  const full = new Feed('record', 'bench');
  for (const s of syntheticSnapshots(opts)) full.addSnapshot(h, s);
  process.stderr.write(`web-stream: ${regions} regions: feed filled\n`);
  const srv = await startServer({ feed: full });
  const url = `ws://127.0.0.1:${(srv.server.address() as AddressInfo).port}/stream`;
  let t = performance.now();
  let c0 = process.cpuUsage();
  // A store over its bounds holds merged frames (each standing for several snapshots): wait for those.
  const stored = full.streams[0]!.store.frames.length;
  const c = client(url);
  await c.waitFrames(stored);
  const histCpu = cpuMs(c0);
  const histWall = performance.now() - t;
  c.kill();
  await srv.close();

  process.stderr.write(`web-stream: ${regions} regions: history streamed\n`);
  // live
  const live = new Feed('live', 'bench');
  const srv2 = await startServer({ feed: live, batchMs: 100 });
  const c2 = client(`ws://127.0.0.1:${(srv2.server.address() as AddressInfo).port}/stream`);
  await new Promise((r) => setTimeout(r, 500)); // connected and synced (empty history)
  t = performance.now();
  c0 = process.cpuUsage();
  // The generator's own cost is inside the measured CPU; it is measured alone below and subtracted.
  let i = 0;
  for (const s of syntheticSnapshots(opts)) {
    live.addSnapshot(h, s);
    if (++i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  await c2.waitFrames(N); // live frames are sent as they come, before any merging
  let liveCpu = cpuMs(c0);
  const g0 = process.cpuUsage();
  for (const s of syntheticSnapshots(opts)) void s;
  liveCpu -= cpuMs(g0);
  const liveWall = performance.now() - t;
  c2.kill();
  await srv2.close();

  rows.push({
    regions,
    mode: `history (${stored} frames)`,
    'server CPU ms / 1000 snapshots': +(histCpu / (N / 1000)).toFixed(1),
    'wall ms (10k)': Math.round(histWall),
  });
  rows.push({
    regions,
    mode: 'live',
    'server CPU ms / 1000 snapshots': +(liveCpu / (N / 1000)).toFixed(1),
    'wall ms (10k)': Math.round(liveWall),
  });
}
console.log(`web-stream: ${N} snapshots per run, client in a separate process`);
console.table(rows);
