/**
 * The access-report intake of report-based monitoring (spec §3): a bounded per-context buffer in
 * typed arrays, and check_reported_accesses, which folds one sample's reports into the regions.
 */
import type { DamonContext, Target } from './context.js';
import type { RegionList } from './region-list.js';
import { samplePasses } from './sample-filters.js';
import type { AccessReport, ReportBatch } from './types.js';

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
  const start = l.start;
  let lo = 0;
  let hi = l.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (start[mid]! <= addr) {
      ans = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return ans >= 0 && addr < l.end[ans]! ? ans : -1;
}

/** Reused report object for ops.eligibleReport (no allocation per report; do not retain it). */
const scratchReport: AccessReport = { paddr: 0, vaddr: 0, size: 0, cpu: 0, tid: 0, tgid: 0, isWrite: false, time: 0 };

/**
 * check_reported_accesses (spec §3.2/§3.4), for the sample ending at ctx.now whose window is
 * (windowStartUs, now]: reports older than the window are stale, newer ones stay buffered for
 * their own sample. Each report passes the sample filters, then ops.eligibleReport; vaddr targets
 * (with a pid) take reports whose tgid is the pid, by vaddr; paddr targets take every report, by
 * paddr / addrUnit. A negative or NaN address means "unknown" for that kind. The report counts
 * for the region holding its start, at most one hit per region per sample; regions without a
 * report stay as not accessed. Returns the max nr_accesses over all regions.
 */
export function checkReportedAccesses(ctx: DamonContext, windowStartUs: number): number {
  const buf = ctx.reportBuffer;
  const stats = ctx.stats;
  const now = ctx.now;
  const stamp = ctx.passedSampleIntervals >>> 0 || 1;
  const filters = ctx.compiledFilters;
  const useFilters = filters.count > 0;
  const eligible = ctx.ops.eligibleReport;
  const onHit = ctx.onReportHit;
  const targets = ctx.targets;
  const nt = targets.length;
  const addrUnit = ctx.addrUnit;
  const { time, paddr, vaddr, cpu, tid, tgid, isWrite } = buf;
  const n = buf.length;
  let kept = 0;
  let stale = 0;
  let filtered = 0;
  let applied = 0;
  let unmatched = 0;
  for (let k = 0; k < n; k++) {
    const t = time[k]!;
    if (t > now) {
      buf.keep(k, kept++);
      continue;
    }
    if (!(t > windowStartUs)) {
      stale++;
      continue;
    }
    const w = isWrite[k] === 1;
    if (useFilters && !samplePasses(filters, cpu[k]!, tid[k]!, w)) {
      filtered++;
      continue;
    }
    let matched = false;
    let rejected = false;
    for (let ti = 0; ti < nt; ti++) {
      const tg: Target = targets[ti]!;
      let addr: number;
      if (tg.pid !== null) {
        if (tgid[k] !== tg.pid) continue;
        addr = vaddr[k]!;
      } else {
        addr = addrUnit === 1 ? paddr[k]! : Math.floor(paddr[k]! / addrUnit);
      }
      if (!(addr >= 0)) continue;
      if (eligible !== undefined) {
        scratchReport.paddr = paddr[k]!;
        scratchReport.vaddr = vaddr[k]!;
        scratchReport.size = buf.size[k]!;
        scratchReport.cpu = cpu[k]!;
        scratchReport.tid = tid[k]!;
        scratchReport.tgid = tgid[k]!;
        scratchReport.isWrite = w;
        scratchReport.time = t;
        if (!eligible(scratchReport, tg)) {
          rejected = true;
          continue;
        }
      }
      const l = tg.regions;
      const i = findRegion(l, addr);
      if (i < 0) continue;
      matched = true;
      if (l.hitStamp[i] !== stamp) {
        l.hitStamp[i] = stamp;
        l.nrAccesses[i]++;
        if (onHit !== undefined) onHit(tg, i, cpu[k]!, tid[k]!, w);
      }
      if (w && l.writeStamp[i] !== stamp) {
        l.writeStamp[i] = stamp;
        l.nrWriteSamples[i]++;
      }
    }
    if (matched) applied++;
    else if (rejected) filtered++;
    else unmatched++;
  }
  buf.length = kept;
  stats.reportsStale += stale;
  stats.reportsFiltered += filtered;
  stats.reportsApplied += applied;
  stats.reportsUnmatched += unmatched;
  let max = 0;
  for (let ti = 0; ti < nt; ti++) {
    const l = targets[ti]!.regions;
    const nr = l.nrAccesses;
    for (let i = 0; i < l.length; i++) if (nr[i]! > max) max = nr[i]!;
  }
  return max;
}
