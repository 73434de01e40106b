/**
 * Access budgets as cumulative integer counts. A thread at `rate` accesses/s has issued
 * floor(t * rate / 1e6) accesses after t µs; the budget of a span [a, b) is the difference of those
 * counts, so spans of any length add up exactly to the whole (no drift, no lost fractions).
 */

/** floor(tUs * rate / 1e6), exact while rate < 9e9 (the product is split to stay below 2^53). */
export function accessesUntil(tUs: number, rate: number): number {
  const sec = Math.floor(tUs / 1e6);
  return sec * rate + Math.floor(((tUs - sec * 1e6) * rate) / 1e6);
}

/**
 * Share of weight slice [cumBefore, cumBefore + weight) of total `total` in a cumulative count `n`:
 * floor(n * (cumBefore + weight) / total) - floor(n * cumBefore / total). The shares of all slices sum
 * to n for every n, and each share is non-decreasing in n.
 */
export function weightedShare(n: number, cumBefore: number, weight: number, total: number): number {
  return Math.floor((n * (cumBefore + weight)) / total) - Math.floor((n * cumBefore) / total);
}
