/**
 * Ground truth: exactly which pages were accessed in every interval (the monitor's sample interval)
 * and, per window (the aggregation interval), each touched page's true access frequency = the
 * number of intervals of the window in which it was accessed, overall and per view (CPU/thread
 * subsets), for reads and writes separately. Kept on both sides: virtual pages (tgid, vpn) for
 * vaddr monitoring and frames (pfn) for paddr monitoring.
 *
 * Memory follows touched pages: counters are indexed by page-table entry (tables exist only where
 * memory was touched) and by pfn up to the highest frame touched.
 */
import type { GroundTruthConfig, GroundTruthView } from './config.js';
import { PTES_PER_TABLE } from './layout.js';
import { grown } from './typed-arrays.js';
import type { PageTablePool } from './page-tables.js';

/** Per-view counts of one window, aligned with the window's page list. */
export interface ViewCounts {
  name: string;
  /** Intervals in which the page was accessed (read or written). */
  accesses: Uint16Array;
  /** Intervals in which it was read. */
  reads: Uint16Array;
  /** Intervals in which it was written. */
  writes: Uint16Array;
}

export interface GroundTruthWindow {
  index: number;
  /** [start, end) in µs. */
  start: number;
  end: number;
  /** Intervals the window spans (a partial last window from finish() may have fewer). */
  intervals: number;
  /** Touched virtual pages, sorted by (tgid, vpn); views[0] is 'all'. */
  virt: { length: number; tgid: Int32Array; vpn: Float64Array; views: ViewCounts[] };
  /** Touched frames, sorted by pfn. */
  phys: { length: number; pfn: Float64Array; views: ViewCounts[] };
}

/**
 * The accesses of one interval: each (page, kind) appears at least once per thread that made it;
 * a page accessed by alternating threads may repeat.
 */
export interface GroundTruthInterval {
  index: number;
  start: number;
  end: number;
  length: number;
  tgid: Int32Array;
  vpn: Float64Array;
  pfn: Float64Array;
  tid: Int32Array;
  cpu: Int32Array;
  isWrite: Uint8Array;
}

/** Per-page interval counters of one side (virtual entries or frames), for every view. */
class PageCounters {
  lastAny = new Int32Array(0);
  lastRead = new Int32Array(0);
  lastWrite = new Int32Array(0);
  acc = new Uint16Array(0);
  rd = new Uint16Array(0);
  wr = new Uint16Array(0);
  touched = new Int32Array(1024);
  nTouched = 0;
  private cap = 0;

  constructor(private readonly nViews: number) {}

  ensure(pages: number): void {
    if (pages <= this.cap) return;
    const cap = Math.max(pages, this.cap * 2, 1024);
    const n = cap * this.nViews;
    this.lastAny = grown(this.lastAny, n, -1);
    this.lastRead = grown(this.lastRead, n, -1);
    this.lastWrite = grown(this.lastWrite, n, -1);
    this.acc = grown(this.acc, n);
    this.rd = grown(this.rd, n);
    this.wr = grown(this.wr, n);
    this.cap = cap;
  }

  /** Counts an access of page `idx` in interval `cur`; views[0] must be 0 ('all'). */
  record(idx: number, isWrite: boolean, views: Int32Array, cur: number, windowFirst: number): boolean {
    let fresh = false;
    const V = this.nViews;
    for (let j = 0; j < views.length; j++) {
      const i = idx * V + views[j]!;
      if (this.lastAny[i] !== cur) {
        if (j === 0 && this.lastAny[i]! < windowFirst) this.push(idx);
        this.lastAny[i] = cur;
        this.acc[i]!++;
      }
      if (isWrite) {
        if (this.lastWrite[i] !== cur) {
          this.lastWrite[i] = cur;
          this.wr[i]!++;
          if (j === 0) fresh = true;
        }
      } else if (this.lastRead[i] !== cur) {
        this.lastRead[i] = cur;
        this.rd[i]!++;
        if (j === 0) fresh = true;
      }
    }
    return fresh;
  }

  private push(idx: number): void {
    if (this.nTouched === this.touched.length) this.touched = grown(this.touched, this.touched.length * 2);
    this.touched[this.nTouched++] = idx;
  }

  /** Copies the counts of `order` (page indices) into per-view arrays (none if `names` is empty) and zeroes them. */
  take(order: Int32Array, names: readonly string[]): ViewCounts[] {
    const V = this.nViews;
    const out = names.map((name) => ({
      name,
      accesses: new Uint16Array(order.length),
      reads: new Uint16Array(order.length),
      writes: new Uint16Array(order.length),
    }));
    for (let k = 0; k < order.length; k++) {
      const base = order[k]! * V;
      for (let v = 0; v < out.length; v++) {
        const o = out[v]!;
        o.accesses[k] = this.acc[base + v]!;
        o.reads[k] = this.rd[base + v]!;
        o.writes[k] = this.wr[base + v]!;
      }
      this.acc.fill(0, base, base + V);
      this.rd.fill(0, base, base + V);
      this.wr.fill(0, base, base + V);
    }
    this.nTouched = 0;
    return out;
  }

