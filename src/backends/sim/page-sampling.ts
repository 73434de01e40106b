/**
 * QEMU's calc-dirty-rate page-sampling mode on the simulated machine, the baseline `report dirty`
 * is measured against. For each window QEMU picks random pages of guest RAM (sample-pages per GiB,
 * 512 by default), hashes them at the start and again at the end, and reports
 * dirty rate = changed samples / samples × RAM size / window. A process's VMAs stand for the guest's
 * RAM (one RAM block; QEMU skips blocks under 128 MiB, which would leave small processes unmeasured).
 * On the machine a page's content changes exactly when it is written, so "hash changed" is "written
 * in the window", read from the ground truth's interval stream; the cost is the pages hashed.
 */
import { Prng } from '../../core/prng.js';
import type { GroundTruth, GroundTruthInterval } from './ground-truth.js';

export const QEMU_SAMPLE_PAGES_PER_GIB = 512;
const PAGE = 4096;

export interface PageSamplingWindow {
  start: number;
  end: number;
  samples: number;
  changed: number;
  /** Bytes of guest RAM sampled from. */
  memoryBytes: number;
  /** changed / samples × memoryBytes / window seconds. */
  rate: number;
}

export interface SamplingMachine {
  readonly groundTruth: GroundTruth | null;
  vmas(tgid: number): { start: number; end: number }[];
}

export class PageSamplingEstimator {
  readonly windows: PageSamplingWindow[] = [];
  /** Pages hashed so far (each sample twice per window). */
  pagesHashed = 0;
  private readonly prng: Prng;
  private sampled = new Map<number, number>();
  private changed = new Set<number>();
  private nSamples = 0;
  private memoryBytes = 0;
  private windowIndex = -1;
  private readonly off: () => void;

  constructor(
    private readonly machine: SamplingMachine,
    readonly tgid: number,
    readonly windowUs: number,
    o: { samplePagesPerGiB?: number; seed?: number; originUs?: number } = {},
  ) {
    const gt = machine.groundTruth;
    if (!gt) throw new Error('page sampling: the machine has no ground truth to read page writes from');
    if (!(windowUs > 0) || windowUs % gt.intervalUs !== 0)
      throw new Error(
        `page sampling: window ${windowUs} µs is not a multiple of the interval ${gt.intervalUs} µs`,
      );
    this.perGiB = o.samplePagesPerGiB ?? QEMU_SAMPLE_PAGES_PER_GIB;
    this.originUs = o.originUs ?? 0;
    this.prng = new Prng(o.seed ?? 1);
    this.off = gt.onInterval((iv) => this.add(iv));
  }

  private readonly perGiB: number;
  private readonly originUs: number;

  /** Start hashes: draws the window's sample pages (with replacement, as QEMU does). */
  private begin(k: number): void {
    this.windowIndex = k;
    this.sampled.clear();
    this.changed.clear();
    const vmas = this.machine.vmas(this.tgid);
    let pages = 0;
    for (const v of vmas) pages += (v.end - v.start) / PAGE;
    this.memoryBytes = pages * PAGE;
    this.nSamples = Math.max(1, Math.floor((this.memoryBytes * this.perGiB) / 2 ** 30));
    for (let i = 0; i < this.nSamples; i++) {
      let p = this.prng.rand(0, pages);
      for (const v of vmas) {
        const n = (v.end - v.start) / PAGE;
        if (p < n) {
          const vpn = v.start / PAGE + p;
          this.sampled.set(vpn, (this.sampled.get(vpn) ?? 0) + 1);
          break;
        }
        p -= n;
      }
    }
    this.pagesHashed += this.nSamples;
  }

  /** End hashes: counts the samples whose page was written. */
  private end(): void {
    let changed = 0;
    for (const vpn of this.changed) changed += this.sampled.get(vpn)!;
    const start = this.originUs + this.windowIndex * this.windowUs;
    this.windows.push({
      start,
      end: start + this.windowUs,
      samples: this.nSamples,
      changed,
      memoryBytes: this.memoryBytes,
      rate: ((changed / this.nSamples) * this.memoryBytes) / (this.windowUs / 1e6),
    });
    this.pagesHashed += this.nSamples;
  }

  private add(iv: GroundTruthInterval): void {
    const k = Math.floor((iv.start - this.originUs) / this.windowUs);
    if (k < 0) return;
    if (k !== this.windowIndex) {
      if (this.windowIndex >= 0) this.end();
      this.begin(k);
    }
    for (let i = 0; i < iv.length; i++)
      if (iv.isWrite[i] && iv.tgid[i] === this.tgid && this.sampled.has(iv.vpn[i]!))
        this.changed.add(iv.vpn[i]!);
  }

  /** Ends the current window when it is complete at `nowUs`, and stops listening. */
  finish(nowUs: number): void {
    if (this.windowIndex >= 0 && this.originUs + (this.windowIndex + 1) * this.windowUs <= nowUs) this.end();
    this.off();
  }
}
