/**
 * The dashboard's HTTP server (node:http + ws). Read-only by construction: only GET and HEAD are
 * served (anything else is 405), no route takes a path or a command from the request, and the
 * WebSocket ignores what clients send.
 *
 * Security: loopback by default. Any other bind address needs `allowRemote` and then a random
 * token, required on every request (Authorization: Bearer, or ?token= for the page and the socket,
 * which browsers cannot give headers; the page then sets an HttpOnly SameSite=Strict cookie for
 * its script, stylesheet and socket); without it → 401. On loopback the Host header must name a
 * loopback host, so a web page elsewhere cannot reach the server through DNS rebinding. The
 * WebSocket also checks Origin (access.ts): a page from another site cannot open the stream.
 * Requests and frames are untrusted bytes: whatever arrives is answered (400, close codes) or
 * dropped, and every socket has an error listener, so no input ends the process.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { feedRegistry } from './metrics.js';
import { hostOfHeader, isLoopback, originOk, requestUrl, tokenOk } from './access.js';
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

  type Checked = { url: URL; status: 200 } | { url: null; status: 400 | 401 | 403; why: string };
  const check = (req: IncomingMessage): Checked => {
    if (loopback && !isLoopback(hostOfHeader(req.headers.host)))
      return { url: null, status: 403, why: 'Host header is not a loopback name' };
    const url = requestUrl(req.url);
    if (!url) return { url, status: 400, why: 'malformed request target' };
    if (!tokenOk(req, url, token)) return { url: null, status: 401, why: 'missing or wrong access token' };
    return { url, status: 200 };
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
    const c = check(req);
    if (c.url === null) return send(res, c.status, 'text/plain; charset=utf-8', `${c.why}\n`, head);
    const path = c.url.pathname;
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

  // ws answers protocol violations with the RFC 6455 close codes (1002 unmasked or malformed
  // frame, 1007 invalid UTF-8, 1009 over maxPayload) and then emits 'error': see streamTo.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the raw socket over without its error listener; a reset must not end the process.
    socket.on('error', () => socket.destroy());
    const c = check(req);
    const refuse = (code: 400 | 401 | 403 | 404, why: string): void => {
      const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[code];
      const body = `${why}\n`;
      socket.end(
        `HTTP/1.1 ${code} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        () => socket.destroy(),
      );
    };
    if (c.url === null) return refuse(c.status, c.why);
    if (o.metricsOnly || c.url.pathname !== '/stream') return refuse(404, 'not found');
    if (!originOk(req)) return refuse(403, 'Origin is not this server: cross-site WebSocket refused');
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
  // A bad frame: ws has already sent the close code and closes the socket; nothing else to do.
  ws.on('error', () => undefined);
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
