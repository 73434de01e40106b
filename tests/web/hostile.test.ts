/**
 * The dashboard and the exporter, started as a user starts them (`damon-ts serve` / `exporter`
 * child processes), against malformed and hostile HTTP requests and WebSocket frames sent over raw
 * sockets. After every input the server must still answer /metrics with the record's metrics.
 */
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliServer } from './cli-process.js';
import { makeRecord } from './fixtures.js';
import { closeCodeOf, exchange, frame, serverFrames, statusOf, upgradeRequest } from './raw-socket.js';

let path = '';
beforeAll(() => {
  path = makeRecord(1);
}, 60_000);
afterAll(() => rmSync(dirname(path), { recursive: true, force: true }));

/** Hostile inputs sent by this file (printed at the end). */
let sent = 0;
afterAll(() => console.log(`hostile.test.ts: ${sent} hostile inputs sent`));

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const TEXT = 1;
const BINARY = 2;
const CLOSE = 8;
const PING = 9;
const closeBody = (code: number, reason = Buffer.alloc(0)): Buffer => {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(code);
  return Buffer.concat([p, reason]);
};

interface Case {
  name: string;
  request: Buffer;
  /** Frames sent once the 101 arrived. */
  frames?: Buffer[];
  reset?: boolean;
  /** Expected HTTP status (null: the connection closes without one; a list: any of them). */
  status?: number | null | (number | null)[];
  /** Expected close code of the server's close frame (null: none). */
  close?: number | null;
}

