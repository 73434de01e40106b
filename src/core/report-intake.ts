/**
 * The access-report intake of report-based monitoring (spec §3): a bounded per-context buffer in
 * typed arrays, and check_reported_accesses, which folds one sample's reports into the regions.
 */
import type { RegionList } from './region-list.js';
import { samplePasses, type CompiledFilters } from './sample-filters.js';
import type { AccessReport, OperationsSet, ReportBatch, TargetView } from './types.js';

/** A target as the intake sees it: its pid (null for paddr) and its regions. */
export interface IntakeTarget extends TargetView {
  readonly regions: RegionList;
}

/** What the intake reads of a context (DamonContext is one). */
export interface IntakeContext<T extends IntakeTarget> {
  readonly reportBuffer: ReportBuffer;
  readonly stats: ReportStats;
  readonly now: number;
  readonly compiledFilters: CompiledFilters;
  readonly targets: readonly T[];
  readonly passedSampleIntervals: number;
  readonly ops: Pick<OperationsSet, 'eligibleReport'>;
  readonly addrUnit: number;
  /** Called for the report that produced a region's hit of the current sample. */
  readonly onReportHit?: (
    target: T,
    regionIndex: number,
    cpu: number,
    tid: number,
    isWrite: boolean,
    /** The report's physical address (negative or NaN when the source does not know it). */
    paddr: number,
  ) => void;
}

/** Default intake capacity (reports buffered per context between two samples). */
export const DEFAULT_REPORT_CAPACITY = 1 << 16;

/** Report counters of a context; every report ends up in exactly one of the last five. */
export interface ReportStats {
  /** Reports handed to reportAccess/reportAccesses. */
  reportsReceived: number;
  /** Dropped at intake: buffer full, or the context is not fed from reports. */
  reportsDropped: number;
  /** Older than the sample window they were read in. */
  reportsStale: number;
  /** Rejected by the sample filters or the ops' eligibleReport. */
  reportsFiltered: number;
  /** Fell in a region of some target (whether or not it was that region's first hit). */
  reportsApplied: number;
  /** Passed the filters but fell in no region of any target (or carried no usable address). */
  reportsUnmatched: number;
}

export function newReportStats(): ReportStats {
  return {
    reportsReceived: 0,
    reportsDropped: 0,
    reportsStale: 0,
    reportsFiltered: 0,
    reportsApplied: 0,
    reportsUnmatched: 0,
  };
}

/** The bounded buffer: entries [0, length) are pending. A full buffer refuses new reports. */
export class ReportBuffer implements ReportBatch {
  length = 0;
  readonly paddr: Float64Array;
  readonly vaddr: Float64Array;
  readonly size: Uint32Array;
  readonly cpu: Int32Array;
  readonly tid: Int32Array;
  readonly tgid: Int32Array;
  readonly isWrite: Uint8Array;
  readonly time: Float64Array;

  constructor(readonly capacity: number) {
    this.paddr = new Float64Array(capacity);
    this.vaddr = new Float64Array(capacity);
    this.size = new Uint32Array(capacity);
    this.cpu = new Int32Array(capacity);
    this.tid = new Int32Array(capacity);
    this.tgid = new Int32Array(capacity);
    this.isWrite = new Uint8Array(capacity);
    this.time = new Float64Array(capacity);
  }

  /** Stores one report; false when full. */
  push(r: AccessReport): boolean {
    if (this.length === this.capacity) return false;
    const i = this.length++;
    this.paddr[i] = r.paddr;
    this.vaddr[i] = r.vaddr;
    this.size[i] = r.size;
    this.cpu[i] = r.cpu;
    this.tid[i] = r.tid;
    this.tgid[i] = r.tgid;
    this.isWrite[i] = r.isWrite ? 1 : 0;
    this.time[i] = r.time;
    return true;
  }

  /** Copies as many of the batch's reports as fit; returns how many were stored. */
  pushBatch(b: ReportBatch): number {
    const n = Math.min(b.length, this.capacity - this.length);
    const at = this.length;
    this.paddr.set(b.paddr.subarray(0, n), at);
    this.vaddr.set(b.vaddr.subarray(0, n), at);
    this.size.set(b.size.subarray(0, n), at);
    this.cpu.set(b.cpu.subarray(0, n), at);
    this.tid.set(b.tid.subarray(0, n), at);
    this.tgid.set(b.tgid.subarray(0, n), at);
    this.isWrite.set(b.isWrite.subarray(0, n), at);
    this.time.set(b.time.subarray(0, n), at);
    this.length += n;
    return n;
  }

