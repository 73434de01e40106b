/**
 * The directories of DAMON's sysfs admin tree (spec §5, mm/damon/sysfs*.c) as objects holding the
 * user's inputs with the kernel's defaults, each listing its entries: files with the kernel's
 * parser and errno, `nr_*` files that recreate their children with defaults, and subdirectories.
 * Numbers are bigint so that u64 values read back exactly. Files a running kdamond fills (pid,
 * stats, tried regions, effective_bytes) are read-only (writing them is EACCES, as for any 0400
 * sysfs file).
 */
import {
  CORE_FILTER_TYPES,
  DAMOS_ACTIONS,
  OPS_FILTER_TYPES,
  QUOTA_GOAL_METRICS,
} from '../../schemes/types.js';
import { SysfsErrno } from './errno.js';
import { keyword, kstrtobool, kstrtoint, kstrtoul, kstrtouint } from './kstrto.js';

export interface FileEntry {
  kind: 'file';
  read(): string;
  write?(value: string): void;
}
export interface DirEntry {
  kind: 'dir';
  entries(): Map<string, Entry>;
}
export type Entry = FileEntry | DirEntry;

type Obj = Record<string, unknown>;

const ro = (read: () => string): FileEntry => ({ kind: 'file', read });
const rw = (read: () => string, write: (v: string) => void): FileEntry => ({ kind: 'file', read, write });
const num = (o: Obj, k: string, parse: (v: string) => bigint): FileEntry =>
  rw(
    () => String(o[k]),
    (v) => void (o[k] = parse(v)),
  );
const u64 = (o: Obj, k: string) => num(o, k, kstrtoul);
const u32 = (o: Obj, k: string) => num(o, k, kstrtouint);
const s32 = (o: Obj, k: string) => num(o, k, kstrtoint);
const bool = (o: Obj, k: string) =>
  rw(
    () => (o[k] ? 'Y' : 'N'),
    (v) => void (o[k] = kstrtobool(v)),
  );
const str = (o: Obj, k: string) =>
  rw(
    () => String(o[k]),
    (v) => void (o[k] = v.endsWith('\n') ? v.slice(0, -1) : v),
  );
const choice = <T extends string>(o: Obj, k: string, words: readonly T[]) =>
  rw(
    () => String(o[k]),
    (v) => void (o[k] = keyword(v, words)),
  );

function dir(build: () => [string, Entry][]): DirEntry {
  return { kind: 'dir', entries: () => new Map(build()) };
}

/**
 * A list directory: `nr_<what>` reads the count; writing N destroys every child and creates N with
 * defaults (kstrtoint; negative → EINVAL). `guard` may refuse the write (EBUSY while running).
 */
function list<T extends { entries(): Map<string, Entry> }>(
  nrName: string,
  items: T[],
  make: () => T,
  opts: { max?: number; guard?: () => void } = {},
): [string, Entry][] {
  const nr = rw(
    () => String(items.length),
    (v) => {
      const n = kstrtoint(v);
      if (n < 0n || (opts.max !== undefined && n > BigInt(opts.max))) throw new SysfsErrno('EINVAL');
      opts.guard?.();
      items.splice(0, items.length, ...Array.from({ length: Number(n) }, make));
    },
  );
  return [
    [nrName, nr],
    ...items.map((it, i): [string, Entry] => [String(i), { kind: 'dir', entries: () => it.entries() }]),
  ];
}

const range = (o: { min: bigint; max: bigint }, parse: (o: Obj, k: string) => FileEntry) =>
  dir(() => [
    ['min', parse(o as unknown as Obj, 'min')],
    ['max', parse(o as unknown as Obj, 'max')],
  ]);

// ------------------------------------------------------------------------------------ targets

export class SysRegion {
  start = 0n;
  end = 0n;
  entries() {
    return new Map<string, Entry>([
      ['start', u64(this as unknown as Obj, 'start')],
      ['end', u64(this as unknown as Obj, 'end')],
    ]);
  }
}

export class SysTarget {
  pid = 0n;
  obsolete = false;
  regions: SysRegion[] = [];
  entries() {
    const o = this as unknown as Obj;
    return new Map<string, Entry>([
      ['pid_target', s32(o, 'pid')],
      ['obsolete_target', bool(o, 'obsolete')],
      ['regions', dir(() => list('nr_regions', this.regions, () => new SysRegion()))],
    ]);
  }
}

// ------------------------------------------------------------------------------------ sample control

export const SAMPLE_FILTER_TYPES = ['cpumask', 'threads', 'write'] as const;

