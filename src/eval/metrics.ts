/**
 * Accuracy of one aggregation window: the monitor's regions against the machine's ground truth.
 *
 * Both sides count in the same unit: the monitor's nr_accesses is the number of samples of the
 * window in which the region was seen accessed; the truth of a page is the number of intervals
 * (intervalUs = the sample interval) of the window in which it was accessed. A page's estimate is
 * the nr_accesses of the region holding it. Every measure is over the monitored target: the pages
 * of the target's process (vaddr) or all frames (paddr).
 * - error: byte-weighted mean |estimate − truth| over the bytes of the regions; `errTouched` the
 *   same over the pages the workload touched in the window (which the large cold remainder of an
 *   address space cannot dilute);
 * - hot set: a page is hot when its truth is ≥ hotThreshold samples; predicted hot when its
 *   estimate is; true positives, predicted and true hot bytes are summed (micro-average);
 * - working set: bytes with truth ≥ 1 against bytes of regions with nr_accesses ≥ 1 (damo's wss
 *   with --acc_thres 1).
 */
export const PAGE_SIZE = 4096;

/** One window of one side of the ground truth, restricted to the target: page numbers and truths. */
export interface TruthPages {
  length: number;
  /** Page numbers (vpn or pfn), ascending. */
  page: ArrayLike<number>;
  /** Intervals of the window in which the page was accessed (in the setup's view). */
  count: ArrayLike<number>;
}

export interface RegionsView {
  length: number;
  start: ArrayLike<number>;
  end: ArrayLike<number>;
  nrAccesses: ArrayLike<number>;
}

export interface WindowAccuracy {
  /** Σ over monitored bytes of |estimate − truth| (samples × bytes). */
  absErrBytes: number;
  monitoredBytes: number;
  absErrTouchedBytes: number;
  touchedBytes: number;
  truePosBytes: number;
  predHotBytes: number;
  trueHotBytes: number;
  estWssBytes: number;
  trueWssBytes: number;
}

export function windowAccuracy(
  regions: RegionsView,
  truth: TruthPages,
  hotThreshold: number,
  addrUnit = 1,
): WindowAccuracy {
  const a: WindowAccuracy = {
    absErrBytes: 0,
    monitoredBytes: 0,
    absErrTouchedBytes: 0,
    touchedBytes: 0,
    truePosBytes: 0,
    predHotBytes: 0,
    trueHotBytes: 0,
    estWssBytes: 0,
    trueWssBytes: 0,
  };
  for (let k = 0; k < truth.length; k++) {
    const c = truth.count[k]!;
    if (c >= 1) a.trueWssBytes += PAGE_SIZE;
    if (c >= hotThreshold) a.trueHotBytes += PAGE_SIZE;
  }
  let k = 0;
  for (let i = 0; i < regions.length; i++) {
    const start = regions.start[i]! * addrUnit;
    const end = regions.end[i]! * addrUnit;
    const bytes = end - start;
    const est = regions.nrAccesses[i]!;
    const hot = est >= hotThreshold;
    a.monitoredBytes += bytes;
    if (est >= 1) a.estWssBytes += bytes;
    if (hot) a.predHotBytes += bytes;
    const p0 = Math.floor(start / PAGE_SIZE);
    const p1 = Math.ceil(end / PAGE_SIZE);
    while (k < truth.length && truth.page[k]! < p0) k++;
    let touched = 0;
    let err = 0;
    while (k < truth.length && truth.page[k]! < p1) {
      const c = truth.count[k]!;
      touched++;
      err += Math.abs(est - c);
      if (hot && c >= hotThreshold) a.truePosBytes += PAGE_SIZE;
      k++;
    }
    // Pages of the region the workload did not touch have truth 0.
    const touchedBytes = Math.min(bytes, touched * PAGE_SIZE);
    a.absErrBytes += err * PAGE_SIZE + est * (bytes - touchedBytes);
    a.absErrTouchedBytes += err * PAGE_SIZE;
    a.touchedBytes += touchedBytes;
  }
  return a;
}

/** Sums of windows (micro-averages). */
export function addAccuracy(into: WindowAccuracy, w: WindowAccuracy): void {
  for (const key of Object.keys(into) as (keyof WindowAccuracy)[]) into[key] += w[key];
}

export function emptyAccuracy(): WindowAccuracy {
  return windowAccuracy(
    { length: 0, start: [], end: [], nrAccesses: [] },
    { length: 0, page: [], count: [] },
    1,
  );
}

export interface AccuracySummary {
  /** Byte-weighted mean absolute error, % of the window's samples. */
  maePct: number;
  /** The same over the pages the workload touched. */
  maeTouchedPct: number;
  precision: number;
  recall: number;
  f1: number;
  /** Mean over windows of |est − true| / true working set size, %. */
  wssErrPct: number;
}

export function summarize(
  sum: WindowAccuracy,
  samplesPerWindow: number,
  wssRelErrs: readonly number[],
): AccuracySummary {
  const precision =
    sum.predHotBytes > 0 ? sum.truePosBytes / sum.predHotBytes : sum.trueHotBytes === 0 ? 1 : 0;
  const recall = sum.trueHotBytes > 0 ? sum.truePosBytes / sum.trueHotBytes : 1;
  return {
    maePct: sum.monitoredBytes > 0 ? (100 * sum.absErrBytes) / sum.monitoredBytes / samplesPerWindow : 0,
    maeTouchedPct:
      sum.touchedBytes > 0 ? (100 * sum.absErrTouchedBytes) / sum.touchedBytes / samplesPerWindow : 0,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    wssErrPct: wssRelErrs.length ? (100 * wssRelErrs.reduce((s, x) => s + x, 0)) / wssRelErrs.length : 0,
  };
}
