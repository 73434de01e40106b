/**
 * Images drawn by us (damo calls gnuplot): the heatmap and the WSS plot as SVG, and PNG by rendering
 * that SVG with resvg. The heatmap pixels are a PNG raster (pngjs) embedded in the SVG, so a 500×500
 * map stays a small file; axes, units and the colour scale are SVG text.
 */
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PNG as PNGClass } from 'pngjs';
import { fmtSz, pyF } from '../records/pyformat.js';
import type { Heatmap } from './heatmap.js';
import { heatColor, NO_DATA } from './colors.js';
import { numberTicks, sizeTicks, timeTicks } from './ticks.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function heatRange(m: Heatmap): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of m.heats) {
    if (Number.isNaN(h)) continue;
    lo = Math.min(lo, h);
    hi = Math.max(hi, h);
  }
  return lo === Infinity ? [0, 0] : [lo, hi];
}

// the renderers load when an image is drawn: text reports, the common case, start faster without them
const require = createRequire(import.meta.url);
const pngjs = (): typeof PNGClass => (require('pngjs') as { PNG: typeof PNGClass }).PNG;
const resvg = (): typeof ResvgClass => (require('@resvg/resvg-js') as { Resvg: typeof ResvgClass }).Resvg;

/** The heat raster: x = time (rows of the map), y = address growing upwards, as damo's gnuplot image. */
function rasterDataUri(m: Heatmap, lo: number, hi: number): string {
  const PNG = pngjs();
  const png = new PNG({ width: m.T, height: m.A });
  for (let i = 0; i < m.T; i++) {
    for (let j = 0; j < m.A; j++) {
      const h = m.heats[i * m.A + j]!;
      const c = Number.isNaN(h) ? NO_DATA : heatColor(hi > lo ? (h - lo) / (hi - lo) : 0);
      const o = ((m.A - 1 - j) * m.T + i) * 4;
      png.data[o] = c[0];
      png.data[o + 1] = c[1];
      png.data[o + 2] = c[2];
      png.data[o + 3] = 255;
    }
  }
  return 'data:image/png;base64,' + PNG.sync.write(png).toString('base64');
}

/** An SVG canvas with a white background and a plot area inside the margins (left, right, top, bottom). */
export function svgCanvas(
  W: number,
  H: number,
  L: number,
  R: number,
  Tm: number,
  B: number,
): { pw: number; ph: number; parts: string[] } {
  return {
    pw: W - L - R,
    ph: H - Tm - B,
    parts: [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans" font-size="12">`,
      `<rect width="${W}" height="${H}" fill="white"/>`,
    ],
  };
}

/**
 * What a pixel's heat is (damo's heatmap value): the access rate of the regions over the pixel,
 * weighted by how much of the pixel's time and space each covers, summed over the snapshots that
 * cover it (ages extend snapshots back in time, so overlapping ones add up: not a frequency).
 */
const HEAT_LABEL: Record<Heatmap['unit'], string> = {
  hz: 'heat: access rate (Hz) × pixel coverage, summed',
  samples: 'heat: accessed samples × pixel coverage, summed',
};

