/**
 * The one-line heatmap of a snapshot (`<heatmap>` of `report access`), as damo draws it: columns of
 * (total size of the regions / width) bytes, each the size-weighted mean temperature of the regions it
 * covers, scaled to a digit 0-9. A gap between regions (a vaddr record's unmapped holes) is not drawn
 * to scale: it takes one column and, when wider than four columns, prints as `[...]`
 * (--snapshot_heatmap_static draws the whole address span to scale instead).
 */
import { fmtNr, fmtSz } from '../records/pyformat.js';
import type { RecordRegion } from '../records/types.js';
import { colored, MAX_COLOR_LEVEL } from './access-color.js';
import type { AccessFormat } from './access-options.js';

/** Python's float floor division a // b (b > 0). */
function pyFloorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && mod < 0) div -= 1;
  let fl = Math.floor(div);
  if (div - fl > 0.5) fl += 1;
  return fl;
}

interface Pixel {
  start: number;
  end: number;
  temperature: number;
  void: boolean;
}

function temperatureOf(percent: number, usec: number, size: number, w: [number, number, number]): number {
  const t = size * w[0] + percent * w[1] + usec * w[2];
  return percent > 0 ? t : -1 * t;
}

function pixel(start: number, end: number, regions: RecordRegion[], w: [number, number, number]): Pixel {
  let heat = 0;
  let isVoid = true;
  for (const r of regions) {
    if (r.end <= start) continue;
    if (end <= r.start) break;
    isVoid = false;
    // the part of the region inside the pixel
    const rs = start <= r.start ? r.start : start;
    const re = r.end <= end ? r.end : end;
    heat += temperatureOf(r.nr_accesses.percent!, r.age.usec!, re - rs, w) * (re - rs);
  }
  return { start, end, temperature: heat / (end - start), void: isVoid };
}

export function snapshotHeatmapText(regions: RecordRegion[], f: AccessFormat): string {
  if (regions.length === 0) return 'n/a (no region)';
  const raw = f.rawNumber;
  let total = 0;
  if (f.heatmapStatic) total = regions[regions.length - 1]!.end - regions[0]!.start;
  else for (const r of regions) total += r.end - r.start;
  const unit = total / f.heatmapWidth;
  const w = f.temperatureWeights;

  const pixels: Pixel[] = [];
  let minT: number | null = null;
  let maxT: number | null = null;
  let start = regions[0]!.start;
  const last = regions[regions.length - 1]!.end;
  while (start < last) {
    const end = start + unit;
    const p = pixel(start, end, regions, w);
    pixels.push(p);
    if (p.void) {
      const next = regions.find((r) => r.start > end);
      if (next === undefined) break;
      start = pyFloorDiv(next.start, unit) * unit;
      p.end = start;
    } else {
      if (minT === null || p.temperature < minT) minT = p.temperature;
      if (maxT === null || p.temperature > maxT) maxT = p.temperature;
      start = end;
    }
  }
  const lo = minT ?? 0;
  const hi = maxT ?? 0;
  let tUnit = (hi - lo) / MAX_COLOR_LEVEL;
  if (tUnit === 0) tUnit = hi / MAX_COLOR_LEVEL;
  if (tUnit === 0) tUnit = 1;
  const cs = f.color ? f.heatmapColorset : null;
  let dots = '';
  for (const p of pixels) {
    if (p.void) {
      const n = (p.end - p.start) / unit;
      dots += !f.heatmapStatic && n > 4 ? '[...]' : '.'.repeat(Math.max(0, Math.trunc(n)));
      continue;
    }
    const level = Math.trunc((p.temperature - lo) / tUnit);
    dots += colored(String(level), cs, level);
  }
  return `${dots}\n# min/max temperatures: ${fmtNr(lo, raw)}, ${fmtNr(hi, raw)}, column size: ${fmtSz(unit, raw)}`;
}
