/**
 * Seeded fuzzing of a `damon-ts serve` process over raw sockets: generated HTTP request lines and
 * headers (mixing the names and values the server looks at with arbitrary bytes), and generated
 * WebSocket frames after a normal upgrade. Every input must be answered or dropped without a 5xx,
 * the server must close the connection once the client is done (no hang), and afterwards it must
 * still serve the record's metrics (no crash).
 */
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliServer } from './cli-process.js';
import { makeRecord } from './fixtures.js';
import { closeCodeOf, exchange, frame, statusOf, upgradeRequest, WS_KEY } from './raw-socket.js';

const RUNS = 250;
const SEED = 1515;

let path = '';
let c: CliServer;
let port = 0;
let baseline = '';
let sent = 0;
/** How the server answered: `HTTP <status>` and `close <code>` counts, printed at the end. */
const answers = new Map<string, number>();
const tally = (k: string): void => void answers.set(k, (answers.get(k) ?? 0) + 1);
beforeAll(async () => {
  path = makeRecord(1);
  c = await cli(['serve', '--record', path, '--port', '0'], /^dashboard: http:\/\/127\.0\.0\.1:(\d+)\/$/);
  port = Number(c.match[1]);
  baseline = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(baseline).toMatch(/^damon_nr_regions\{kdamond="1",context="0",target="0"\} \d+$/m);
}, 60_000);
afterAll(async () => {
  console.log(`server-fuzz.test.ts: ${sent} generated inputs sent; answers:`, Object.fromEntries(answers));
  expect(c.err.join('')).toBe('');
  expect(await c.stop()).toBe(0);
  rmSync(dirname(path), { recursive: true, force: true });
});

async function stillServes(): Promise<void> {
  expect(c.exited(), 'the server exited').toBeNull();
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(r.status).toBe(200);
  expect(await r.text()).toBe(baseline);
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const bytes = (max: number): fc.Arbitrary<string> => fc.uint8Array({ maxLength: max }).map(latin1);
const utf8 = (max: number): fc.Arbitrary<Uint8Array> =>
  fc.string({ maxLength: max }).map((s) => new TextEncoder().encode(s));
/** Mostly `usual`, sometimes `other`. */
const mostly = <T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>, weight = 6): fc.Arbitrary<T> =>
  fc.oneof({ weight, arbitrary: usual }, { weight: 1, arbitrary: other });
/** Mostly undefined, sometimes a value of `a`. */
const sometimes = <T>(a: fc.Arbitrary<T>, weight: number): fc.Arbitrary<T | undefined> =>
  mostly(fc.constant(undefined), a, weight);
/** Mostly one of `values` (what the server looks for), sometimes arbitrary bytes. */
const oneOf = (values: string[], max = 40): fc.Arbitrary<string> =>
  mostly(fc.constantFrom(...values), bytes(max), 15);

/**
 * A request: method, target, version, the usual head (Host, or the WebSocket upgrade set) with
 * some lines dropped, extra headers, line ends, bytes after the head, a cut.
 */
