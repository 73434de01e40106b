/** Sorted, disjoint [start, end) ranges (VMAs, advice runs): the binary search both need. */

/** Index of the first range ending after `addr` (ranges.length if none). */
export function firstEndingAfter(ranges: readonly { readonly end: number }[], addr: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid]!.end <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
