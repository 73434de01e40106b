/**
 * Write-only monitoring of a process launched with the uffd-wp preload helper (uffd-helper.ts),
 * driven by a report-fed context's own sample clock.
 *
 * Two modes:
 * - sampling (default): the kernel's page_fault primitive restricted to writes. At each sample's
 *   prepare point the context picks a sampling address per region and `arm()` write-protects just
 *   those pages (and lifts the protection of the previous ones that were not written), one native
 *   call for all regions; every other page stays writable, so the program takes at most one write
 *   fault per region per sample interval. At the check point `sample()` reads the armed pages'
 *   pagemap entries (one native call): a page whose protection is gone was written, and is reported
 *   at its sampling address with the CPU and thread of its write fault (exceptions:page_fault_user).
 * - exact: every page is protected; at each check point PAGEMAP_SCAN returns every page written
 *   since the last one and protects it again, one report per page (size 4096). The program takes a
 *   fault per written page per interval: this is what it costs to see every written page.
 *
 * Reports carry the check point's time, so a sample interval's writes count in that sample. A
 * written page whose fault was not seen (lost event) is reported with cpu -1 and tid -1 and counted
 * in stats().unattributed. Only the launched process (its tgid) is monitored.
 */
import { processRunning } from './proc-maps.js';
import { pagemapFlags, PM_FLAG, wpRearm } from './native-sampler.js';
import { WrittenPageScanner } from './pagemap-scan.js';
import { fit, SampledWriteSource } from './sampled-writes.js';
import { monotonicUs, type ReportSink } from './source.js';
import { PAGE_SIZE } from './write-faults.js';

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
}

export class WriteOnlySource extends SampledWriteSource {
  readonly name: string;
  private scanner: WrittenPageScanner | null = null;
  /** Sampling mode: the armed pages' addresses, whether arming worked, and their state at the check. */
  private armed = new Float64Array(1024);
  private armedOk = new Uint8Array(1024);
  private stillProtected = new Uint8Array(1024);
  private flags = new Uint8Array(1024);
  private nArmed = 0;
  private checked = false;
  private lastRescanUs = -Infinity;

  constructor(private readonly opts: WriteOnlySourceOptions) {
    super(opts.pid, opts.attribute ?? true, opts.timeBaseUs ?? 0);
    this.name = opts.exact ? 'write_only_exact' : 'write_only';
    Object.assign(this.counters, { armed: 0, armFailed: 0, mappingsRegistered: 0 });
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

  /**
   * Sampling mode's prepare step: write-protects the page of each of addrs[0..n) (the regions'
   * sampling addresses) and unprotects the previously armed pages that were not written.
   */
  arm(addrs: Float64Array, n: number): void {
    const scanner = this.scanner;
    if (!scanner || this.exact) return;
    const t0 = monotonicUs();
    this.stillProtected = fit(this.stillProtected, this.nArmed, (k) => new Uint8Array(k));
    if (!this.checked) this.stillProtected.fill(1, 0, this.nArmed);
    this.armedOk = fit(this.armedOk, n, (k) => new Uint8Array(k));
    const next = new Float64Array(Math.max(n, 1));
    next.set(addrs.subarray(0, n));
    // Watch before protecting: a write right after the protection must find its fault remembered.
    this.watch(next, n);
    const missing = wpRearm(
      scanner.uffd,
      this.nArmed,
      this.armed,
      this.stillProtected,
      n,
      next,
      this.armedOk,
    );
    this.armed = next;
    this.nArmed = n;
    // Sampling pages in mappings nobody registered yet (libc-internal mmap): register, then arm them.
    if (missing > 0 && t0 - this.lastRescanUs >= (this.opts.rescanUs ?? 100_000) && this.registerNew() > 0)
      this.armAgain();
    let ok = 0;
    for (let k = 0; k < n; k++) ok += this.armedOk[k]!;
    this.counters.armed! += ok;
    this.counters.armFailed! += n - ok;
    this.checked = false;
    this.counters.monitorUs! += monotonicUs() - t0;
  }

  /** Arms the pages that failed, after new mappings were registered. */
  private armAgain(): void {
    const idx: number[] = [];
    for (let k = 0; k < this.nArmed; k++) if (!this.armedOk[k]) idx.push(k);
    const addrs = Float64Array.from(idx, (k) => this.armed[k]!);
    const ok = new Uint8Array(idx.length);
    wpRearm(this.scanner!.uffd, 0, addrs, ok, idx.length, addrs, ok);
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
    this.stillProtected = fit(this.stillProtected, n, (k) => new Uint8Array(k));
    pagemapFlags(scanner.pagemapFd, n, this.armed, this.flags);
    // Faults are traced before the kernel lifts the protection: every page seen written has its event.
    this.faults?.poll();
    const present = PM_FLAG.present | PM_FLAG.swapped;
    for (let k = 0; k < n; k++) {
      const f = this.flags[k]!;
      const ok = this.armedOk[k] === 1 && (f & PM_FLAG.error) === 0;
      const prot = ok && (f & PM_FLAG.uffdWp) !== 0;
      this.stillProtected[k] = prot ? 1 : 0;
      if (ok && !prot && (f & present) !== 0) this.report(this.armed[k]!, 1, now);
    }
    this.checked = true;
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
    // Armed pages stay protected in a program that goes on running: lift the protection.
    if (this.scanner && !this.exact && this.nArmed > 0 && processRunning(this.pid)) {
      if (!this.checked) this.stillProtected.fill(1, 0, this.nArmed);
      try {
        wpRearm(this.scanner.uffd, this.nArmed, this.armed, this.stillProtected, 0, this.armed, this.armedOk);
      } catch {
        // the program is exiting
      }
    }
    this.nArmed = 0;
    this.scanner?.close();
    this.scanner = null;
  }
}