const httpRequest = (p: number): fc.Arbitrary<Buffer> => {
  const pair = (names: string[], values: string[]): fc.Arbitrary<[string, string]> =>
    fc.tuple(oneOf(names), oneOf(values));
  const header = fc.oneof(
    {
      weight: 3,
      arbitrary: pair(['Origin'], [`http://127.0.0.1:${p}`, 'null', 'http://evil.example', 'http://[', '']),
    },
    {
      weight: 1,
      arbitrary: pair(['Host'], [`127.0.0.1:${p}`, 'localhost', `[::1]:${p}`, 'evil.example', '', ':']),
    },
    { weight: 1, arbitrary: pair(['Connection'], ['Upgrade', 'keep-alive, Upgrade', 'close']) },
    { weight: 1, arbitrary: pair(['Upgrade'], ['websocket', 'WebSocket', 'h2c', '']) },
    { weight: 1, arbitrary: pair(['Sec-WebSocket-Key'], [WS_KEY, '', 'AAAA']) },
    { weight: 1, arbitrary: pair(['Sec-WebSocket-Version'], ['13', '8', '0', '-1', '99999999999999999999']) },
    { weight: 1, arbitrary: pair(['Content-Length'], ['0', '5', '-1', '1e3', '99999999999999999999']) },
    { weight: 1, arbitrary: pair(['Transfer-Encoding'], ['chunked', 'gzip, chunked', 'identity']) },
    { weight: 1, arbitrary: pair(['Cookie', 'Authorization'], ['damon_ts_token=x', 'Bearer ', 'Bearer x']) },
    { weight: 1, arbitrary: fc.tuple(bytes(20), bytes(40)) },
  );
  return fc
    .record({
      method: mostly(fc.constant('GET'), oneOf(['HEAD', 'POST', 'OPTIONS', 'CONNECT', 'PRI', 'get'], 10), 4),
      target: oneOf([
        '/',
        '/metrics',
        '/stream',
        '/app.js',
        'http://[',
        '*',
        '//x',
        `http://127.0.0.1:${p}/stream`,
        '/stream?token=%zz',
        '/%00',
      ]),
      version: mostly(
        fc.constant('HTTP/1.1'),
        oneOf(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 x', '', 'http/1.1'], 10),
        5,
      ),
      upgrade: fc.boolean(),
      drop: fc.array(fc.nat(), { maxLength: 2 }).map((a) => (a.length === 2 ? a : [])),
      headers: fc.array(header, { maxLength: 4 }),
      eol: mostly(fc.constant('\r\n'), fc.constantFrom('\n', '\r', '\r\r\n')),
      // Bytes after the head are a body or the next pipelined request.
      body: mostly(fc.constant(''), bytes(64), 3),
      cut: sometimes(fc.nat(), 6),
    })
    .map((r) => {
      const usual = r.upgrade
        ? latin1(upgradeRequest(p)).split('\r\n').slice(1, -2)
        : [`Host: 127.0.0.1:${p}`];
      const kept = usual.filter((_, i) => !r.drop.some((d) => d % usual.length === i));
      const lines = [
        `${r.method} ${r.target} ${r.version}`,
        ...kept,
        ...r.headers.map(([k, v]) => `${k}: ${v}`),
      ];
      const buf = Buffer.from(`${lines.join(r.eol)}${r.eol}${r.eol}${r.body}`, 'latin1');
      return r.cut === undefined ? buf : buf.subarray(0, r.cut % (buf.length + 1));
    });
};

/** A close frame's body: a status code, valid or not, and a reason. */
const closePayload = fc
  .tuple(
    fc.constantFrom(1000, 1001, 1003, 1005, 1006, 1011, 1015, 999, 2999, 3000, 4999, 5000, 65535),
    fc.oneof(utf8(20), fc.uint8Array({ maxLength: 8 })),
  )
  .map(([code, reason]) => {
    const b = Buffer.alloc(2 + reason.length);
    b.writeUInt16BE(code);
    b.set(reason, 2);
    return new Uint8Array(b);
  });

/**
 * Frames a client could send: mostly well-formed ones (so that later frames get read too), with
 * any opcode, RSV bits, unmasked, payloads around the 1 KiB limit, lying lengths.
 */
const wsFrame = fc
  .record({
    fin: mostly(fc.constant(true), fc.constant(false), 4),
    rsv: mostly(fc.constant(0), fc.integer({ min: 1, max: 7 }), 12),
    opcode: mostly(fc.constantFrom(0, 1, 1, 2, 8, 9, 10), fc.integer({ min: 0, max: 15 })),
    mask: mostly(fc.constant(true), fc.constant(false), 12),
    maskKey: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    payload: fc.oneof(
      { weight: 4, arbitrary: utf8(40) },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 130 }) },
      { weight: 2, arbitrary: closePayload },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 1100 }) },
    ),
    lie: sometimes(
      fc.oneof(
        fc.bigInt({ min: 0n, max: 300n }),
        fc.constantFrom(1025n, 65535n, 65536n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n),
      ),
      12,
    ),
  })
  .map((f) =>
    frame({
      fin: f.fin,
      rsv: f.rsv,
      opcode: f.opcode,
      mask: f.mask,
      maskKey: Buffer.from(f.maskKey),
      payload: Buffer.from(f.payload),
      declaredLength: f.lie,
    }),
  );

describe('serve under generated hostile input', () => {
  it(`raw HTTP request lines and headers (${RUNS} runs, seed ${SEED}): no 5xx, no hang, no crash`, async () => {
    await fc.assert(
      fc.asyncProperty(httpRequest(port), async (request) => {
        sent++;
        const { data } = await exchange(port, request);
        const status = statusOf(data);
        tally(`HTTP ${status}`);
        // Either dropped silently or answered with a well-formed status line; never a server error.
        if (data.length > 0) expect(status).not.toBeNull();
        if (status !== null) expect(status).toBeLessThan(500);
        await stillServes();
      }),
      // No shrinking: once the server is down every smaller input fails too, which would hide the culprit.
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The generator reaches every stage: the parser, the routes, the Origin check, the upgrade.
    for (const k of ['HTTP 400', 'HTTP 404', 'HTTP 200', 'HTTP 403', 'HTTP 101'])
      expect(answers.has(k), k).toBe(true);
  }, 240_000);

  it(`WebSocket frames after a normal upgrade (${RUNS} runs, seed ${SEED}): RFC close codes, no hang, no crash`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(wsFrame, { minLength: 1, maxLength: 6 }),
        mostly(fc.constant(new Uint8Array()), fc.uint8Array({ maxLength: 16 }), 3),
        sometimes(fc.nat(), 6),
        async (frames, tail, cut) => {
          sent++;
          let wire = Buffer.concat([...frames, Buffer.from(tail)]);
          if (cut !== undefined) wire = wire.subarray(0, cut % (wire.length + 1));
          const { data } = await exchange(port, upgradeRequest(port), { after: [wire] });
          expect(statusOf(data)).toBe(101);
          const code = closeCodeOf(data);
          tally(`close ${code}`);
          // A protocol error's code, or the echo of a valid close frame the client sent.
          const echoed = frames
            .filter((f) => (f[0]! & 0x0f) === 8 && f.length >= 8)
            .map((f) => ((f[6]! ^ f[2]!) << 8) | (f[7]! ^ f[3]!));
          if (code !== null) expect([1002, 1007, 1009, ...echoed]).toContain(code);
          await stillServes();
        },
      ),
      // No shrinking: once the server is down every smaller input fails too, which would hide the culprit.
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    for (const k of ['close 1002', 'close 1007', 'close 1009', 'close null'])
      expect(answers.has(k), k).toBe(true);
  }, 240_000);
});