/** cpulist syntax ("0-3,5") → sorted unique CPU numbers; EINVAL on malformed input. */
export function parseCpulist(v: string): number[] {
  const s = v.trim();
  if (s === '') return [];
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new SysfsErrno('EINVAL');
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 1 << 16) throw new SysfsErrno('EINVAL');
    for (let c = a; c <= b; c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}

/** cpulist rendering: consecutive runs as ranges. */
export function formatCpulist(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length;) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export class SysSampleFilter {
  type: (typeof SAMPLE_FILTER_TYPES)[number] = 'cpumask';
  matching = false;
  allow = false;
  cpumask: number[] = [];
  tids: number[] = [];
  entries() {
    const o = this as unknown as Obj;
    return new Map<string, Entry>([
      ['type', choice(o, 'type', SAMPLE_FILTER_TYPES)],
      ['matching', bool(o, 'matching')],
      ['allow', bool(o, 'allow')],
      [
        'cpumask',
        rw(
          () => formatCpulist(this.cpumask),
          (v) => void (this.cpumask = parseCpulist(v)),
        ),
      ],
      [
        'tid_arr',
        rw(
          () => this.tids.join(','),
          (v) => {
            const s = v.trim();
            this.tids = s === '' ? [] : s.split(',').map((x) => Number(kstrtoint(x)));
          },
        ),
      ],
    ]);
  }
}

// ------------------------------------------------------------------------------------ schemes

/** Keyword lists of the scheme files (the engine's, which are the kernel's sysfs keywords). */
export const SCHEME_ACTIONS = DAMOS_ACTIONS;
export const FILTER_TYPES = [...OPS_FILTER_TYPES, ...CORE_FILTER_TYPES] as const;
export const GOAL_METRICS = QUOTA_GOAL_METRICS;
export const WMARK_METRICS = ['none', 'free_mem_rate'] as const;
export const GOAL_TUNERS = ['consist', 'temporal'] as const;

export class SysFilter {
  type: (typeof FILTER_TYPES)[number] = 'anon';
  matching = false;
  allow = false;
  memcgPath = '';
  addrStart = 0n;
  addrEnd = 0n;
  targetIdx = 0n;
  min = 0n;
  max = 0n;
  entries() {
    const o = this as unknown as Obj;
    return new Map<string, Entry>([
      ['type', choice(o, 'type', FILTER_TYPES)],
      ['matching', bool(o, 'matching')],
      ['allow', bool(o, 'allow')],
      ['memcg_path', str(o, 'memcgPath')],
      ['addr_start', u64(o, 'addrStart')],
      ['addr_end', u64(o, 'addrEnd')],
      ['damon_target_idx', s32(o, 'targetIdx')],
      ['min', u64(o, 'min')],
      ['max', u64(o, 'max')],
    ]);
  }
}

export class SysGoal {
  metric: (typeof GOAL_METRICS)[number] = 'user_input';
  targetValue = 0n;
  currentValue = 0n;
  nid = 0n;
  path = '';
  entries() {
    const o = this as unknown as Obj;
    return new Map<string, Entry>([
      ['target_metric', choice(o, 'metric', GOAL_METRICS)],
      ['target_value', u64(o, 'targetValue')],
      ['current_value', u64(o, 'currentValue')],
      ['nid', s32(o, 'nid')],
      ['path', str(o, 'path')],
    ]);
  }
}

export class SysDest {
  id = 0n;
  weight = 0n;
  entries() {
    const o = this as unknown as Obj;
    return new Map<string, Entry>([
      ['id', u32(o, 'id')],
      ['weight', u32(o, 'weight')],
    ]);
  }
}

export interface SysTriedRegion {
  start: number;
  end: number;
  nrAccesses: number;
  age: number;
  szFilterPassed: number;
}

/** Stats as last copied from the running scheme (update_schemes_stats). */
export interface SysStats {
  nr_tried: number;
  sz_tried: number;
  nr_applied: number;
  sz_applied: number;
  sz_ops_filter_passed: number;
  qt_exceeds: number;
  nr_snapshots: number;
}

export function zeroSysStats(): SysStats {
  return {
    nr_tried: 0,
    sz_tried: 0,
    nr_applied: 0,
    sz_applied: 0,
    sz_ops_filter_passed: 0,
    qt_exceeds: 0,
    nr_snapshots: 0,
  };
}

