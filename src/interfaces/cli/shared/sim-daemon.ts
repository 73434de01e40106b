/**
 * The simulated-daemon backend of `damon-ts start/tune/stop/status` (`--backend sim`): the same
 * kdamonds configuration the kernel backend writes to /sys goes to the daemon's virtual tree.
 */
import type { KdamondsConfig } from '../../../config/schema.js';
import { U64_MAX } from '../../../config/units.js';
import { formatKdamondsStatus } from './kdamonds-status.js';
import { fmtSz } from '../../../records/pyformat.js';
import { DaemonUnavailableError, daemonRequest, ensureDaemon } from '../../daemon/client.js';
import { defaultSocketPath, type DaemonRequest } from '../../daemon/protocol.js';
import type { SimStatus } from '../../daemon/status.js';

export interface SimCliOptions {
  socket?: string;
  workload?: string;
  json?: boolean;
  tried_regions?: boolean;
}

async function call(o: SimCliOptions, req: DaemonRequest): Promise<unknown> {
  const r = await daemonRequest(o.socket ?? defaultSocketPath(), req);
  if (!r.ok)
    throw new Error(
      `simulated kdamonds: ${r.message}${r.errno && !r.message.startsWith(r.errno) ? ` (${r.errno})` : ''}`,
    );
  return r.value;
}

export async function simStart(config: KdamondsConfig, o: SimCliOptions): Promise<void> {
  const socket = o.socket ?? defaultSocketPath();
  if (await ensureDaemon(socket, { workload: o.workload ?? 'hot-cold' }))
    process.stdout.write(`started the damon-ts daemon on ${socket}\n`);
  else if (o.workload)
    process.stderr.write(
      `damon-ts: a daemon already runs on ${socket}: --workload ${o.workload} is ignored (stop it first to change the workload)\n`,
    );
  const started = (await call(o, { op: 'start', config })) as { index: number; pid: number }[];
  for (const k of started) process.stdout.write(`started simulated kdamond ${k.index} (pid ${k.pid})\n`);
}

export async function simTune(config: KdamondsConfig, o: SimCliOptions): Promise<void> {
  await call(o, { op: 'tune', config });
  process.stdout.write('committed\n');
}

/** Stops the simulated kdamonds and the daemon. */
export async function simStop(o: SimCliOptions): Promise<void> {
  let stopped: number[];
  try {
    stopped = (await call(o, { op: 'stop' })) as number[];
  } catch (e) {
    if (e instanceof DaemonUnavailableError) {
      process.stdout.write('no simulated kdamond running (no daemon)\n');
      return;
    }
    throw e;
  }
  await call(o, { op: 'shutdown' });
  if (stopped.length === 0) process.stdout.write('no kdamond running\n');
  for (const k of stopped) process.stdout.write(`stopped simulated kdamond ${k}\n`);
  process.stdout.write('damon-ts daemon stopped\n');
}

/** Text view: the kernel backend's status format, then the machine's processes and current regions. */
export function formatSimStatus(s: SimStatus): string {
  const owned = new Set(s.kdamonds.map((k) => k.index));
  const lines = [
    `simulated machine at ${(s.now_us / 1e6).toFixed(3)} s; workload processes: ${s.processes.map((p) => p.pid).join(', ') || 'none'}`,
  ];
  const tried = Object.keys(s.tried_regions).length ? new Map(Object.entries(s.tried_regions)) : undefined;
  lines.push(formatKdamondsStatus(s.kdamonds, owned, tried).trimEnd());
  s.regions.forEach((targets, k) =>
    targets.forEach((regions, t) => {
      if (regions.length === 0) return;
      lines.push(`kdamond ${k} target ${t}: ${regions.length} regions (start-end size: nr_accesses age)`);
      for (const r of regions)
        lines.push(
          `  ${r.start}-${r.end} ${r.end - r.start >= U64_MAX ? 'max' : fmtSz(r.end - r.start, false)}: ${r.nr_accesses} ${r.age}`,
        );
    }),
  );
  return lines.join('\n') + '\n';
}

/** The simulated daemon's status, or null when no daemon runs. */
export async function simStatus(o: SimCliOptions): Promise<SimStatus | null> {
  try {
    return (await call(o, { op: 'status', triedRegions: o.tried_regions === true })) as SimStatus;
  } catch (e) {
    if (e instanceof DaemonUnavailableError) return null;
    throw e;
  }
}

export async function simStatusCommand(o: SimCliOptions): Promise<void> {
  const s = await simStatus(o);
  if (!s) {
    process.stdout.write('no simulated kdamond (the damon-ts daemon is not running)\n');
    return;
  }
  process.stdout.write(
    o.json
      ? JSON.stringify(s, (_k, v: unknown) => (typeof v === 'number' && v >= U64_MAX ? 'max' : v), 2) + '\n'
      : formatSimStatus(s),
  );
}
