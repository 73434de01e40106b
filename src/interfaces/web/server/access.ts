/**
 * Who may talk to the dashboard server, decided from the request's head alone. Every function takes
 * whatever a client sent (any bytes Node's HTTP parser let through) and answers without throwing:
 * a request that cannot be understood is refused, never a reason for the process to fail.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** host and port of a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`), else null. */
function splitHost(header: string): { host: string; port: string | null } | null {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(header);
  return m ? { host: m[1]!.toLowerCase(), port: m[2] ?? null } : null;
}

/** The host named by a Host header, '' when absent or malformed (no loopback name then). */
export function hostOfHeader(header: string | undefined): string {
  return (header && splitHost(header)?.host) ?? '';
}

/**
 * The request target as a URL, or null when it is not one. Origin-form (`/path?query`) is read as
 * a path even when it starts with `//`; absolute-form only with http(s).
 */
export function requestUrl(target: string | undefined): URL | null {
  const t = target ?? '/';
  try {
    if (t.startsWith('/')) return new URL(`http://localhost${t}`);
    const u = new URL(t);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

export function tokenOk(req: IncomingMessage, url: URL, token: string | null): boolean {
  if (token === null) return true;
  const auth = req.headers.authorization;
  const cookie = /(?:^|;\s*)damon_ts_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const given = auth?.startsWith('Bearer ') ? auth.slice(7) : (url.searchParams.get('token') ?? cookie ?? '');
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * Whether a WebSocket upgrade may proceed given its Origin. Browsers send Origin on every
 * WebSocket and the same-origin policy does not cover WebSockets, so a page from anywhere could
 * otherwise open the stream: only the server's own pages (Origin naming the same host and port
 * as the Host header) are let in. No Origin at all is a non-browser client (curl, a script),
 * which is not acting for a visited page.
 */
export function originOk(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = splitHost(req.headers.host ?? '');
  if (!host) return false;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything else that is not a URL
  }
  const defaultPort = DEFAULT_PORT[o.protocol];
  if (defaultPort === undefined || o.origin !== origin.toLowerCase().replace(/\/$/, '')) return false;
  return o.hostname === host.host && (o.port || defaultPort) === (host.port ?? defaultPort);
}
