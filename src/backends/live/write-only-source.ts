/**
 * Write-only monitoring of a process launched with the uffd-wp preload helper (uffd-helper.ts),
 * driven by a report-fed context's own sample clock.
 *
 * Two modes:
 * - sampling (default): the kernel's page_fault primitive restricted to writes. At each sample's
 *   prepare point the context picks a sampling address per region and `arm()` write-protects just
 *   those pages, one native call for all regions. As in the kernel's primitive, a page stays
 *   protected until it is written: each arming costs the program at most one fault, and pages never
 *   picked are never protected. (Lifting the protection of the unwritten ones each sample would
 *   double the TLB shootdowns the program pays.) At the check point `sample()` reads the armed
 *   pages' pagemap entries (one native call): a page whose protection is gone was written, and is
 *   reported at its sampling address with the CPU and thread of its write fault.
 * - exact: every page is protected; at each check point PAGEMAP_SCAN returns every page written
 *   since the last one and protects it again, one report per page (size 4096). The program takes a
 *   fault per written page per interval: this is what it costs to see every written page.
 *
 * Re-arming (sampling mode, `eligible` given: a context whose filters reject some writers, e.g.
 * --exp_ops_cpus or --exp_ops_tids): the first writer of an armed page consumes its protection, so a
 * write by a CPU or thread the context drops would hide a later one it keeps. The fault reader is
 * polled every `rearmPollMs` between the check points; a fault of an armed page by a writer the
 * context rejects write-protects that page again, once per CPU and thread per page per sample (a
 * second fault of the same writer keeps the protection consumed: at most one extra fault per writer
 * per region per sample). The monitor learns of a fault only at its next poll, so an eligible write
 * between the rejected one and the re-arm is still missed, and so is any when the rejected writer
 * writes the page again before the eligible one does.
 *
 * Reports carry the check point's time, so a sample interval's writes count in that sample. A
 * written page whose fault was not seen (lost event) is reported with cpu -1 and tid -1 and counted
 * in stats().unattributed. Only the launched process (its tgid) is monitored.
 */
import { processRunning } from './proc-maps.js';
import { pagemapFlags, PM_FLAG, wpArm } from './native-sampler.js';
import { WrittenPageScanner } from './pagemap-scan.js';
import { fit, SampledWriteSource } from './sampled-writes.js';
import { monotonicUs, type ReportSink } from './source.js';
import { PAGE_SIZE, type WriteFault } from './write-faults.js';

export interface WriteOnlySourceOptions {
  /** The process, started with the preload helper (protect 'none' for sampling, 'all' for exact). */
  pid: number;
  /** Report every written page instead of DAMON's sampling semantics. */
  exact?: boolean;
  /** Attribute writes to CPU and thread via the fault tracepoint (default true). */
  attribute?: boolean;
  /** Subtracted from CLOCK_MONOTONIC µs to give report times (default 0). */
  timeBaseUs?: number;
  /** Least time between two rescans of /proc/PID/maps for unregistered mappings, µs (default 100 ms). */
  rescanUs?: number;
  /**
   * Whether the monitoring context keeps a write by this CPU and thread; when given (sampling mode,
   * with attribution), a rejected writer's fault re-arms the page (see above).
   */
  eligible?: (cpu: number, tid: number) => boolean;
  /** Period of the fault reader's polls that re-arm pages, ms (default 1). */
  rearmPollMs?: number;
}

export class WriteOnlySource extends SampledWriteSource {
  readonly name: string;
  private scanner: WrittenPageScanner | null = null;
  /** Sampling mode: the armed pages' addresses, whether arming worked, their pagemap flags. */
  private armed = new Float64Array(1024);
  private armedOk = new Uint8Array(1024);
  private flags = new Uint8Array(1024);
  private nArmed = 0;
  private lastRescanUs = -Infinity;
  /** Re-arming: the writers (cpu, tid pairs) a page was re-armed for this sample; pages to re-arm. */
  private rearmedFor = new Map<number, number[]>();
  private toRearm: { page: number; fault: WriteFault }[] = [];
  private rearmTimer: NodeJS.Timeout | null = null;
  private rearmError: unknown = null;
  /** True while the check step reads the faults (each is then its page's writer), and at arming. */
  private rearmPaused = false;

