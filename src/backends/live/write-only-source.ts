/**
 * Write-only monitoring of a process that runs with the uffd-wp preload helper (uffd-helper.ts).
 *
 * Every sample interval PAGEMAP_SCAN returns the pages written since the previous scan and
 * write-protects them again (WP_ASYNC: the kernel resolves the next write fault by itself and marks
 * the page written). The write faults are also read from exceptions:page_fault_user, which gives
 * the CPU, thread and time of the first write to each page in the interval.
 *
 * Two modes:
 * - sampling (default): the kernel's page_fault primitive restricted to writes. That primitive
 *   protects only each region's sampling page, so a region counts as written in a sample interval
 *   iff its sampling page was written. Reporting every written page and letting the core's
 *   one-hit-per-region rule act would instead count a region when any of its pages was written (a
 *   different, higher estimate), so this mode asks the report-fed context for its current sampling
 *   addresses (`samplingAddresses`) and reports exactly those that lie in written pages, with the
 *   sampling address as vaddr. (All pages are still protected each interval, so the program takes
 *   one fault per written page per interval, more than the kernel primitive would cause; what is
 *   reported is the same.)
 * - exact: every written page is reported, one report per page (size 4096).
 *
 * Report times are the scan's time (or the `nowUs` given to sample()), not the fault times: a
 * wall-clock context drops reports older than its current sample, and every written page of the
 * interval must count in the sample the scan closes. The faults only give CPU and thread.
 *
 * A written page whose fault was not seen (lost event, or written in the microseconds between the
 * scan and reprotection) is reported with cpu -1 and tid -1 and counted in stats().unattributed.
 * Only the launched process (its tgid) is monitored: children get no registration.
 */
import { TraceInstance } from '../kernel/tracefs/instance.js';
import { RawTraceReader } from '../kernel/tracefs/raw-reader.js';
import { eventField, readField, readU64 } from '../kernel/tracefs/format.js';
import { PAGE_SIZE, WrittenPageScanner, type WrittenRanges } from './pagemap-scan.js';
import { processRunning, processTids } from './proc-maps.js';
import {
  monotonicUs,
  ReportBatcher,
  type ReportSink,
  type ReportSource,
  type SourceStats,
} from './source.js';
import { join } from 'node:path';
import { TgidCache } from './thread-groups.js';

export interface WriteOnlySourceOptions {
  /** The process, started with the preload helper. */
  pid: number;
  /** Sample interval in µs: how often to scan when self-timed (default 5000). */
  sampleUs?: number;
  /** Report every written page instead of DAMON's sampling semantics. */
  exact?: boolean;
  /** Sampling mode: the context's current sampling addresses of this target (called once per scan). */
  samplingAddresses?: (pid: number) => ArrayLike<number>;
  /** Scan on an own timer every sampleUs (default true). With false, call sample() yourself. */
  selfTimed?: boolean;
  /** Attribute writes to CPU and thread via the fault tracepoint (default true). */
  attribute?: boolean;
  /** Subtracted from CLOCK_MONOTONIC µs to give report times (default 0). */
  timeBaseUs?: number;
}

const WRITE_BIT = 2;

/** Index of the written range holding `addr`, or -1 (binary search over sorted ranges). */
export function findRange(r: WrittenRanges, addr: number): number {
  let lo = 0;
  let hi = r.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (addr < r.start[mid]!) hi = mid - 1;
    else if (addr >= r.end[mid]!) lo = mid + 1;
    else return mid;
  }
  return -1;
}

interface Attribution {
  cpu: number;
  tid: number;
  time: number;
}

export class WriteOnlySource implements ReportSource {
  readonly name: string;
  private scanner: WrittenPageScanner | null = null;
  private instance: TraceInstance | null = null;
  private reader: RawTraceReader | null = null;
  private batcher: ReportBatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** First write fault per page (page number → who/when) not yet matched with a scan. */
  private readonly faults = new Map<number, Attribution>();
  private tgids: TgidCache;
  private readonly counters = {
    samples: 0,
    pagesWritten: 0,
    unattributed: 0,
    scanUs: 0,
    mappingsRegistered: 0,
    lost: 0,
  };
  private final: SourceStats | null = null;

  constructor(private readonly opts: WriteOnlySourceOptions) {
    if (!opts.exact && !opts.samplingAddresses)
      throw new Error(
        "write-only source: the sampling mode needs samplingAddresses (the report-fed context's sampling addresses); use exact: true to report every written page",
      );
    this.name = opts.exact ? 'write_only_exact' : 'write_only';
    this.tgids = new TgidCache(opts.pid);
  }