  /** Zeroes the window's counts without reporting them. */
  discard(): void {
    this.take(this.touched.subarray(0, this.nTouched), []);
  }
}

/** Growable columns of interval events. */
class IntervalEvents {
  n = 0;
  entry = new Int32Array(256);
  pfn = new Float64Array(256);
  tid = new Int32Array(256);
  cpu = new Int32Array(256);
  isWrite = new Uint8Array(256);

  push(entry: number, pfn: number, tid: number, cpu: number, isWrite: boolean): void {
    if (this.n === this.entry.length) {
      const n = this.n * 2;
      this.entry = grown(this.entry, n);
      this.pfn = grown(this.pfn, n);
      this.tid = grown(this.tid, n);
      this.cpu = grown(this.cpu, n);
      this.isWrite = grown(this.isWrite, n);
    }
    const i = this.n++;
    this.entry[i] = entry;
    this.pfn[i] = pfn;
    this.tid[i] = tid;
    this.cpu[i] = cpu;
    this.isWrite[i] = isWrite ? 1 : 0;
  }
}

export class GroundTruth {
  readonly intervalUs: number;
  readonly windowUs: number;
  readonly intervalsPerWindow: number;
  /** View names; index 0 is 'all'. */
  readonly viewNames: readonly string[];
  private readonly views: readonly GroundTruthView[];
  private readonly virt: PageCounters;
  private readonly phys: PageCounters;
  private readonly events = new IntervalEvents();
  private lastEventTid = new Int32Array(0);
  private cur = 0;
  private windowIndex = 0;
  private readonly windowListeners: ((w: GroundTruthWindow) => void)[] = [];
  private readonly intervalListeners: ((i: GroundTruthInterval) => void)[] = [];
  private readonly deferred: number[] = [];

  constructor(
    config: GroundTruthConfig,
    cpus: number,
    private readonly pool: PageTablePool,
    private readonly tgidOfAsid: (asid: number) => number,
  ) {
    this.intervalUs = config.intervalUs;
    this.windowUs = config.windowUs;
    this.intervalsPerWindow = config.windowUs / config.intervalUs;
    this.views = config.views ?? Array.from({ length: cpus }, (_, c) => ({ name: `cpu${c}`, cpus: [c] }));
    this.viewNames = ['all', ...this.views.map((v) => v.name)];
    this.virt = new PageCounters(this.viewNames.length);
    this.phys = new PageCounters(this.viewNames.length);
    pool.onGrow = (entries) => {
      this.virt.ensure(entries);
      if (this.lastEventTid.length < entries) this.lastEventTid = grown(this.lastEventTid, entries, -1);
    };
  }

  /** The views (indices into viewNames) an access by this thread on this CPU counts in; 0 first. */
  viewsFor(tid: number, cpu: number): Int32Array {
    const out = [0];
    this.views.forEach((v, i) => {
      if ((v.cpus === undefined || v.cpus.includes(cpu)) && (v.tids === undefined || v.tids.includes(tid)))
        out.push(i + 1);
    });
    return Int32Array.from(out);
  }

  onWindow(listener: (w: GroundTruthWindow) => void): () => void {
    this.windowListeners.push(listener);
    return () => void this.windowListeners.splice(this.windowListeners.indexOf(listener) >>> 0, 1);
  }

  onInterval(listener: (i: GroundTruthInterval) => void): () => void {
    this.intervalListeners.push(listener);
    return () => void this.intervalListeners.splice(this.intervalListeners.indexOf(listener) >>> 0, 1);
  }

  /** First interval boundary after t. */
  nextBoundary(t: number): number {
    return (Math.floor(t / this.intervalUs) + 1) * this.intervalUs;
  }

  record(entry: number, pfn: number, tid: number, cpu: number, isWrite: boolean, views: Int32Array): void {
    const first = this.windowIndex * this.intervalsPerWindow;
    const fresh = this.virt.record(entry, isWrite, views, this.cur, first);
    this.phys.ensure(pfn + 1);
    this.phys.record(pfn, isWrite, views, this.cur, first);
    if (this.intervalListeners.length > 0 && (fresh || this.lastEventTid[entry] !== tid)) {
      this.lastEventTid[entry] = tid;
      this.events.push(entry, pfn, tid, cpu, isWrite);
    }
  }

