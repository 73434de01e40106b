/** damo's percentile index and ranges (damo-report-math.md §4). */

/** Python range(start, stop, step). */
export function pyRange(start: number, stop: number, step = 1): number[] {
  if (step === 0) throw new Error('range step must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/** `i = trunc((p / 100.0) * n)`, clamped at n-1, negative indexes from the end (Python). */
export function percentileIndex(p: number, n: number): number {
  let i = Math.trunc((p / 100.0) * n);
  if (i === n) i = n - 1;
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw new Error(`percentile ${p} is out of range for ${n} values`);
  return i;
}