  start(sink: ReportSink): void {
    if (this.scanner) throw new Error('write-only source: already started');
    const o = this.opts;
    this.batcher = new ReportBatcher(sink);
    this.scanner = new WrittenPageScanner(o.pid);
    try {
      if (o.attribute ?? true) this.startTracing();
      // Baseline: whatever was written before now is not this interval's.
      this.scanner.registerNewMappings();
      this.scanner.scan();
      this.reader?.poll();
      this.faults.clear();
    } catch (e) {
      this.release();
      throw e;
    }
    if (o.selfTimed ?? true) {
      const ms = Math.max(1, Math.floor((o.sampleUs ?? 5000) / 1000));
      this.timer = setInterval(() => {
        try {
          this.sample();
        } catch (e) {
          process.stderr.write(`damon-ts: write-only source stopped: ${(e as Error).message}\n`);
          this.stop();
        }
      }, ms);
    }
  }

  private startTracing(): void {
    const inst = TraceInstance.open();
    this.instance = inst;
    this.tgids = new TgidCache(this.opts.pid, join(inst.root, 'saved_tgids'));
    const fmt = inst.eventFormat('exceptions', 'page_fault_user');
    const aoff = eventField(fmt, 'address').offset;
    const eoff = eventField(fmt, 'error_code').offset;
    const fPid = eventField(fmt, 'common_pid');
    const base = this.opts.timeBaseUs ?? 0;
    const faults = this.faults;
    inst.setClock('mono');
    inst.setBufferSizeKb(4096);
    inst.setOption('event-fork', true);
    inst.setOption('record-tgid', true);
    inst.setEventPids(processTids(this.opts.pid));
    this.reader = new RawTraceReader(inst, (cpu, buf, off, _len, ns) => {
      if (buf.readUInt16LE(off) !== fmt.id || (buf.readUInt32LE(off + eoff) & WRITE_BIT) === 0) return;
      const page = Math.floor(readU64(buf, off + aoff) / PAGE_SIZE);
      if (!faults.has(page))
        faults.set(page, { cpu, tid: readField(buf, off, fPid), time: Math.floor(ns / 1000) - base });
    });
    inst.enableEvent('exceptions', 'page_fault_user');
    this.reader.start(true);
  }

  /**
   * Ends one sample interval: scans written pages (re-protecting them), matches them with the write
   * faults read so far and pushes the reports. Call it right before the context checks the sample's
   * reports when not self-timed, with that sample's `nowUs` (the reports then carry that time, so
   * they count in that sample).
   */
  sample(nowUs?: number): void {
    const scanner = this.scanner;
    const batcher = this.batcher;
    if (!scanner || !batcher) return;
    const t0 = monotonicUs();
    let written: WrittenRanges;
    try {
      scanner.registerNewMappings();
      written = scanner.scan();
    } catch (e) {
      if (!processRunning(this.opts.pid)) return; // the program ended: nothing more to scan
      throw e;
    }
    const t1 = monotonicUs();
    this.counters.scanUs += t1 - t0;
    this.reader?.poll();
    this.counters.samples++;
    const now = nowUs ?? t1 - (this.opts.timeBaseUs ?? 0);
    const pid = this.opts.pid;
    let pages = 0;
    const report = (vaddr: number, size: number): void => {
      const a = this.faults.get(Math.floor(vaddr / PAGE_SIZE));
      if (a) batcher.push(vaddr, size, a.cpu, a.tid, this.tgids.tgidOf(a.tid), true, now);
      else {
        this.counters.unattributed++;
        batcher.push(vaddr, size, -1, -1, pid, true, now);
      }
    };
    for (let i = 0; i < written.length; i++) pages += (written.end[i]! - written.start[i]!) / PAGE_SIZE;
    if (this.opts.exact) {
      for (let i = 0; i < written.length; i++)
        for (let a = written.start[i]!; a < written.end[i]!; a += PAGE_SIZE) report(a, PAGE_SIZE);
    } else {
      const addrs = this.opts.samplingAddresses!(this.opts.pid);
      for (let k = 0; k < addrs.length; k++) if (findRange(written, addrs[k]!) >= 0) report(addrs[k]!, 1);
    }
    this.counters.pagesWritten += pages;
    // Faults after the scan belong to the next interval; older ones are matched or stale.
    const scanEnd = t1 - (this.opts.timeBaseUs ?? 0);
    for (const [page, a] of this.faults) if (a.time <= scanEnd) this.faults.delete(page);
    batcher.flush();
  }

  stats(): SourceStats {
    if (this.final) return this.final;
    const lost = this.reader?.lost();
    if (lost) this.counters.lost = Math.max(lost.overrun + lost.dropped, lost.missedStored);
    return {
      reports: this.batcher?.delivered ?? 0,
      ...this.counters,
      mappingsRegistered: this.scanner?.stats.mappingsRegistered ?? this.counters.mappingsRegistered,
      scans: this.scanner?.stats.scans ?? 0,
    };
  }

  /** Final scan, then releases the pagemap, the userfaultfd copy and the trace instance. */
  stop(): SourceStats {
    if (this.final) return this.final;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      if (processRunning(this.opts.pid)) this.sample();
      this.final = this.stats();
    } finally {
      this.release();
    }
    return this.final ?? this.stats();
  }

  private release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.reader?.stop();
    this.reader = null;
    this.instance?.close();
    this.instance = null;
    this.scanner?.close();
    this.scanner = null;
  }
}
