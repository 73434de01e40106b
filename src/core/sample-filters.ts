/**
 * Sample filters of report-based monitoring (spec §3.4), compiled for the per-report hot loop.
 * Verdict rule (the spec's recommended, DAMOS-consistent reading of an [UNCONFIRMED] point): the
 * first filter whose predicate result equals its `matching` decides (`allow`); when none matches,
 * the verdict is the opposite of the last filter's `allow`; with no filters every report passes.
 */
import { einval } from './errors.js';
import type { SampleFilter } from './types.js';

const TYPE_CPUMASK = 0;
const TYPE_THREADS = 1;
const TYPE_WRITE = 2;

/** Filters in struct-of-arrays form; cpumasks as byte maps, thread lists as sorted arrays. */
export interface CompiledFilters {
  readonly count: number;
  readonly type: Uint8Array;
  readonly matching: Uint8Array;
  readonly allow: Uint8Array;
  readonly cpus: (Uint8Array | null)[];
  readonly tids: (Int32Array | null)[];
  /** Verdict when no filter matches. */
  readonly defaultAllow: boolean;
}

function checkIds(ids: unknown, where: string, what: string): readonly number[] {
  if (!Array.isArray(ids)) throw einval(`${where}.${what}: must be an array of integers`);
  ids.forEach((v, k) => {
    if (!Number.isSafeInteger(v) || (v as number) < 0)
      throw einval(`${where}.${what}[${k}]: must be a non-negative integer, got ${String(v)}`);
  });
  return ids as number[];
}

export function compileSampleFilters(
  filters: readonly SampleFilter[],
  where = 'sampleFilters',
): CompiledFilters {
  const n = filters.length;
  const c = {
    count: n,
    type: new Uint8Array(n),
    matching: new Uint8Array(n),
    allow: new Uint8Array(n),
    cpus: [] as (Uint8Array | null)[],
    tids: [] as (Int32Array | null)[],
    defaultAllow: n === 0 ? true : !filters[n - 1]!.allow,
  };
  filters.forEach((f, i) => {
    const at = `${where}[${i}]`;
    if (typeof f.matching !== 'boolean') throw einval(`${at}.matching: must be a boolean`);
    if (typeof f.allow !== 'boolean') throw einval(`${at}.allow: must be a boolean`);
    c.matching[i] = f.matching ? 1 : 0;
    c.allow[i] = f.allow ? 1 : 0;
    c.cpus.push(null);
    c.tids.push(null);
    switch (f.type) {
      case 'cpumask': {
        const cpus = checkIds(f.cpus, at, 'cpus');
        const map = new Uint8Array(cpus.reduce((m, v) => Math.max(m, v + 1), 0));
        for (const v of cpus) map[v] = 1;
        c.type[i] = TYPE_CPUMASK;
        c.cpus[i] = map;
        break;
      }
      case 'threads':
        c.type[i] = TYPE_THREADS;
        c.tids[i] = Int32Array.from(checkIds(f.tids, at, 'tids')).sort();
        break;
      case 'write':
        c.type[i] = TYPE_WRITE;
        break;
      default:
        throw einval(
          `${at}.type: unknown sample filter type '${String((f as { type: unknown }).type)}' (cpumask, threads, write)`,
        );
    }
  });
  return c;
}

function hasTid(tids: Int32Array, tid: number): boolean {
  let lo = 0;
  let hi = tids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tids[mid]! < tid) lo = mid + 1;
    else hi = mid;
  }
  return lo < tids.length && tids[lo] === tid;
}

/** Whether a report with these fields passes the filters. */
export function samplePasses(f: CompiledFilters, cpu: number, tid: number, isWrite: boolean): boolean {
  for (let i = 0; i < f.count; i++) {
    let hit: boolean;
    const t = f.type[i];
    if (t === TYPE_CPUMASK) {
      const m = f.cpus[i]!;
      hit = cpu >= 0 && cpu < m.length && m[cpu] === 1;
    } else if (t === TYPE_THREADS) {
      hit = hasTid(f.tids[i]!, tid);
    } else {
      hit = isWrite;
    }
    if (hit === (f.matching[i] === 1)) return f.allow[i] === 1;
  }
  return f.defaultAllow;
}

/**
 * Whether some read (a non-write report) can pass the filters, whatever its CPU and thread: false
 * for a write-only view however it is spelled ("allow write", or "reject none write" then other
 * narrowing filters). Decided on one representative per class: each CPU and thread the filters
 * name, one they do not name, and "unknown" (-1).
 */
export function filtersAdmitReads(filters: readonly SampleFilter[]): boolean {
  const c = compileSampleFilters(filters);
  const cpus = new Set<number>([-1]);
  const tids = new Set<number>([-1]);
  for (const f of filters) {
    if (f.type === 'cpumask') f.cpus.forEach((v) => cpus.add(v));
    if (f.type === 'threads') f.tids.forEach((v) => tids.add(v));
  }
  cpus.add(Math.max(...cpus) + 1);
  tids.add(Math.max(...tids) + 1);
  for (const cpu of cpus) for (const tid of tids) if (samplePasses(c, cpu, tid, false)) return true;
  return false;
}
