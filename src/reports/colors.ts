/** The heat scale shared by the pictures (resvg) and the dashboard (browser): no node API here. */

/** Colour stops of the heat scale (dark → bright), an inferno-like ramp readable in print. */
const STOPS: [number, number, number][] = [
  [0, 0, 4],
  [40, 11, 84],
  [101, 21, 110],
  [159, 42, 99],
  [212, 72, 66],
  [245, 125, 21],
  [250, 193, 39],
  [252, 255, 164],
];
export const NO_DATA: [number, number, number] = [225, 225, 225];

export function heatColor(f: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, f)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const t = x - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * t)) as [number, number, number];
}
