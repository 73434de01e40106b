/**
 * Memory footprint records (damo's `<record>.mem_footprint` file): a JSON list of snapshots, each a
 * time (seconds) and the footprints of the monitored processes (their /proc/PID/statm fields, in
 * pages) and of the system (pid null: /proc/meminfo's MemTotal, MemFree, MemAvailable, Buffers and
 * Cached, in KiB).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface ProcFootprint {
  size: number;
  resident: number;
  shared: number;
  trs: number;
  lrs: number;
  drs: number;
  dt: number;
}

export interface SysFootprint {
  total: number;
  free: number;
  available: number;
  buffers: number;
  cached: number;
}

export type FootprintEntry =
  { pid: number; footprint: ProcFootprint } | { pid: null; footprint: SysFootprint };

export interface FootprintSnapshot {
  time: number;
  footprints: FootprintEntry[];
}

const PROC_KEYS = ['size', 'resident', 'shared', 'trs', 'lrs', 'drs', 'dt'] as const;
const SYS_KEYS = ['total', 'free', 'available', 'buffers', 'cached'] as const;

function fields<K extends string>(v: unknown, keys: readonly K[], where: string): Record<K, number> {
  if (typeof v !== 'object' || v === null) throw new Error(`${where}: expected an object`);
  const out = {} as Record<K, number>;
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${where}.${k}: expected a number`);
    out[k] = x;
  }
  return out;
}

/** Parses a footprint file's text; errors name the file and the entry. */
export function parseMemFootprints(text: string, source: string): FootprintSnapshot[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new Error(`${source}: expected a list of footprint snapshots`);
  return data.map((s: unknown, i) => {
    const where = `${source}: snapshot ${i}`;
    const o = s as { time?: unknown; footprints?: unknown };
    if (typeof o !== 'object' || o === null || typeof o.time !== 'number' || !Array.isArray(o.footprints))
      throw new Error(`${where}: expected {"time": <seconds>, "footprints": [...]}`);
    const footprints = o.footprints.map((f: unknown, j): FootprintEntry => {
      const e = f as { pid?: unknown; footprint?: unknown };
      const w = `${where} footprint ${j}`;
      if (e?.pid === null) return { pid: null, footprint: fields(e.footprint, SYS_KEYS, w) };
      if (typeof e?.pid !== 'number') throw new Error(`${w}: pid must be a number or null`);
      return { pid: e.pid, footprint: fields(e.footprint, PROC_KEYS, w) };
    });
    return { time: o.time, footprints };
  });
}

export function readMemFootprints(path: string): FootprintSnapshot[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseMemFootprints(text, path);
}

/** Writes the snapshots as damo writes them (JSON, 4-space indent), replacing the file atomically. */
export function writeMemFootprints(path: string, snapshots: readonly FootprintSnapshot[]): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(snapshots, null, 4), { mode: 0o600 });
  renameSync(tmp, path);
}
