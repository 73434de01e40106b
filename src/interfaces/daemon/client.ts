/**
 * Talking to the daemon: one request per connection; `ensureDaemon` spawns it (detached, its own
 * process group, output to a log next to the socket) when nothing answers on the socket.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DaemonRequest, DaemonResponse } from './protocol.js';

export class DaemonUnavailableError extends Error {
  override name = 'DaemonUnavailableError';
}

/** Sends one request; rejects with DaemonUnavailableError when nobody listens on the socket. */
export function daemonRequest(
  socketPath: string,
  req: DaemonRequest,
  timeoutMs = 120_000,
): Promise<DaemonResponse> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`damon-ts daemon at ${socketPath}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as DaemonResponse);
      } catch (e) {
        reject(new Error(`damon-ts daemon at ${socketPath}: bad response (${(e as Error).message})`));
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED')
        reject(new DaemonUnavailableError(`no damon-ts daemon listening on ${socketPath}`));
      else reject(e);
    });
  });
}

export interface SpawnOptions {
  workload?: string;
  memory?: string;
  nodes?: number;
  speed?: number;
}

/** Starts the daemon unless one answers; waits until it listens (at most ~10 s). */
export async function ensureDaemon(socketPath: string, opts: SpawnOptions = {}): Promise<boolean> {
  try {
    await daemonRequest(socketPath, { op: 'status' }, 30_000);
    return false;
  } catch (e) {
    if (!(e instanceof DaemonUnavailableError)) throw e;
  }
  const here = fileURLToPath(import.meta.url);
  const main = join(dirname(here), here.endsWith('.ts') ? 'main.ts' : 'main.js');
  const args = [...process.execArgv, main, '--socket', socketPath];
  if (opts.workload) args.push('--workload', opts.workload);
  if (opts.memory) args.push('--memory', opts.memory);
  if (opts.nodes) args.push('--nodes', String(opts.nodes));
  if (opts.speed) args.push('--speed', String(opts.speed));
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
  const log = openSync(`${socketPath}.log`, 'a');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(socketPath)) continue;
    try {
      await daemonRequest(socketPath, { op: 'status' }, 5000);
      return true;
    } catch {
      // not listening yet
    }
  }
  throw new Error(`damon-ts daemon did not start (see ${socketPath}.log)`);
}