  private moveTo(i: number, j: number): void {
    this.paddr[j] = this.paddr[i]!;
    this.vaddr[j] = this.vaddr[i]!;
    this.size[j] = this.size[i]!;
    this.cpu[j] = this.cpu[i]!;
    this.tid[j] = this.tid[i]!;
    this.tgid[j] = this.tgid[i]!;
    this.isWrite[j] = this.isWrite[i]!;
    this.time[j] = this.time[i]!;
  }

  /** Keeps entry i as the `kept`-th pending one (reports from the future wait for their sample). */
  keep(i: number, kept: number): void {
    if (i !== kept) this.moveTo(i, kept);
  }
}

/** Index of the region of `l` holding addr, or -1 (binary search over sorted starts). */
export function findRegion(l: RegionList, addr: number): number {
  const i = searchLast(l.start, 0, l.length - 1, addr);
  return i >= 0 && addr < l.end[i]! ? i : -1;
}

/** Largest i in [lo, hi] with start[i] <= addr, or lo - 1 when there is none. */
function searchLast(start: Float64Array, lo: number, hi: number, addr: number): number {
  let ans = lo - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (start[mid]! <= addr) {
      ans = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return ans;
}

/**
 * A bucket table over a target's address span: first[k] is the region holding (or following) the
 * start of bucket k, so a lookup is one table read and usually one comparison; the binary search
 * only runs within a bucket that holds several region boundaries. Rebuilt (O(buckets + regions))
 * when the list's version changes, i.e. about once per aggregation. Every result is checked for
 * containment and a failed check falls back to a full binary search, so a table made stale by a
 * direct array write can only cost time, never give a wrong region. Spans with huge gaps (vaddr)
 * degrade gracefully to the binary search within a bucket.
 */
class RegionLookup {
  first = new Int32Array(0);
  base = 0;
  scale = 0;
  buckets = 0;
  version = -1;

  build(l: RegionList): void {
    this.version = l.version;
    const n = l.length;
    let b = 64;
    while (b < 4 * n) b *= 2;
    if (this.first.length < b + 1) this.first = new Int32Array(b + 1);
    this.buckets = b;
    if (n === 0) return;
    const lo = l.start[0]!;
    const span = l.end[n - 1]! - lo;
    this.base = lo;
    this.scale = b / span;
    const first = this.first;
    const end = l.end;
    const width = span / b;
    let i = 0;
    for (let k = 0; k <= b; k++) {
      const at = lo + k * width;
      while (i < n - 1 && end[i]! <= at) i++;
      first[k] = i;
    }
  }
}

const lookups = new WeakMap<RegionList, RegionLookup>();

/** Reused report object for ops.eligibleReport (no allocation per report; do not retain it). */
const scratchReport: AccessReport = {
  paddr: 0,
  vaddr: 0,
  size: 0,
  cpu: 0,
  tid: 0,
  tgid: 0,
  isWrite: false,
  time: 0,
};

/** Per-report state of one application pass: 0 skip, 1 to apply, 2 applied somewhere, 3 rejected. */
let state = new Uint8Array(0);

/**
 * check_reported_accesses (spec §3.2/§3.4), for the sample ending at ctx.now whose window is
 * [windowStartUs, now] (the kernel skips only `time < now - sample_interval`; a report is consumed by
 * the first sample that applies it, so a boundary report counts once): older reports are stale, newer ones stay buffered for
 * their own sample. Each report passes the sample filters, then ops.eligibleReport; vaddr targets
 * (with a pid) take reports whose tgid is the pid, by vaddr; paddr targets take every report, by
 * floor(paddr / addrUnit). A negative or NaN address means "unknown" for that kind. The report
 * counts for the region holding its start, at most one hit per region per sample; regions without
 * a report stay as not accessed. Returns the max nr_accesses over all regions.
 */
export function checkReportedAccesses<T extends IntakeTarget>(
  ctx: IntakeContext<T>,
  windowStartUs: number,
): number {
  const buf = ctx.reportBuffer;
  const stats = ctx.stats;
  const now = ctx.now;
  const n = buf.length;
  if (state.length < n) state = new Uint8Array(buf.capacity);
  const st = state;
  const { time, paddr, vaddr, cpu, tid, tgid, isWrite } = buf;
  // Pass 1: time window and sample filters.
  const filters = ctx.compiledFilters;
  const useFilters = filters.count > 0;
  let stale = 0;
  let filtered = 0;
  let pending = 0;
  for (let k = 0; k < n; k++) {
    const t = time[k]!;
    st[k] = 0;
    if (t > now) continue;
    if (!(t >= windowStartUs)) stale++;
    else if (useFilters && !samplePasses(filters, cpu[k]!, tid[k]!, isWrite[k] === 1)) filtered++;
    else {
      st[k] = 1;
      pending++;
    }
  }
  // Pass 2: per target, region lookup and hit accounting.
  const targets = ctx.targets;
  const stamp = ctx.passedSampleIntervals >>> 0 || 1;
  const eligible = ctx.ops.eligibleReport;
  const onHit = ctx.onReportHit;
  const addrUnit = ctx.addrUnit;
  for (let ti = 0; pending > 0 && ti < targets.length; ti++) {
    const tg = targets[ti]!;
    const l = tg.regions;
    if (l.length === 0) continue;
    let lookup = lookups.get(l);
    if (!lookup) lookups.set(l, (lookup = new RegionLookup()));
    if (lookup.version !== l.version) lookup.build(l);
    const len = l.length;
    const pid = tg.pid;
    const addrs = pid !== null ? vaddr : paddr;
    const unit = pid !== null ? 1 : addrUnit;
    const nr = l.nrAccesses;
    const hitStamp = l.hitStamp;
    const writeStamp = l.writeStamp;
    const nrWrites = l.nrWriteSamples;
    const starts = l.start;
    const ends = l.end;
    // lookup.find() inlined: this loop is the report hot path.
    const first = lookup.first;
    const base = lookup.base;
    const scale = lookup.scale;
    const buckets = lookup.buckets;
    for (let k = 0; k < n; k++) {
      const s = st[k]!;
      if (s === 0) continue;
      if (pid !== null && tgid[k] !== pid) continue;
      const addr = unit === 1 ? addrs[k]! : Math.floor(addrs[k]! / unit);
      if (!(addr >= 0)) continue;
      if (eligible !== undefined && !isEligible(eligible, buf, k, tg)) {
        if (s === 1) st[k] = 3;
        continue;
      }
      // Truncation is safe: a wrong bucket only fails the containment check below.
      const b = ((addr - base) * scale) | 0;
      let i = -1;
      if (b >= 0 && b < buckets) {
        i = first[b]!;
        if (ends[i]! <= addr) i = searchLast(starts, i + 1, first[b + 1]!, addr);
      }
      if (!(i >= 0 && i < len && starts[i]! <= addr && addr < ends[i]!)) {
        i = searchLast(starts, 0, len - 1, addr);
        if (i < 0 || addr >= ends[i]!) continue;
      }
      st[k] = 2;
      const w = isWrite[k] === 1;
      if (hitStamp[i] !== stamp) {
        hitStamp[i] = stamp;
        nr[i]++;
        if (onHit !== undefined) onHit(tg, i, cpu[k]!, tid[k]!, w, paddr[k]!);
      }
      if (w && writeStamp[i] !== stamp) {
        writeStamp[i] = stamp;
        nrWrites[i]++;
      }
    }
  }
  // Pass 3: outcome counters, and keep the reports of future samples.
  let applied = 0;
  let rejected = 0;
  let unmatched = 0;
  let kept = 0;
  for (let k = 0; k < n; k++) {
    const s = st[k]!;
    if (s === 2) applied++;
    else if (s === 3) rejected++;
    else if (s === 1) unmatched++;
    else if (time[k]! > now) buf.keep(k, kept++);
  }
  buf.length = kept;
  stats.reportsStale += stale;
  stats.reportsFiltered += filtered + rejected;
  stats.reportsApplied += applied;
  stats.reportsUnmatched += unmatched;
  let max = 0;
  for (let ti = 0; ti < targets.length; ti++) {
    const l = targets[ti]!.regions;
    const nr = l.nrAccesses;
    for (let i = 0; i < l.length; i++) if (nr[i]! > max) max = nr[i]!;
  }
  return max;
}

/** The filters and eligibleReport of checkReportedAccesses, for one report (see DamonContext.reportEligible). */
export function reportEligible<T extends IntakeTarget>(ctx: IntakeContext<T>, r: AccessReport): boolean {
  const f = ctx.compiledFilters;
  if (f.count > 0 && !samplePasses(f, r.cpu, r.tid, r.isWrite)) return false;
  const eligible = ctx.ops.eligibleReport;
  if (eligible === undefined) return true;
  return ctx.targets.some((t) => eligible(r, t));
}

function isEligible(
  eligible: (r: AccessReport, t: TargetView) => boolean,
  buf: ReportBuffer,
  k: number,
  tg: TargetView,
): boolean {
  scratchReport.paddr = buf.paddr[k]!;
  scratchReport.vaddr = buf.vaddr[k]!;
  scratchReport.size = buf.size[k]!;
  scratchReport.cpu = buf.cpu[k]!;
  scratchReport.tid = buf.tid[k]!;
  scratchReport.tgid = buf.tgid[k]!;
  scratchReport.isWrite = buf.isWrite[k] === 1;
  scratchReport.time = buf.time[k]!;
  return eligible(scratchReport, tg);
}
