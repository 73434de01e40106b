/** The dashboard server's security rules and protocol, over real sockets. */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Feed } from '../../src/interfaces/web/server/feed.js';
import { startServer, type RunningServer } from '../../src/interfaces/web/server/server.js';
import { decodeFrames } from '../../src/interfaces/web/shared/frame.js';
import type { ServerMessage } from '../../src/interfaces/web/shared/protocol.js';
import { recordHeader } from '../../src/records/types.js';

function feedWith(n: number): Feed {
  const feed = new Feed('live', 'test');
  const h = recordHeader({
    kdamond_idx: 0,
    context_idx: 0,
    target_id: 0,
    intervals: { sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 },
    data_source: 'test',
  });
  for (let i = 0; i < n; i++)
    feed.addSnapshot(h, {
      start_time: i * 1e8,
      end_time: (i + 1) * 1e8,
      regions: [
        {
          start: 0,
          end: 4096,
          nr_accesses: { samples: i % 20, percent: null },
          age: { usec: null, aggr_intervals: i },
          sz_filter_passed: 0,
        },
        {
          start: 4096,
          end: 12288,
          nr_accesses: { samples: 0, percent: null },
          age: { usec: null, aggr_intervals: 1 },
          sz_filter_passed: 0,
        },
      ],
    });
  return feed;
}

function get(
  port: number,
  path: string,
  o: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: o.headers },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const portOf = (s: RunningServer): number => (s.server.address() as AddressInfo).port;
let servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function start(o: Parameters<typeof startServer>[0]): Promise<RunningServer> {
  const s = await startServer(o);
  servers.push(s);
  return s;
}

describe('binding and tokens', () => {
  it('binds loopback by default, with no token', async () => {
    const s = await start({ feed: feedWith(1) });
    expect((s.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(s.token).toBeNull();
    expect((await get(portOf(s), '/metrics')).status).toBe(200);
  });

  it('refuses a non-loopback address without the explicit flag', async () => {
    await expect(startServer({ feed: feedWith(1), host: '0.0.0.0' })).rejects.toThrow(/--allow-remote/);
  });

  it('a non-loopback bind requires the token on every route and the socket (401 without)', async () => {
    const s = await start({ feed: feedWith(3), host: '0.0.0.0', allowRemote: true });
    const port = portOf(s);
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    for (const path of ['/', '/metrics', '/app.js', '/uplot.css']) {
      const r = await get(port, path);
      expect(r.status, path).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
    }
    expect(
      (await get(port, '/metrics', { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong-12' } }))
        .status,
    ).toBe(401);
    expect((await get(port, '/metrics', { headers: { authorization: `Bearer ${s.token}` } })).status).toBe(
      200,
    );
    const page = await get(port, `/?token=${s.token}`);
    expect(page.status).toBe(200);
    // The page hands the token to its script, stylesheet and socket as an HttpOnly SameSite cookie.
    expect(String(page.headers['set-cookie'])).toMatch(/damon_ts_token=.*HttpOnly; SameSite=Strict/);
    expect((await get(port, '/uplot.css', { headers: { cookie: `damon_ts_token=${s.token}` } })).status).toBe(
      200,
    );
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/stream`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/stream?token=${s.token}`);
    const first = await new Promise<ServerMessage>((resolve) =>
      ws.once('message', (d) => resolve(JSON.parse(String(d)) as ServerMessage)),
    );
    expect(first.type).toBe('hello');
    ws.close();
  });

  it('on loopback, rejects requests whose Host is not a loopback name (DNS rebinding)', async () => {
    const s = await start({ feed: feedWith(1) });
    expect((await get(portOf(s), '/metrics', { headers: { host: 'evil.example:80' } })).status).toBe(403);
    expect((await get(portOf(s), '/metrics', { headers: { host: `localhost:${portOf(s)}` } })).status).toBe(
      200,
    );
  });
});

describe('read-only', () => {
  it('answers 405 to every method but GET/HEAD, and 404 outside its fixed routes', async () => {
    const s = await start({ feed: feedWith(1) });
    const port = portOf(s);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
      for (const path of ['/', '/metrics', '/stream', '/x']) {
        const r = await get(port, path, { method });
        expect(r.status, `${method} ${path}`).toBe(405);
        expect(r.headers.allow).toBe('GET, HEAD');
      }
    for (const path of [
      '/../../etc/passwd',
      '/src/index.ts',
      '/package.json',
      '/api/run?cmd=id',
      '/metrics/../package.json',
    ])
      expect((await get(port, path)).status, path).toBe(404);
    expect((await get(port, '/', { method: 'HEAD' })).status).toBe(200);
  });

  it('no server module can write files or start processes', () => {
    const dirs = ['src/interfaces/web/server', 'src/interfaces/web/shared'];
    for (const d of dirs)
      for (const f of readdirSync(d)) {
        const text = readFileSync(join(d, f), 'utf8');
        expect(text, f).not.toMatch(
          /child_process|worker_threads|writeFile|appendFile|createWriteStream|openSync|mkdir|unlink|rmSync|renameSync|RecordWriter/,
        );
      }
  });

  it('exporter mode serves only /metrics', async () => {
    const s = await start({ feed: feedWith(2), metricsOnly: true });
    const port = portOf(s);
    expect((await get(port, '/')).status).toBe(404);
    expect((await get(port, '/app.js')).status).toBe(404);
    const m = await get(port, '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/^damon_nr_regions\{kdamond="0",context="0",target="0"\} 2$/m);
  });
});

describe('stream protocol', () => {
  it('sends hello, the history as frame batches, synced, then live frames', async () => {
    const feed = feedWith(2500);
    const s = await start({ feed, batchMs: 10 });
    const ws = new WebSocket(`ws://127.0.0.1:${portOf(s)}/stream`);
    const texts: ServerMessage[] = [];
    let frames = 0;
    let lastT1 = 0;
    const synced = new Promise<void>((resolve) =>
      ws.on('message', (d, binary) => {
        if (binary) {
          for (const f of decodeFrames(new Uint8Array(d as Buffer))) {
            frames++;
            lastT1 = f.meta.t1;
          }
          return;
        }
        const m = JSON.parse(String(d)) as ServerMessage;
        texts.push(m);
        if (m.type === 'synced') resolve();
      }),
    );
    await synced;
    expect(texts[0]).toMatchObject({ type: 'hello', mode: 'live', streams: [{ id: 0, key: '0 0 null 0' }] });
    expect(frames).toBe(2500);
    expect(lastT1).toBe(2500 * 1e8);
    const live = new Promise<number>((resolve) =>
      ws.on(
        'message',
        (d, binary) => binary && resolve(decodeFrames(new Uint8Array(d as Buffer))[0]!.meta.t1),
      ),
    );
    const h = feed.streams[0]!.header;
    feed.addSnapshot(h, {
      start_time: 2500 * 1e8,
      end_time: 2501 * 1e8,
      regions: [
        {
          start: 0,
          end: 4096,
          nr_accesses: { samples: 3, percent: null },
          age: { usec: null, aggr_intervals: 0 },
          sz_filter_passed: 0,
        },
      ],
    });
    expect(await live).toBe(2501 * 1e8);
    ws.close();
  });
});