  constructor(private readonly opts: WriteOnlySourceOptions) {
    super(opts.pid, opts.attribute ?? true, opts.timeBaseUs ?? 0);
    this.name = opts.exact ? 'write_only_exact' : 'write_only';
    Object.assign(this.counters, { armed: 0, armFailed: 0, mappingsRegistered: 0 });
    if (this.rearming) this.counters.rearmed = 0;
  }

  private get rearming(): boolean {
    return !this.exact && this.opts.eligible !== undefined && (this.opts.attribute ?? true);
  }

  get exact(): boolean {
    return this.opts.exact === true;
  }

  start(sink: ReportSink): void {
    if (this.scanner) throw new Error('write-only source: already started');
    this.scanner = new WrittenPageScanner(this.pid, this.exact);
    try {
      this.begin(sink);
      if (this.exact) this.faults?.watch(null);
      this.registerNew();
      // Exact mode's baseline: whatever was written before now is not this interval's.
      if (this.exact) this.scanner.scan();
      this.faults?.poll();
      this.faults?.clear();
      if (this.rearming && this.faults) {
        this.faults.decide = (page, fault) => this.decide(page, fault);
        const t = setInterval(() => this.pollRearm(), this.opts.rearmPollMs ?? 1);
        t.unref();
        this.rearmTimer = t;
      }
    } catch (e) {
      this.stop();
      throw e;
    }
  }

  private registerNew(): number {
    this.lastRescanUs = monotonicUs();
    const n = this.scanner!.registerNewMappings();
    this.counters.mappingsRegistered! += n;
    return n;
  }

  /** Sampling mode's prepare step: write-protects the page of each of addrs[0..n) (the regions' sampling addresses). */
  arm(addrs: Float64Array, n: number): void {
    const scanner = this.scanner;
    if (!scanner || this.exact) return;
    const t0 = monotonicUs();
    this.armed = fit(this.armed, n, (k) => new Float64Array(k));
    this.armedOk = fit(this.armedOk, n, (k) => new Uint8Array(k));
    this.armed.set(addrs.subarray(0, n));
    this.nArmed = n;
    // Watch before protecting: a write right after the protection must find its fault remembered.
    // The previous sample's last faults are read and forgotten there: its re-arms are over.
    this.rearmPaused = true;
    try {
      this.watch(this.armed, n);
    } finally {
      this.rearmPaused = false;
    }
    this.rearmedFor.clear();
    this.toRearm.length = 0;
    const missing = wpArm(scanner.uffd, n, this.armed, this.armedOk);
    // Sampling pages in mappings nobody registered yet (libc-internal mmap): register, then arm them.
    if (missing > 0 && t0 - this.lastRescanUs >= (this.opts.rescanUs ?? 100_000) && this.registerNew() > 0)
      this.armAgain();
    let ok = 0;
    for (let k = 0; k < n; k++) ok += this.armedOk[k]!;
    this.counters.armed! += ok;
    this.counters.armFailed! += n - ok;
    this.counters.monitorUs! += monotonicUs() - t0;
  }

  /** A watched page's write fault: re-arm it when the context rejects its writer (first time per writer). */
  private decide(page: number, fault: WriteFault): boolean {
    if (this.rearmPaused || this.opts.eligible!(fault.cpu, fault.tid)) return false;
    let writers = this.rearmedFor.get(page);
    if (writers === undefined) this.rearmedFor.set(page, (writers = []));
    for (let i = 0; i < writers.length; i += 2)
      if (writers[i] === fault.cpu && writers[i + 1] === fault.tid) return false;
    writers.push(fault.cpu, fault.tid);
    this.toRearm.push({ page, fault });
    return true;
  }

