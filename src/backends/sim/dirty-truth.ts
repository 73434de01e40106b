/**
 * Exact dirtied pages per window: the distinct pages each process wrote in every window of
 * `windowUs` (a multiple of the ground truth's interval), from the ground truth's interval stream.
 * This is what a dirty-rate estimator (QEMU's calc-dirty-rate, `report dirty`) tries to measure.
 */
import type { GroundTruth, GroundTruthInterval } from './ground-truth.js';

export interface DirtyTruthWindow {
  /** [start, end) in µs. */
  start: number;
  end: number;
  /** Distinct pages written in the window, by tgid (processes that wrote nothing are absent). */
  pages: Map<number, number>;
}

export class DirtyTruth {
  readonly windows: DirtyTruthWindow[] = [];
  private written = new Map<number, Set<number>>();
  private windowIndex: number;
  private readonly off: () => void;

  /** Counts from the window holding `originUs` on; windows are [originUs + k·windowUs, ...). */
  constructor(
    gt: GroundTruth,
    readonly windowUs: number,
    readonly originUs = 0,
  ) {
    if (!(windowUs > 0) || windowUs % gt.intervalUs !== 0)
      throw new Error(
        `dirty truth: window ${windowUs} µs is not a multiple of the ground-truth interval ${gt.intervalUs} µs`,
      );
    this.windowIndex = 0;
    this.off = gt.onInterval((iv) => this.add(iv));
  }

  private add(iv: GroundTruthInterval): void {
    const k = Math.floor((iv.start - this.originUs) / this.windowUs);
    if (k < 0) return;
    while (k > this.windowIndex) this.close();
    for (let i = 0; i < iv.length; i++) {
      if (!iv.isWrite[i]) continue;
      const tgid = iv.tgid[i]!;
      let s = this.written.get(tgid);
      if (!s) this.written.set(tgid, (s = new Set()));
      s.add(iv.vpn[i]!);
    }
  }

  private close(): void {
    const start = this.originUs + this.windowIndex * this.windowUs;
    const pages = new Map<number, number>();
    for (const [tgid, s] of this.written) pages.set(tgid, s.size);
    this.windows.push({ start, end: start + this.windowUs, pages });
    this.written = new Map();
    this.windowIndex++;
  }

  /** Closes every window that ended at or before `nowUs`, and stops listening. */
  finish(nowUs: number): void {
    while (this.originUs + (this.windowIndex + 1) * this.windowUs <= nowUs) this.close();
    this.off();
  }
}
