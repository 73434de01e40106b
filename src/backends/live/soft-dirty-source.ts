/**
 * Write-only monitoring of a process that is already running, from outside it: soft-dirty bits.
 *
 * Writing 4 to /proc/PID/clear_refs clears every soft-dirty bit of the process and write-protects
 * its pages; the next write to a page faults once and sets the bit again, seen in
 * /proc/PID/pagemap (bit 55). Driven by a report-fed context like the uffd-wp source: at each
 * prepare point `arm()` clears the bits, at each check point `sample()` reads the sampling pages'
 * bits (one native call for all regions) and reports those written, with the CPU and thread of
 * their write fault. What is reported has the page_fault primitive's sampling semantics; the cost
 * does not: clear_refs walks the whole address space every sample and every written page takes a
 * write fault per sample interval.
 *
 * Needs CONFIG_MEM_SOFT_DIRTY (most distribution kernels); detected from the "sd" VmFlag in smaps.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { pagemapFlags, PM_FLAG } from './native-sampler.js';
import {
  monotonicUs,
  ReportBatcher,
  type ReportSink,
  type ReportSource,
  type SourceStats,
} from './source.js';
import { PAGE_SIZE, WriteFaults } from './write-faults.js';

/** Why soft-dirty tracking cannot be used here, or null when the kernel has it. */
export function softDirtyUnsupported(): string | null {
  let smaps: string;
  try {
    smaps = readFileSync('/proc/self/smaps', 'utf8');
  } catch (e) {
    return `reading /proc/self/smaps failed: ${(e as Error).message}`;
  }
  // A new mapping carries VM_SOFTDIRTY, shown as "sd" only by kernels with CONFIG_MEM_SOFT_DIRTY.
  return /^VmFlags:.*\bsd\b/m.test(smaps)
    ? null
    : 'this kernel has no soft-dirty page tracking (CONFIG_MEM_SOFT_DIRTY: no "sd" flag in /proc/self/smaps)';
}

export interface SoftDirtySourceOptions {
  pid: number;
  /** Attribute writes to CPU and thread via the fault tracepoint (default true). */
  attribute?: boolean;
  timeBaseUs?: number;
}

export class SoftDirtySource implements ReportSource {
  readonly name = 'soft_dirty';
  private pagemapFd = -1;
  private clearRefsFd = -1;
  private faults: WriteFaults | null = null;
  private batcher: ReportBatcher | null = null;
  private armed = new Float64Array(1024);
  private flags = new Uint8Array(1024);
  private sortedPages = new Float64Array(1024);
  private nArmed = 0;
  private readonly counters = {
    samples: 0,
    pagesWritten: 0,
    unattributed: 0,
    monitorUs: 0,
    clearUs: 0,
    lost: 0,
  };
  private final: SourceStats | null = null;

  constructor(private readonly opts: SoftDirtySourceOptions) {}

  start(sink: ReportSink): void {
    const why = softDirtyUnsupported();
    if (why) throw new Error(`write-only monitoring of running process ${this.opts.pid}: ${why}`);
    const pid = this.opts.pid;
    try {
      this.pagemapFd = openSync(`/proc/${pid}/pagemap`, 'r');
      this.clearRefsFd = openSync(`/proc/${pid}/clear_refs`, 'w');
      if (this.opts.attribute ?? true) this.faults = new WriteFaults(pid, this.opts.timeBaseUs ?? 0);
    } catch (e) {
      this.release();
      throw new Error(`write-only monitoring of running process ${pid}: ${(e as Error).message}`);
    }
    this.batcher = new ReportBatcher(sink);
  }

  /** The prepare step: clears every soft-dirty bit of the process and remembers the sampling pages. */
  arm(addrs: Float64Array, n: number): void {
    if (this.clearRefsFd < 0) return;
    const t0 = monotonicUs();
    if (this.armed.length < n) {
      this.armed = new Float64Array(n * 2);
      this.flags = new Uint8Array(n * 2);
      this.sortedPages = new Float64Array(n * 2);
    }
    this.armed.set(addrs.subarray(0, n));
    this.nArmed = n;
    writeSync(this.clearRefsFd, '4');
    const t1 = monotonicUs();
    this.counters.clearUs += t1 - t0;
    if (this.faults) {
      for (let k = 0; k < n; k++) this.sortedPages[k] = Math.floor(this.armed[k]! / PAGE_SIZE);
      this.sortedPages.subarray(0, n).sort();
      this.faults.watch(this.sortedPages, n);
      this.faults.poll();
      this.faults.clear();
    }
    this.counters.monitorUs += monotonicUs() - t0;
  }

  /** The check step: reports the sampling pages written since arm(), at time nowUs. */
  sample(nowUs: number): void {
    const batcher = this.batcher;
    if (!batcher || this.pagemapFd < 0) return;
    const t0 = monotonicUs();
    const n = this.nArmed;
    pagemapFlags(this.pagemapFd, n, this.armed, this.flags);
    this.faults?.poll();
    this.counters.samples++;
    for (let k = 0; k < n; k++) {
      const f = this.flags[k]!;
      if ((f & PM_FLAG.error) !== 0 || (f & PM_FLAG.softDirty) === 0) continue;
      if ((f & (PM_FLAG.present | PM_FLAG.swapped)) === 0) continue;
      const vaddr = this.armed[k]!;
      this.counters.pagesWritten++;
      const a = this.faults?.of(Math.floor(vaddr / PAGE_SIZE));
      if (a) batcher.push(vaddr, 1, a.cpu, a.tid, this.faults!.tgids.tgidOf(a.tid), true, nowUs);
      else {
        this.counters.unattributed++;
        batcher.push(vaddr, 1, -1, -1, this.opts.pid, true, nowUs);
      }
    }
    batcher.flush();
    this.counters.monitorUs += monotonicUs() - t0;
  }

  stats(): SourceStats {
    if (this.final) return this.final;
    if (this.faults) this.counters.lost = this.faults.lost();
    return { reports: this.batcher?.delivered ?? 0, ...this.counters, faultsSeen: this.faults?.seen ?? 0 };
  }

  stop(): SourceStats {
    if (this.final) return this.final;
    try {
      this.final = this.stats();
    } finally {
      this.release();
    }
    return this.final;
  }

  private release(): void {
    this.faults?.close();
    this.faults = null;
    for (const fd of [this.pagemapFd, this.clearRefsFd]) if (fd >= 0) closeSync(fd);
    this.pagemapFd = this.clearRefsFd = -1;
  }
}