/** Malformed and hostile requests, for a loopback server on `port` (`exporter`: /stream does not exist). */
function httpCases(port: number, exporter: boolean): Case[] {
  const up = (o: Parameters<typeof upgradeRequest>[1] = {}): Buffer => upgradeRequest(port, o);
  const stream = exporter ? 404 : undefined;
  return [
    { name: 'invalid URL with Upgrade', request: up({ path: 'http://[' }), status: 400 },
    { name: 'invalid URL', request: b(`GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`), status: 400 },
    { name: 'invalid IPv6 URL', request: up({ path: 'http://[::1' }), status: 400 },
    { name: 'asterisk target with Upgrade', request: up({ path: '*' }), status: 400 },
    { name: 'asterisk target', request: b('GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'), status: 400 },
    { name: 'non-http absolute URL', request: up({ path: 'ftp://x/stream' }), status: 400 },
    {
      name: 'javascript: URL',
      request: b('GET javascript:alert(1) HTTP/1.1\r\nHost: localhost\r\n\r\n'),
      status: 400,
    },
    {
      name: 'scheme-relative target',
      request: b('GET //evil.example/ HTTP/1.1\r\nHost: localhost\r\n\r\n'),
      status: 404,
    },
    {
      name: 'percent garbage',
      request: b('GET /%zz%00%ff/..%2f..%2f HTTP/1.1\r\nHost: localhost\r\n\r\n'),
      status: 404,
    },
    { name: 'binary request line', request: Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 13, 10]), status: 400 },
    { name: 'bare LF garbage', request: b('\n\n\n\n'), status: null },
    { name: 'HTTP/9.9', request: b('GET /metrics HTTP/9.9\r\nHost: localhost\r\n\r\n'), status: 400 },
    {
      name: 'header over 16 KiB',
      request: b(`GET /metrics HTTP/1.1\r\nHost: localhost\r\nX: ${'a'.repeat(20000)}\r\n\r\n`),
      status: 431,
    },
    {
      name: 'URL over 16 KiB with Upgrade',
      request: up({ path: `/stream?${'a'.repeat(20000)}` }),
      status: 431,
    },
    {
      name: 'space in header name',
      request: b('GET /metrics HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n'),
      status: 400,
    },
    {
      name: 'NUL in header value',
      request: b('GET /metrics HTTP/1.1\r\nHost: localhost\r\nX: a\0b\r\n\r\n'),
      status: 400,
    },
    {
      name: 'negative Content-Length',
      request: b('GET /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n'),
      status: 400,
    },
    {
      name: 'Content-Length and chunked',
      request: b(
        'GET /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ),
      status: 400,
    },
    {
      name: 'bad chunk size',
      request: b('GET /metrics HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'),
      // 400 when the bad body is parsed before the (asynchronous) answer is written
      status: [200, 400],
    },
    { name: 'no Host', request: b('GET /metrics HTTP/1.1\r\n\r\n'), status: 400 },
    { name: 'no Host with Upgrade', request: up({ headers: { Host: null } }), status: 403 },
    {
      name: 'foreign Host with Upgrade (DNS rebinding)',
      request: up({ headers: { Host: 'evil.example' } }),
      status: 403,
    },
    {
      name: 'malformed Host with Upgrade',
      request: up({ headers: { Host: '127.0.0.1:80:80@evil' } }),
      status: 403,
    },
    { name: 'truncated request line, then end', request: b('GET /metr'), status: 400 },
    { name: 'truncated headers, then end', request: b('GET /metrics HTTP/1.1\r\nHost: loc'), status: 400 },
    { name: 'truncated upgrade, then end', request: up().subarray(0, 60), status: 400 },
    { name: 'upgrade reset by the client', request: up(), reset: true, status: null },
    { name: 'unknown method with Upgrade', request: up({ method: 'BREW' }), status: 400 },
    { name: 'POST upgrade', request: up({ method: 'POST' }), status: stream ?? 405 },
    {
      name: 'CONNECT',
      request: b('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n'),
      status: null,
    },
    {
      name: 'upgrade to another protocol',
      request: up({ headers: { Upgrade: 'h2c' } }),
      status: stream ?? 400,
    },
    {
      name: 'upgrade without a key',
      request: up({ headers: { 'Sec-WebSocket-Key': null } }),
      status: stream ?? 400,
    },
    {
      name: 'upgrade with a short key',
      request: up({ headers: { 'Sec-WebSocket-Key': 'AAAA' } }),
      status: stream ?? 400,
    },
    {
      name: 'upgrade of version 99',
      request: up({ headers: { 'Sec-WebSocket-Version': '99' } }),
      status: stream ?? 400,
    },
    {
      name: 'upgrade with a bogus extension',
      // no extension is offered by the server, so the header is not even read
      request: up({ headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; ;;=' } }),
      status: stream ?? 101,
    },
    { name: 'upgrade of /metrics', request: up({ path: '/metrics' }), status: 404 },
    {
      name: 'pipelined good then bad',
      request: Buffer.concat([
        b('GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n'),
        up({ path: 'http://[' }),
      ]),
      // Node answers the garbage behind a pending request with 400 and closes
      status: [200, 400],
    },
  ];
}

/** Cross-site WebSocket attempts: a page elsewhere must not open the stream. */
function originCases(port: number): Case[] {
  const up = (origin: string): Buffer => upgradeRequest(port, { headers: { Origin: origin } });
  return [
    { name: 'foreign Origin', request: up('http://evil.example'), status: 403 },
    { name: 'Origin null', request: up('null'), status: 403 },
    { name: 'Origin of another port', request: up(`http://127.0.0.1:${port + 1}`), status: 403 },
    { name: 'Origin of another loopback name', request: up(`http://localhost:${port}`), status: 403 },
    { name: 'Origin with a path', request: up(`http://127.0.0.1:${port}/x`), status: 403 },
    { name: 'Origin with credentials', request: up(`http://evil@127.0.0.1:${port}`), status: 403 },
    { name: 'Origin of a suffix host', request: up(`http://127.0.0.1.evil.example:${port}`), status: 403 },
    { name: 'Origin not a URL', request: up('%%%'), status: 403 },
    { name: 'Origin of file:', request: up('file://'), status: 403 },
  ];
}

/** Bad frames after a normal upgrade, each answered with its RFC 6455 close code. */
function frameCases(port: number, request = upgradeRequest(port)): Case[] {
  const text = (payload: Buffer, o: Partial<Parameters<typeof frame>[0]> = {}): Buffer =>
    frame({ opcode: TEXT, payload, ...o });
  const cases: [string, Buffer[], number | null][] = [
    ['text frame over 1 KiB', [text(Buffer.alloc(2048, 0x61))], 1009],
    [
      'fragments adding up to over 1 KiB',
      [text(Buffer.alloc(700, 0x61), { fin: false }), frame({ opcode: 0, payload: Buffer.alloc(700, 0x61) })],
      1009,
    ],
    ['length of 2^63 - 1', [text(Buffer.alloc(8), { declaredLength: (1n << 63n) - 1n })], 1009],
    ['length field with the top bit set', [text(Buffer.alloc(8), { declaredLength: 1n << 63n })], 1009],
    ['unmasked text', [text(b('abc'), { mask: false })], 1002],
    ['unmasked close', [frame({ opcode: CLOSE, payload: closeBody(1000), mask: false })], 1002],
    ['invalid UTF-8', [text(Buffer.from([0xff, 0xfe, 0xfd]))], 1007],
    ['overlong UTF-8', [text(Buffer.from([0xc0, 0xaf]))], 1007],
    ['UTF-16 surrogate in UTF-8', [text(Buffer.from([0xed, 0xa0, 0x80]))], 1007],
    [
      'UTF-8 cut between fragments, then ended',
      [text(Buffer.from([0xe2, 0x82]), { fin: false }), frame({ opcode: 0, payload: Buffer.from([0x41]) })],
      1007,
    ],
    ['reserved data opcode 3', [frame({ opcode: 3, payload: b('x') })], 1002],
    ['reserved control opcode 0xb', [frame({ opcode: 0xb })], 1002],
    ['RSV1 without an extension', [text(b('x'), { rsv: 4 })], 1002],
    ['RSV3', [text(b('x'), { rsv: 1 })], 1002],
    ['fragmented ping', [frame({ opcode: PING, fin: false })], 1002],
    ['ping over 125 bytes', [frame({ opcode: PING, payload: Buffer.alloc(126) })], 1002],
    ['continuation with nothing to continue', [frame({ opcode: 0, payload: b('x') })], 1002],
    ['new message inside a fragmented one', [text(b('a'), { fin: false }), text(b('b'))], 1002],
    ['close code 999', [frame({ opcode: CLOSE, payload: closeBody(999) })], 1002],
    ['close code 1005 on the wire', [frame({ opcode: CLOSE, payload: closeBody(1005) })], 1002],
    ['close with a 1-byte body', [frame({ opcode: CLOSE, payload: Buffer.from([3]) })], 1002],
    [
      'close reason not UTF-8',
      [frame({ opcode: CLOSE, payload: closeBody(1000, Buffer.from([0xff])) })],
      1007,
    ],
    ['garbage bytes', [Buffer.from('8f83deadbeefcafe0123456789abcdef', 'hex')], 1002],
    ['half a frame header, then end', [Buffer.from([0x81])], null],
    ['a frame cut short, then end', [text(b('hello')).subarray(0, 8)], null],
    [
      'binary and text messages (ignored), then a normal close',
      [
        frame({ opcode: BINARY, payload: Buffer.alloc(1024, 7) }),
        text(b('hi')),
        frame({ opcode: CLOSE, payload: closeBody(1000) }),
      ],
      1000,
    ],
    [
      'a ping, then a normal close',
      [frame({ opcode: PING, payload: b('p') }), frame({ opcode: CLOSE, payload: closeBody(1000) })],
      1000,
    ],
  ];
  return cases.map(([name, frames, close]) => ({ name, request, frames, status: 101, close }));
}

/** Sends each case, checks the answer, then checks the server still serves `baseline` on /metrics. */
async function sendAll(
  c: CliServer,
  port: number,
  cases: Case[],
  baseline: string,
  headers: Record<string, string> = {},
): Promise<void> {
  for (const k of cases) {
    sent++;
    const { data } = await exchange(port, k.request, { after: k.frames, reset: k.reset });
    if (Array.isArray(k.status)) expect.soft(k.status, k.name).toContain(statusOf(data));
    else if (k.status !== undefined) expect.soft(statusOf(data), k.name).toBe(k.status);
    if (k.close !== undefined) expect.soft(closeCodeOf(data), k.name).toBe(k.close);
    expect(c.exited(), `${k.name}: the server exited`).toBeNull();
    const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
    expect(r.status, `after ${k.name}`).toBe(200);
    expect(await r.text(), `after ${k.name}`).toBe(baseline);
  }
}

async function baselineOf(port: number, headers: Record<string, string> = {}): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers })).text();
  expect(text).toMatch(/^damon_nr_regions\{kdamond="1",context="0",target="0"\} \d+$/m);
  return text;
}

