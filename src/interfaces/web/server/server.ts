/**
 * The dashboard's HTTP server (node:http + ws). Read-only by construction: only GET and HEAD are
 * served (anything else is 405), no route takes a path or a command from the request, and the
 * WebSocket ignores what clients send.
 *
 * Security: loopback by default. Any other bind address needs `allowRemote` and then a random
 * token, required on every request (Authorization: Bearer, or ?token= for the page and the socket,
 * which browsers cannot give headers; the page then sets an HttpOnly SameSite=Strict cookie for
 * its script, stylesheet and socket); without it → 401. On loopback the Host header must name a
 * loopback host, so a web page elsewhere cannot reach the server through DNS rebinding.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { feedRegistry } from '../../metrics/exposition.js';
import { encodeFrames, type Frame } from '../shared/frame.js';
import type { ServerMessage } from '../shared/protocol.js';
import { clientBundle, uplotCss } from './client-bundle.js';
import type { Feed } from './feed.js';
import { dashboardPage } from './page.js';

export interface ServerOptions {
  feed: Feed;
  host?: string;
  port?: number;
  /** Needed for a non-loopback host. */
  allowRemote?: boolean;
  /** Serve only /metrics (damon-ts exporter). */
  metricsOnly?: boolean;
  /** Live frames are sent in batches at most this often. */
  batchMs?: number;
}

export interface RunningServer {
  url: string;
  /** The access token (non-loopback binds), else null. */
  token: string | null;
  server: Server;
  close(): Promise<void>;
}

/** Largest history batch, in frames. */
const HISTORY_BATCH = 1000;
/** A client this far behind (bytes queued) is disconnected; it reconnects and resyncs. */
const MAX_BUFFERED = 64 << 20;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

function hostOfHeader(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const m = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(hostHeader);
  return m ? m[1]! : hostHeader;
}

function tokenOk(req: IncomingMessage, url: URL, token: string | null): boolean {
  if (token === null) return true;
  const auth = req.headers.authorization;
  const cookie = /(?:^|;\s*)damon_ts_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const given = auth?.startsWith('Bearer ') ? auth.slice(7) : (url.searchParams.get('token') ?? cookie ?? '');
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  if (!loopback && !o.allowRemote)
    throw new Error(
      `--host ${host}: not a loopback address; pass --allow-remote to serve it (with an access token)`,
    );
  const token = loopback ? null : randomBytes(24).toString('base64url');
  const registry = feedRegistry(o.feed);
  const batchMs = o.batchMs ?? 100;

  const check = (req: IncomingMessage): { url: URL; status: number; why: string } => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (loopback && !isLoopback(hostOfHeader(req.headers.host)))
      return { url, status: 403, why: 'Host header is not a loopback name' };
    if (!tokenOk(req, url, token)) return { url, status: 401, why: 'missing or wrong access token' };
    return { url, status: 200, why: '' };
  };

  const send = (res: ServerResponse, status: number, type: string, body: string, head: boolean): void => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      ...SECURITY_HEADERS,
      ...(status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
    });
    res.end(head ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'read-only server: only GET and HEAD\n', false);
    }
    const { url, status, why } = check(req);
    if (status !== 200) return send(res, status, 'text/plain; charset=utf-8', `${why}\n`, head);
    const path = url.pathname;
    if (path === '/metrics') return send(res, 200, registry.contentType, await registry.metrics(), head);
    if (!o.metricsOnly) {
      if (path === '/' || path === '/index.html') {
        if (token !== null)
          res.setHeader('Set-Cookie', `damon_ts_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
        res.setHeader(
          'Content-Security-Policy',
          "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
        );
        return send(res, 200, 'text/html; charset=utf-8', dashboardPage(o.feed.title), head);
      }
      if (path === '/app.js')
        return send(res, 200, 'text/javascript; charset=utf-8', await clientBundle(), head);
      if (path === '/uplot.css') return send(res, 200, 'text/css; charset=utf-8', uplotCss(), head);
    }
    return send(res, 404, 'text/plain; charset=utf-8', `not found: ${path}\n`, head);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent)
        send(res, 500, 'text/plain; charset=utf-8', `${e instanceof Error ? e.message : String(e)}\n`, false);
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { url, status, why } = check(req);
    if (o.metricsOnly || url.pathname !== '/stream' || status !== 200) {
      const code = o.metricsOnly || url.pathname !== '/stream' ? 404 : status;
      const reason = code === 404 ? 'Not Found' : code === 401 ? 'Unauthorized' : 'Forbidden';
      const body = code === 404 ? 'not found\n' : `${why}\n`;
      socket.end(
        `HTTP/1.1 ${code} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => streamTo(ws, o.feed, batchMs));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (o.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(ws: WebSocket, m: ServerMessage): void {
  ws.send(JSON.stringify(m));
}

/** History first, then live frames batched every batchMs. */
function streamTo(ws: WebSocket, feed: Feed, batchMs: number): void {
  let pending: Frame[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    if (pending.length === 0 || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.close(1013, 'client too slow; reconnect to resync');
      return;
    }
    ws.send(encodeFrames(pending));
    pending = [];
  };
  const off = feed.subscribe((e) => {
    if (e.type === 'frame') {
      pending.push(e.frame);
      timer ??= setTimeout(flush, batchMs);
    } else {
      flush();
      sendJson(ws, e.type === 'stream' ? { type: 'stream', info: e.info } : { type: 'end' });
    }
  });
  ws.on('close', () => {
    off();
    if (timer) clearTimeout(timer);
  });
  ws.on('message', () => undefined); // read-only protocol: client messages are ignored
  sendJson(ws, {
    type: 'hello',
    mode: feed.mode,
    title: feed.title,
    streams: feed.streams.map((s) => s.info),
    ended: feed.ended,
  });
  for (const st of feed.streams)
    for (let i = 0; i < st.store.frames.length; i += HISTORY_BATCH)
      ws.send(encodeFrames(st.store.frames.slice(i, i + HISTORY_BATCH)));
  sendJson(ws, { type: 'synced' });
}