  /** Reads the faults so far and write-protects again the pages rejected writers took. */
  private pollRearm(): void {
    const scanner = this.scanner;
    if (!scanner || !this.faults || this.rearmError !== null) return;
    const t0 = monotonicUs();
    try {
      this.faults.poll();
      const n = this.toRearm.length;
      if (n === 0) return;
      const addrs = Float64Array.from(this.toRearm, (r) => r.page * PAGE_SIZE);
      const ok = new Uint8Array(n);
      wpArm(scanner.uffd, n, addrs, ok);
      for (let k = 0; k < n; k++) {
        const r = this.toRearm[k]!;
        // Still unprotected: the rejected writer's fault stays the page's writer.
        if (ok[k]) this.counters.rearmed!++;
        else this.faults.remember(r.page, r.fault);
      }
      this.toRearm.length = 0;
    } catch (e) {
      // Thrown by the next check step, whose caller knows whether the program has exited.
      this.rearmError = e;
    } finally {
      this.counters.monitorUs! += monotonicUs() - t0;
    }
  }

  /** Arms the pages that failed, after new mappings were registered. */
  private armAgain(): void {
    const idx: number[] = [];
    for (let k = 0; k < this.nArmed; k++) if (!this.armedOk[k]) idx.push(k);
    const addrs = Float64Array.from(idx, (k) => this.armed[k]!);
    const ok = new Uint8Array(idx.length);
    wpArm(this.scanner!.uffd, idx.length, addrs, ok);
    idx.forEach((k, j) => (this.armedOk[k] = ok[j]!));
  }

  /**
   * The check step, right before the context checks the sample's reports, with that sample's time
   * (the reports carry it, so they count in that sample). Sampling mode reports the armed pages that
   * were written; exact mode every page written since the last call.
   */
  sample(nowUs?: number): void {
    const scanner = this.scanner;
    if (!scanner || !this.batcher) return;
    if (this.rearmError !== null) {
      const e = this.rearmError;
      this.rearmError = null;
      throw e;
    }
    const t0 = monotonicUs();
    const now = this.now(nowUs);
    this.counters.samples!++;
    if (this.exact) this.sampleExact(scanner, now);
    else this.sampleArmed(scanner, now);
    this.batcher.flush();
    this.counters.monitorUs! += monotonicUs() - t0;
  }

  private sampleArmed(scanner: WrittenPageScanner, now: number): void {
    const n = this.nArmed;
    this.flags = fit(this.flags, n, (k) => new Uint8Array(k));
    // Last re-arms of the sample, before its pages are read.
    if (this.rearming) this.pollRearm();
    pagemapFlags(scanner.pagemapFd, n, this.armed, this.flags);
    // Faults are traced before the kernel lifts the protection: every page seen written has its event.
    this.rearmPaused = true;
    try {
      this.faults?.poll();
    } finally {
      this.rearmPaused = false;
    }
    const present = PM_FLAG.present | PM_FLAG.swapped;
    for (let k = 0; k < n; k++) {
      const f = this.flags[k]!;
      const written = (f & (PM_FLAG.error | PM_FLAG.uffdWp)) === 0 && (f & present) !== 0;
      if (this.armedOk[k] === 1 && written) this.report(this.armed[k]!, 1, now);
    }
  }

  private sampleExact(scanner: WrittenPageScanner, now: number): void {
    this.counters.mappingsRegistered! += scanner.registerNewMappings();
    const written = scanner.scan();
    this.faults?.poll();
    for (let i = 0; i < written.length; i++)
      for (let a = written.start[i]!; a < written.end[i]!; a += PAGE_SIZE) this.report(a, PAGE_SIZE, now);
    this.faults?.clear();
  }

  protected release(): void {
    if (this.rearmTimer) clearInterval(this.rearmTimer);
    this.rearmTimer = null;
    // The program may go on running: nothing the monitor protected stays protected.
    if (this.scanner && processRunning(this.pid)) {
      try {
        this.scanner.unprotectAll();
      } catch {
        // the program is exiting
      }
    }
    this.nArmed = 0;
    this.scanner?.close();
    this.scanner = null;
  }
}