export class SysScheme {
  action: (typeof SCHEME_ACTIONS)[number] = 'stat';
  targetNid = -1n;
  applyIntervalUs = 0n;
  sz = { min: 0n, max: 0n };
  nrAccesses = { min: 0n, max: 0n };
  age = { min: 0n, max: 0n };
  quotas = {
    ms: 0n,
    bytes: 0n,
    resetIntervalMs: 0n,
    effectiveBytes: 0n,
    goalTuner: 'consist' as (typeof GOAL_TUNERS)[number],
    failChargeNum: 0n,
    failChargeDenom: 0n,
  };
  weights = { sz: 0n, nrAccesses: 0n, age: 0n };
  goals: SysGoal[] = [];
  wmarks = { metric: 'none' as (typeof WMARK_METRICS)[number], intervalUs: 0n, high: 0n, mid: 0n, low: 0n };
  coreFilters: SysFilter[] = [];
  opsFilters: SysFilter[] = [];
  /** Deprecated (7.2) single list: its filters are installed after core_filters and ops_filters. */
  filters: SysFilter[] = [];
  dests: SysDest[] = [];
  stats: SysStats = zeroSysStats();
  maxNrSnapshots = 0n;
  tried: SysTriedRegion[] = [];
  triedTotalBytes = 0;

  entries() {
    const q = this.quotas as unknown as Obj;
    const w = this.weights as unknown as Obj;
    const wm = this.wmarks as unknown as Obj;
    const o = this as unknown as Obj;
    const filtersDir = (items: SysFilter[]) => dir(() => list('nr_filters', items, () => new SysFilter()));
    return new Map<string, Entry>([
      ['action', choice(o, 'action', SCHEME_ACTIONS)],
      ['target_nid', s32(o, 'targetNid')],
      ['apply_interval_us', u64(o, 'applyIntervalUs')],
      [
        'access_pattern',
        dir(() => [
          // All three are unsigned long ranges in sysfs (damon_sysfs_ul_range), checked on the kernel.
          ['sz', range(this.sz, u64)],
          ['nr_accesses', range(this.nrAccesses, u64)],
          ['age', range(this.age, u64)],
        ]),
      ],
      [
        'quotas',
        dir(() => [
          ['ms', u64(q, 'ms')],
          ['bytes', u64(q, 'bytes')],
          ['reset_interval_ms', u64(q, 'resetIntervalMs')],
          ['effective_bytes', ro(() => String(this.quotas.effectiveBytes))],
          ['goal_tuner', choice(q, 'goalTuner', GOAL_TUNERS)],
          ['fail_charge_num', u64(q, 'failChargeNum')],
          ['fail_charge_denom', u64(q, 'failChargeDenom')],
          [
            'weights',
            dir(() => [
              ['sz_permil', u32(w, 'sz')],
              ['nr_accesses_permil', u32(w, 'nrAccesses')],
              ['age_permil', u32(w, 'age')],
            ]),
          ],
          ['goals', dir(() => list('nr_goals', this.goals, () => new SysGoal()))],
        ]),
      ],
      [
        'watermarks',
        dir(() => [
          ['metric', choice(wm, 'metric', WMARK_METRICS)],
          ['interval_us', u64(wm, 'intervalUs')],
          ['high', u64(wm, 'high')],
          ['mid', u64(wm, 'mid')],
          ['low', u64(wm, 'low')],
        ]),
      ],
      ['core_filters', filtersDir(this.coreFilters)],
      ['ops_filters', filtersDir(this.opsFilters)],
      ['filters', filtersDir(this.filters)],
      ['dests', dir(() => list('nr_dests', this.dests, () => new SysDest()))],
      [
        'stats',
        dir(() => [
          ...Object.keys(this.stats).map((k): [string, Entry] => [
            k,
            ro(() => String(this.stats[k as keyof SysStats])),
          ]),
          ['max_nr_snapshots', u64(o, 'maxNrSnapshots')],
        ]),
      ],
      [
        'tried_regions',
        dir(() => [
          ['total_bytes', ro(() => String(this.triedTotalBytes))],
          ...this.tried.map((r, i): [string, Entry] => [
            String(i),
            dir(() => [
              ['start', ro(() => String(r.start))],
              ['end', ro(() => String(r.end))],
              ['nr_accesses', ro(() => String(r.nrAccesses))],
              ['age', ro(() => String(r.age))],
              ['sz_filter_passed', ro(() => String(r.szFilterPassed))],
            ]),
          ]),
        ]),
      ],
    ]);
  }
}

// ------------------------------------------------------------------------------------ context, kdamond

/** Operations sets of the simulated machine (all available), with the seed's paddr_fault. */
export const OPERATIONS = ['vaddr', 'fvaddr', 'paddr', 'paddr_fault'] as const;

