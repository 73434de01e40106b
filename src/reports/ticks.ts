/**
 * Axis ticks at round values (1, 2 or 5 times a power of ten of a readable unit), so that an image
 * reads "0 s, 5 s, 10 s" and "0 MiB, 20 MiB, 40 MiB" instead of fractions of the span.
 */

export interface Tick {
  value: number;
  label: string;
}

/** The round step (1, 2 or 5 × 10^k) that gives about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

/** Multiples of the round step within [lo, hi], each labelled in `unit` (value / scale). */
function ticksIn(lo: number, hi: number, count: number, scale: number, unit: string): Tick[] {
  const step = niceStep((hi - lo) / scale, count);
  const out: Tick[] = [];
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  for (let k = Math.ceil(lo / scale / step - 1e-9); k * step <= hi / scale + 1e-9 * step; k++) {
    const v = k * step;
    out.push({ value: v * scale, label: `${v.toFixed(digits)}${unit ? ` ${unit}` : ''}` });
  }
  return out;
}

/** Plain numbers. */
export function numberTicks(lo: number, hi: number, count = 5): Tick[] {
  return ticksIn(lo, hi, count, 1, '');
}

const SIZE_UNITS: [number, string][] = [
  [2 ** 40, 'TiB'],
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
];

/** Byte offsets in the largest binary unit the span reaches (B below 1 KiB). */
export function sizeTicks(lo: number, hi: number, count = 5): Tick[] {
  const [scale, unit] = SIZE_UNITS.find(([s]) => hi - lo >= s) ?? [1, 'B'];
  return ticksIn(lo, hi, count, scale, unit);
}

const TIME_UNITS: [number, string][] = [
  [3600e9, 'h'],
  [60e9, 'min'],
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'us'],
];

/** Times (ns) in the largest unit of which the span holds at least two. */
export function timeTicks(lo: number, hi: number, count = 5): Tick[] {
  const [scale, unit] = TIME_UNITS.find(([s]) => hi - lo >= 2 * s) ?? [1, 'ns'];
  return ticksIn(lo, hi, count, scale, unit);
}
