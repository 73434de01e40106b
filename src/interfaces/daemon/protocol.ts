/**
 * The damon-ts daemon's protocol: one JSON request per line over a unix socket, one JSON response
 * line back. The daemon hosts a simulated machine and the virtual sysfs tree whose kdamonds run on
 * it, so that simulated kdamonds outlive the command that started them.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KdamondsConfig } from '../../config/schema.js';

export type DaemonRequest =
  | { op: 'read'; path: string }
  | { op: 'write'; path: string; value: string }
  | { op: 'start'; config: KdamondsConfig }
  | { op: 'tune'; config: KdamondsConfig }
  | { op: 'stop' }
  | { op: 'status'; triedRegions?: boolean }
  | { op: 'shutdown' };

export type DaemonResponse = { ok: true; value?: unknown } | { ok: false; errno?: string; message: string };

/** $DAMON_TS_SOCKET, else damon-ts-<uid>/sim.sock in the temp directory. */
export function defaultSocketPath(): string {
  return process.env.DAMON_TS_SOCKET ?? join(tmpdir(), `damon-ts-${process.getuid?.() ?? 0}`, 'sim.sock');
}
