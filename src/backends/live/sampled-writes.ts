/**
 * What the write sources driven by a report-fed context's sample clock share (the uffd-wp source
 * of a launched program, the soft-dirty source of a running one): reports of written sampling pages
 * with the CPU and thread of their write fault, the armed pages the fault reader remembers, counters
 * and release. Each source arms at the context's prepare point (`arm`) and checks right before its
 * check point (`sample`).
 */
import {
  monotonicUs,
  ReportBatcher,
  type ReportSink,
  type ReportSource,
  type SourceStats,
} from './source.js';
import { PAGE_SIZE, WriteFaults } from './write-faults.js';

/** Grows a typed array to hold at least n elements (contents are not kept). */
export function fit<T extends Float64Array | Uint8Array>(a: T, n: number, make: (n: number) => T): T {
  return a.length >= n ? a : make(Math.max(n, a.length * 2));
}

export abstract class SampledWriteSource implements ReportSource {
  abstract readonly name: string;
  protected faults: WriteFaults | null = null;
  protected batcher: ReportBatcher | null = null;
  protected readonly counters: Record<string, number> = {
    samples: 0,
    pagesWritten: 0,
    unattributed: 0,
    monitorUs: 0,
    lost: 0,
  };
  private sortedPages = new Float64Array(1024);
  private final: SourceStats | null = null;

  constructor(
    protected readonly pid: number,
    private readonly attribute: boolean,
    private readonly timeBaseUs: number,
  ) {}

  abstract start(sink: ReportSink): void;
  /** The prepare step: arm the pages of addrs[0..n) (the regions' sampling addresses). */
  abstract arm(addrs: Float64Array, n: number): void;
  /** The check step: report what was written since arm(), at time nowUs. */
  abstract sample(nowUs?: number): void;
  /** Releases what the source holds in the kernel. */
  protected abstract release(): void;

  /** Starts the batcher and, if attributing, the fault reader. */
  protected begin(sink: ReportSink): void {
    this.batcher = new ReportBatcher(sink);
    if (this.attribute) this.faults = new WriteFaults(this.pid, this.timeBaseUs);
  }

  protected now(nowUs: number | undefined): number {
    return nowUs ?? monotonicUs() - this.timeBaseUs;
  }

  /**
   * From now on, remember write faults only of the pages of addrs[0..n) (the pages about to be
   * armed); faults seen so far are forgotten. Call it before arming, so that no fault is missed.
   */
  protected watch(addrs: Float64Array, n: number): void {
    if (!this.faults) return;
    this.faults.poll();
    this.faults.clear();
    this.sortedPages = fit(this.sortedPages, n, (k) => new Float64Array(k));
    for (let k = 0; k < n; k++) this.sortedPages[k] = Math.floor(addrs[k]! / PAGE_SIZE);
    this.sortedPages.subarray(0, n).sort();
    this.faults.watch(this.sortedPages, n);
  }

  /** Pushes a written page's report, with its writer when its fault was seen. */
  protected report(vaddr: number, size: number, now: number): void {
    const b = this.batcher!;
    this.counters.pagesWritten!++;
    const a = this.faults?.of(Math.floor(vaddr / PAGE_SIZE));
    if (a) b.push(vaddr, size, a.cpu, a.tid, this.faults!.tgids.tgidOf(a.tid), true, now);
    else {
      this.counters.unattributed!++;
      b.push(vaddr, size, -1, -1, this.pid, true, now);
    }
  }

  stats(): SourceStats {
    if (this.final) return this.final;
    if (this.faults) this.counters.lost = this.faults.lost();
    return {
      reports: this.batcher?.delivered ?? 0,
      lost: 0,
      ...this.counters,
      faultsSeen: this.faults?.seen ?? 0,
    };
  }

  /** Final counters, then releases the kernel state; idempotent. */
  stop(): SourceStats {
    if (this.final) return this.final;
    try {
      this.final = this.stats();
    } finally {
      this.faults?.close();
      this.faults = null;
      this.release();
    }
    return this.final;
  }
}