export class SysContext {
  operations: (typeof OPERATIONS)[number] = 'vaddr';
  addrUnit = 1n;
  pause = false;
  intervals = { sampleUs: 5000n, aggrUs: 100000n, updateUs: 60000000n };
  goal = { accessBp: 0n, aggrs: 0n, minSampleUs: 0n, maxSampleUs: 0n };
  nrRegions = { min: 10n, max: 1000n };
  primitives = { pageTable: true, pageFault: false };
  sampleFilters: SysSampleFilter[] = [];
  targets: SysTarget[] = [];
  schemes: SysScheme[] = [];

  constructor(private readonly availOperations: () => readonly string[]) {}

  entries() {
    const o = this as unknown as Obj;
    const iv = this.intervals as unknown as Obj;
    const g = this.goal as unknown as Obj;
    const p = this.primitives as unknown as Obj;
    return new Map<string, Entry>([
      ['avail_operations', ro(() => this.availOperations().join('\n'))],
      ['operations', choice(o, 'operations', OPERATIONS)],
      ['addr_unit', u64(o, 'addrUnit')],
      ['pause', bool(o, 'pause')],
      [
        'monitoring_attrs',
        dir(() => [
          [
            'intervals',
            dir(() => [
              ['sample_us', u64(iv, 'sampleUs')],
              ['aggr_us', u64(iv, 'aggrUs')],
              ['update_us', u64(iv, 'updateUs')],
              [
                'intervals_goal',
                dir(() => [
                  ['access_bp', u64(g, 'accessBp')],
                  ['aggrs', u64(g, 'aggrs')],
                  ['min_sample_us', u64(g, 'minSampleUs')],
                  ['max_sample_us', u64(g, 'maxSampleUs')],
                ]),
              ],
            ]),
          ],
          ['nr_regions', range(this.nrRegions, u64)],
          [
            'sample',
            dir(() => [
              [
                'primitives',
                dir(() => [
                  ['page_table', bool(p, 'pageTable')],
                  ['page_fault', bool(p, 'pageFault')],
                ]),
              ],
              ['filters', dir(() => list('nr_filters', this.sampleFilters, () => new SysSampleFilter()))],
            ]),
          ],
        ]),
      ],
      ['targets', dir(() => list('nr_targets', this.targets, () => new SysTarget()))],
      ['schemes', dir(() => list('nr_schemes', this.schemes, () => new SysScheme()))],
    ]);
  }
}

/** What a kdamond directory needs from its runtime: state commands and the pid. */
export interface KdamondControl {
  readonly running: boolean;
  readonly pid: number;
  /** `state` writes other than the keyword check; throws SysfsErrno. */
  command(cmd: StateCommand): void;
}

export const STATE_COMMANDS = [
  'on',
  'off',
  'commit',
  'commit_schemes_quota_goals',
  'update_schemes_stats',
  'update_schemes_tried_regions',
  'update_schemes_tried_bytes',
  'clear_schemes_tried_regions',
  'update_schemes_effective_quotas',
  'update_tuned_intervals',
] as const;
export type StateCommand = (typeof STATE_COMMANDS)[number];

export class SysKdamond {
  refreshMs = 0n;
  contexts: SysContext[] = [];
  control: KdamondControl | null = null;

  constructor(private readonly availOperations: () => readonly string[]) {}

  newContext(): SysContext {
    return new SysContext(this.availOperations);
  }

  entries() {
    return new Map<string, Entry>([
      [
        'state',
        rw(
          () => (this.control?.running ? 'on' : 'off'),
          (v) => {
            const cmd = keyword(v, STATE_COMMANDS);
            if (!this.control) throw new SysfsErrno('EINVAL', 'no runtime attached to this tree');
            this.control.command(cmd);
          },
        ),
      ],
      ['pid', ro(() => String(this.control?.running ? this.control.pid : -1))],
      ['refresh_ms', u64(this as unknown as Obj, 'refreshMs')],
      ['contexts', dir(() => list('nr_contexts', this.contexts, () => this.newContext(), { max: 1 }))],
    ]);
  }
}

export class SysKdamonds {
  kdamonds: SysKdamond[] = [];

  constructor(
    private readonly availOperations: () => readonly string[],
    private readonly attach: (k: SysKdamond, index: () => number) => void,
  ) {}

  entries() {
    const make = () => {
      const k = new SysKdamond(this.availOperations);
      this.attach(k, () => this.kdamonds.indexOf(k));
      return k;
    };
    const guard = () => {
      if (this.kdamonds.some((k) => k.control?.running)) throw new SysfsErrno('EBUSY');
    };
    return new Map<string, Entry>([
      ['kdamonds', dir(() => list('nr_kdamonds', this.kdamonds, make, { guard }))],
    ]);
  }
}