  /** Page tables freed during a window are released only after it is emitted (counters point at them). */
  deferTableRelease(table: number): void {
    this.deferred.push(table);
  }

  /** Moves the clock to t: emits every interval and window that ended at or before t. */
  advanceTo(t: number): void {
    const target = Math.floor(t / this.intervalUs);
    while (this.cur < target) {
      this.emitInterval();
      this.cur++;
      if (this.cur % this.intervalsPerWindow === 0) this.emitWindow(this.intervalsPerWindow);
    }
  }

  /** Emits the current partial window (end of run); no-op when no interval of it has started. */
  finish(now: number): void {
    const started = Math.ceil(now / this.intervalUs) - this.windowIndex * this.intervalsPerWindow;
    if (started <= 0) return;
    this.emitInterval();
    this.emitWindow(Math.min(started, this.intervalsPerWindow));
  }

  private emitInterval(): void {
    const ev = this.events;
    const n = ev.n;
    ev.n = 0;
    if (this.intervalListeners.length === 0) return;
    const tgid = new Int32Array(n);
    const vpn = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const e = ev.entry[i]!;
      const t = Math.floor(e / PTES_PER_TABLE);
      tgid[i] = this.tgidOfAsid(this.pool.tableAsid[t]!);
      vpn[i] = this.pool.tableVpn[t]! + (e % PTES_PER_TABLE);
      this.lastEventTid[e] = -1;
    }
    const iv: GroundTruthInterval = {
      index: this.cur,
      start: this.cur * this.intervalUs,
      end: (this.cur + 1) * this.intervalUs,
      length: n,
      tgid,
      vpn,
      pfn: ev.pfn.slice(0, n),
      tid: ev.tid.slice(0, n),
      cpu: ev.cpu.slice(0, n),
      isWrite: ev.isWrite.slice(0, n),
    };
    for (const l of this.intervalListeners) l(iv);
  }

  private emitWindow(intervals: number): void {
    const index = this.windowIndex++;
    if (this.windowListeners.length === 0) {
      this.virt.discard();
      this.phys.discard();
    } else {
      const w = this.buildWindow(index, intervals);
      for (const l of this.windowListeners) l(w);
    }
    for (const t of this.deferred) this.pool.releaseTable(t);
    this.deferred.length = 0;
  }

  private buildWindow(index: number, intervals: number): GroundTruthWindow {
    // Virtual side: order touched entries by (asid, table vpn), then by entry inside a table.
    const touched = this.virt.touched.subarray(0, this.virt.nTouched).slice().sort();
    const tableKeys = new Map<number, number>();
    for (let k = 0; k < touched.length; k++) {
      const t = Math.floor(touched[k]! / PTES_PER_TABLE);
      if (!tableKeys.has(t))
        tableKeys.set(t, this.pool.tableAsid[t]! * 2 ** 26 + this.pool.tableVpn[t]! / PTES_PER_TABLE);
    }
    const tables = [...tableKeys.keys()].sort((a, b) => tableKeys.get(a)! - tableKeys.get(b)!);
    const rank = new Map(tables.map((t, i) => [t, i]));
    const starts = new Int32Array(tables.length + 1);
    for (let k = 0; k < touched.length; k++)
      starts[rank.get(Math.floor(touched[k]! / PTES_PER_TABLE))! + 1]!++;
    for (let i = 0; i < tables.length; i++) starts[i + 1]! += starts[i]!;
    const order = new Int32Array(touched.length);
    const fill = starts.slice(0, tables.length);
    for (let k = 0; k < touched.length; k++)
      order[fill[rank.get(Math.floor(touched[k]! / PTES_PER_TABLE))!]!++] = touched[k]!;
    const tgid = new Int32Array(order.length);
    const vpn = new Float64Array(order.length);
    for (let k = 0; k < order.length; k++) {
      const t = Math.floor(order[k]! / PTES_PER_TABLE);
      tgid[k] = this.tgidOfAsid(this.pool.tableAsid[t]!);
      vpn[k] = this.pool.tableVpn[t]! + (order[k]! % PTES_PER_TABLE);
    }
    const virtViews = this.virt.take(order, this.viewNames);
    const pfns = this.phys.touched.subarray(0, this.phys.nTouched).slice().sort();
    const physViews = this.phys.take(pfns, this.viewNames);
    return {
      index,
      start: index * this.windowUs,
      end: index * this.windowUs + intervals * this.intervalUs,
      intervals,
      virt: { length: order.length, tgid, vpn, views: virtViews },
      phys: { length: pfns.length, pfn: Float64Array.from(pfns), views: physViews },
    };
  }
}
