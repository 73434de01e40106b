/**
 * Raw TCP conversations with the dashboard server (node:net): byte-exact requests and WebSocket
 * frames that no well-behaved client library would send, and a reader of what comes back.
 */
import { connect } from 'node:net';

export interface Exchanged {
  /** Everything the server sent before it closed the connection. */
  data: Buffer;
}

export interface ExchangeOptions {
  /** Write `after` only once the server's response head has arrived (a WebSocket handshake). */
  after?: Buffer[];
  /** Tear the connection down with a TCP reset right after writing instead of half-closing. */
  reset?: boolean;
  /** A server that has not closed the connection by then is hung. */
  deadlineMs?: number;
}

/**
 * Sends `request`, then `o.after`, half-closes and waits until the server closes the connection.
 * Rejects on a connection error (the server is down) or if the server never closes (a hang).
 */
export function exchange(port: number, request: Buffer, o: ExchangeOptions = {}): Promise<Exchanged> {
  const deadlineMs = o.deadlineMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`server still had the connection open after ${deadlineMs} ms (hang)`));
    }, deadlineMs);
    let headSeen = o.after === undefined;
    const finish = (): void => {
      if (o.reset) sock.resetAndDestroy();
      else sock.end();
    };
    sock.on('connect', () => {
      sock.write(request);
      if (headSeen) finish();
    });
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      if (!headSeen && Buffer.concat(chunks).includes('\r\n\r\n')) {
        headSeen = true;
        for (const b of o.after!) sock.write(b);
        finish();
      }
    });
    // The server may reset a connection it refuses while we still write: that is an answer, not a failure.
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return;
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks) });
    });
  });
}

/** The status of the first response in `data`, or null if none came. */
export function statusOf(data: Buffer): number | null {
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(data.subarray(0, 64).toString('latin1'));
  return m ? Number(m[1]) : null;
}

export const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A WebSocket upgrade request for `path`; `headers` are added or override (null drops one). */
export function upgradeRequest(
  port: number,
  o: { path?: string; method?: string; headers?: Record<string, string | null> } = {},
): Buffer {
  const headers: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': WS_KEY,
    ...o.headers,
  };
  const lines = Object.entries(headers)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}: ${v}\r\n`);
  return Buffer.from(
    `${o.method ?? 'GET'} ${o.path ?? '/stream'} HTTP/1.1\r\n${lines.join('')}\r\n`,
    'latin1',
  );
}

export interface FrameSpec {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  /** RSV1-3 bits (0-7). */
  rsv?: number;
  /** Clients must mask; false sends the payload in the clear. */
  mask?: boolean;
  maskKey?: Buffer;
  /** The length the frame header declares, when it should lie. */
  declaredLength?: bigint;
}

/** One WebSocket frame as a client would put it on the wire. */
export function frame(f: FrameSpec): Buffer {
  const payload = f.payload ?? Buffer.alloc(0);
  const mask = f.mask ?? true;
  const len = f.declaredLength ?? BigInt(payload.length);
  const head = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | (f.opcode & 0x0f)];
  const m = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126n) head.push(m | Number(len));
  else if (len < 65536n) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(len));
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(len);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), ext, payload]);
  const key = f.maskKey ?? Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), ext, key, masked]);
}

/** The frames a server sent after its 101 head (unmasked, as servers send); a truncated tail is dropped. */
export function serverFrames(data: Buffer): { opcode: number; payload: Buffer }[] {
  const start = data.indexOf('\r\n\r\n');
  if (start < 0) return [];
  const out: { opcode: number; payload: Buffer }[] = [];
  let p = start + 4;
  while (p + 2 <= data.length) {
    const opcode = data[p]! & 0x0f;
    let len = data[p + 1]! & 0x7f;
    let q = p + 2;
    if (len === 126) {
      if (q + 2 > data.length) break;
      len = data.readUInt16BE(q);
      q += 2;
    } else if (len === 127) {
      if (q + 8 > data.length) break;
      len = Number(data.readBigUInt64BE(q));
      q += 8;
    }
    if (q + len > data.length) break;
    out.push({ opcode, payload: data.subarray(q, q + len) });
    p = q + len;
  }
  return out;
}

/** The status code of the server's close frame, or null if it sent none. */
export function closeCodeOf(data: Buffer): number | null {
  const c = serverFrames(data).find((f) => f.opcode === 8);
  return c && c.payload.length >= 2 ? c.payload.readUInt16BE(0) : null;
}