describe('hostile input', () => {
  it('serve survives malformed requests, cross-site upgrades and bad frames; its page names the file only', async () => {
    const c = await cli(
      ['serve', '--record', path, '--port', '0'],
      /^dashboard: http:\/\/127\.0\.0\.1:(\d+)\/$/,
    );
    const port = Number(c.match[1]);
    const baseline = await baselineOf(port);
    await sendAll(c, port, [...httpCases(port, false), ...originCases(port), ...frameCases(port)], baseline);

    // The dashboard's own page and script still connect: same Origin, and no Origin (non-browser).
    for (const origin of [`http://127.0.0.1:${port}`, null]) {
      const { data } = await exchange(port, upgradeRequest(port, { headers: { Origin: origin } }), {
        after: [frame({ opcode: CLOSE, payload: closeBody(1000) })],
      });
      expect(statusOf(data)).toBe(101);
      const hello = JSON.parse(serverFrames(data)[0]!.payload.toString()) as { type: string; title: string };
      expect(hello).toMatchObject({ type: 'hello', title: 'damon.data' });
    }
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(page).toContain('<title>damon-ts: damon.data</title>');
    expect(page).not.toContain(dirname(path));
    expect(c.err.join('')).toBe('');
    expect(await c.stop()).toBe(0);
  }, 120_000);

  it('exporter survives the same requests and frames on its only route', async () => {
    const c = await cli(
      ['exporter', '--record', path, '--port', '0'],
      /^metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics$/,
    );
    const port = Number(c.match[1]);
    const baseline = await baselineOf(port);
    await sendAll(
      c,
      port,
      [...httpCases(port, true), ...originCases(port).map((k) => ({ ...k, status: 404 }))],
      baseline,
    );
    expect(c.err.join('')).toBe('');
    expect(await c.stop()).toBe(0);
  }, 120_000);

  it('with --allow-remote, a malformed URL is refused before the token and bad frames after it', async () => {
    const c = await cli(
      ['serve', '--record', path, '--port', '0', '--host', '0.0.0.0', '--allow-remote'],
      /^dashboard: http:\/\/0\.0\.0\.0:(\d+)\/\?token=([\w-]+)$/,
    );
    const port = Number(c.match[1]);
    const token = c.match[2]!;
    const auth = { authorization: `Bearer ${token}` };
    const baseline = await baselineOf(port, auth);
    const cases: Case[] = [
      {
        name: 'invalid URL with Upgrade, no token',
        request: upgradeRequest(port, { path: 'http://[' }),
        status: 400,
      },
      { name: 'upgrade without the token', request: upgradeRequest(port), status: 401 },
      {
        name: 'foreign Origin with the token',
        request: upgradeRequest(port, {
          path: `/stream?token=${token}`,
          headers: { Origin: 'http://evil.example' },
        }),
        status: 403,
      },
      ...frameCases(port, upgradeRequest(port, { path: `/stream?token=${token}` })),
    ];
    await sendAll(c, port, cases, baseline, auth);
    expect(c.err.join('')).toBe('');
    expect(await c.stop()).toBe(0);
  }, 120_000);
});

describe('loopback only unless told otherwise', () => {
  /** Whether a TCP connection to host:port is accepted. */
  const accepts = (host: string, port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = connect(port, host);
      s.on('connect', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && !a.address.startsWith('fe80'))
    .map((a) => a!.address);

  it('serve and exporter listen on 127.0.0.1 by default: no other address of this host reaches them', async () => {
    for (const [cmd, re] of [
      ['serve', /^dashboard: http:\/\/127\.0\.0\.1:(\d+)\/$/],
      ['exporter', /^metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics$/],
    ] as const) {
      const c = await cli([cmd, '--record', path, '--port', '0'], re);
      const port = Number(c.match[1]);
      expect(await accepts('127.0.0.1', port)).toBe(true);
      for (const a of external) expect(await accepts(a, port), `${cmd} on ${a}`).toBe(false);
      expect(await c.stop()).toBe(0);
    }
  }, 120_000);
});