export function heatmapSvg(m: Heatmap, title: string): string {
  const [W, H, L, R, Tm, B] = [900, 640, 120, 130, 50, 70];
  const { pw, ph, parts } = svgCanvas(W, H, L, R, Tm, B);
  const [lo, hi] = heatRange(m);
  const spanT = m.tu * m.T;
  const spanA = m.au * m.A;
  parts.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="16">${esc(title)}</text>`);
  parts.push(
    `<image x="${L}" y="${Tm}" width="${pw}" height="${ph}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${rasterDataUri(m, lo, hi)}"/>`,
  );
  parts.push(`<rect x="${L}" y="${Tm}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  // Ticks at round times since the record's start (t0 is relative to it; ages reach before it).
  const relT0 = m.t0;
  for (const t of timeTicks(relT0, relT0 + spanT)) {
    const x = L + (pw * (t.value - relT0)) / spanT;
    parts.push(`<line x1="${x}" y1="${Tm + ph}" x2="${x}" y2="${Tm + ph + 5}" stroke="black"/>`);
    parts.push(`<text x="${x}" y="${Tm + ph + 20}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  for (const a of sizeTicks(0, spanA)) {
    const y = Tm + ph - (ph * a.value) / spanA;
    parts.push(`<line x1="${L - 5}" y1="${y}" x2="${L}" y2="${y}" stroke="black"/>`);
    parts.push(`<text x="${L - 8}" y="${y + 4}" text-anchor="end">${esc(a.label)}</text>`);
  }
  parts.push(
    `<text x="${L + pw / 2}" y="${H - 22}" text-anchor="middle">time since the start of the record</text>`,
  );
  parts.push(
    `<text transform="translate(24 ${Tm + ph / 2}) rotate(-90)" text-anchor="middle">address − ${esc(fmtSz(m.a0, false))} (0x${m.a0.toString(16)})</text>`,
  );
  // colour scale
  const cx = L + pw + 30;
  const steps = 50;
  for (let k = 0; k < steps; k++) {
    const [r, g, b] = heatColor(k / (steps - 1));
    const y = Tm + ph - ((k + 1) * ph) / steps;
    parts.push(
      `<rect x="${cx}" y="${y}" width="22" height="${ph / steps + 0.5}" fill="rgb(${r},${g},${b})"/>`,
    );
  }
  parts.push(`<rect x="${cx}" y="${Tm}" width="22" height="${ph}" fill="none" stroke="black"/>`);
  for (const h of hi > lo ? numberTicks(lo, hi, 4) : [{ value: lo, label: pyF(lo, 1) }]) {
    const y = Tm + ph - (hi > lo ? (ph * (h.value - lo)) / (hi - lo) : 0);
    parts.push(`<line x1="${cx + 22}" y1="${y}" x2="${cx + 26}" y2="${y}" stroke="black"/>`);
    parts.push(`<text x="${cx + 28}" y="${y + 4}">${esc(h.label)}</text>`);
  }
  parts.push(
    `<text transform="translate(${W - 14} ${Tm + ph / 2}) rotate(90)" text-anchor="middle">${esc(HEAT_LABEL[m.unit])}</text>`,
  );
  parts.push(
    `<rect x="${cx}" y="${Tm + ph + 30}" width="22" height="12" fill="rgb(${NO_DATA.join(',')})" stroke="black"/>`,
  );
  parts.push(`<text x="${cx + 28}" y="${Tm + ph + 40}">no data</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

export function svgToPng(svg: string): Buffer {
  const Resvg = resvg();
  const r = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return r.render().asPng();
}

export const IMAGE_FORMATS = ['png', 'svg'] as const;

/** The image format a file name asks for, or an error naming the name and the formats drawn. */
export function imageFormat(path: string): (typeof IMAGE_FORMATS)[number] {
  const ext = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext === 'png' || ext === 'svg') return ext;
  throw new Error(
    `${path}: cannot write ${ext ? `a .${ext} image` : 'an image without an extension'}; damon-ts draws .png and .svg`,
  );
}

/** Writes the SVG, or the PNG, as the name asks; through a temporary file, so a failure leaves the old one. */
export function writeImage(path: string, svg: string): void {
  const data = imageFormat(path) === 'svg' ? svg : svgToPng(svg);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * The WSS distribution plot: wss (y) against percentile or time order (x), with points; `yLabel` and
 * `seriesLabel` serve other size distributions (footprints).
 */
export function wssPlotSvg(
  series: { key: string; values: number[] }[],
  xLabel: string,
  yLabel = 'working set size',
  seriesLabel = (key: string) => `target ${key}`,
  fmtY: (v: number) => string = (v) => fmtSz(v, false),
): string {
  const [W, H, L, R, Tm, B] = [800, 500, 110, 30, 40, 60];
  const { pw, ph, parts } = svgCanvas(W, H, L, R, Tm, B);
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];
  parts.push(`<rect x="${L}" y="${Tm}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  for (let k = 0; k <= 5; k++) {
    const y = Tm + ph - (ph * k) / 5;
    parts.push(`<line x1="${L}" y1="${y}" x2="${L + pw}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 8}" y="${y + 4}" text-anchor="end">${esc(fmtY((max * k) / 5))}</text>`);
    const x = L + (pw * k) / 5;
    parts.push(`<text x="${x}" y="${Tm + ph + 18}" text-anchor="middle">${k * 20}</text>`);
  }
  series.forEach((s, si) => {
    const n = s.values.length;
    const pts = s.values.map(
      (v, i) => `${L + (n > 1 ? (pw * i) / (n - 1) : pw / 2)},${Tm + ph - (ph * v) / max}`,
    );
    const c = colors[si % colors.length]!;
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [x, y] = p.split(',');
      parts.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${c}"/>`);
    }
    parts.push(`<text x="${L + 10}" y="${Tm + 18 + si * 16}" fill="${c}">${esc(seriesLabel(s.key))}</text>`);
  });
  parts.push(`<text x="${L + pw / 2}" y="${H - 18}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(
    `<text transform="translate(20 ${Tm + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}
