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
import { fit, SampledWriteSource } from './sampled-writes.js';
import { monotonicUs, type ReportSink } from './source.js';

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

export class SoftDirtySource extends SampledWriteSource {
  readonly name = 'soft_dirty';
  private pagemapFd = -1;
  private clearRefsFd = -1;
  private armed = new Float64Array(1024);
  private flags = new Uint8Array(1024);
  private nArmed = 0;

  constructor(opts: SoftDirtySourceOptions) {
    super(opts.pid, opts.attribute ?? true, opts.timeBaseUs ?? 0);
    this.counters.clearUs = 0;
  }

  start(sink: ReportSink): void {
    const why = softDirtyUnsupported();
    if (why) throw new Error(`write-only monitoring of running process ${this.pid}: ${why}`);
    try {
      this.pagemapFd = openSync(`/proc/${this.pid}/pagemap`, 'r');
      this.clearRefsFd = openSync(`/proc/${this.pid}/clear_refs`, 'w');
      this.begin(sink);
    } catch (e) {
      this.stop();
      throw new Error(`write-only monitoring of running process ${this.pid}: ${(e as Error).message}`);
    }
  }

  /** The prepare step: clears every soft-dirty bit of the process and remembers the sampling pages. */
  arm(addrs: Float64Array, n: number): void {
    if (this.clearRefsFd < 0) return;
    const t0 = monotonicUs();
    this.armed = fit(this.armed, n, (k) => new Float64Array(k));
    this.armed.set(addrs.subarray(0, n));
    this.nArmed = n;
    // Watch before clearing: a write right after the clear must find its fault remembered.
    this.watch(this.armed, n);
    const t1 = monotonicUs();
    writeSync(this.clearRefsFd, '4');
    this.counters.clearUs! += monotonicUs() - t1;
    this.counters.monitorUs! += monotonicUs() - t0;
  }

  /** The check step: reports the sampling pages written since arm(), at time nowUs. */
  sample(nowUs?: number): void {
    if (!this.batcher || this.pagemapFd < 0) return;
    const t0 = monotonicUs();
    const now = this.now(nowUs);
    const n = this.nArmed;
    this.flags = fit(this.flags, n, (k) => new Uint8Array(k));
    pagemapFlags(this.pagemapFd, n, this.armed, this.flags);
    this.faults?.poll();
    this.counters.samples!++;
    const present = PM_FLAG.present | PM_FLAG.swapped;
    for (let k = 0; k < n; k++) {
      const f = this.flags[k]!;
      // A new mapping shows every page soft-dirty, populated or not: only populated pages count.
      if ((f & PM_FLAG.error) === 0 && (f & PM_FLAG.softDirty) !== 0 && (f & present) !== 0)
        this.report(this.armed[k]!, 1, now);
    }
    this.batcher.flush();
    this.counters.monitorUs! += monotonicUs() - t0;
  }

  protected release(): void {
    for (const fd of [this.pagemapFd, this.clearRefsFd]) if (fd >= 0) closeSync(fd);
    this.pagemapFd = this.clearRefsFd = -1;
  }
}
