/** `report dirty --plot`: each target's dirty rate per window over time, against the link's speed. */
import { fmtSz } from '../records/pyformat.js';
import { fmtBandwidth } from './dirty-format.js';
import type { TargetDirtyReport } from './dirty.js';
import { esc, svgCanvas } from './plot.js';

/**
 * One polyline per target (x: window start, seconds from the record's start; y: bytes/s) and a
 * dashed line at the bandwidth: a rate near or above it cannot be pre-copied over that link.
 */
export function dirtyPlotSvg(reports: readonly TargetDirtyReport[], bandwidth: number): string {
  const [W, H, L, R, Tm, B] = [800, 500, 110, 30, 40, 60];
  const { pw, ph, parts } = svgCanvas(W, H, L, R, Tm, B);
  const wins = reports.flatMap((r) => r.windows);
  const t0 = Math.min(...wins.map((w) => w.startUs), 0);
  const t1 = Math.max(...wins.map((w) => w.endUs), t0 + 1);
  const max = Math.max(bandwidth, ...wins.map((w) => w.rate)) * 1.05;
  const x = (us: number): number => L + (pw * (us - t0)) / (t1 - t0);
  const y = (v: number): number => Tm + ph - (ph * v) / max;
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];
  parts.push(`<rect x="${L}" y="${Tm}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  for (let k = 0; k <= 5; k++) {
    const yy = Tm + ph - (ph * k) / 5;
    parts.push(`<line x1="${L}" y1="${yy}" x2="${L + pw}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${L - 8}" y="${yy + 4}" text-anchor="end">${esc(fmtSz((max * k) / 5, false))}/s</text>`,
    );
    const tx = t0 + ((t1 - t0) * k) / 5;
    parts.push(
      `<text x="${x(tx)}" y="${Tm + ph + 18}" text-anchor="middle">${((tx - t0) / 1e6).toFixed(1)}</text>`,
    );
  }
  const by = y(bandwidth);
  parts.push(
    `<line x1="${L}" y1="${by}" x2="${L + pw}" y2="${by}" stroke="black" stroke-dasharray="6 4" stroke-width="1.5"/>`,
  );
  parts.push(
    `<text x="${L + pw - 6}" y="${by - 6}" text-anchor="end">link ${esc(fmtBandwidth(bandwidth))}</text>`,
  );
  reports.forEach((r, i) => {
    const c = colors[i % colors.length]!;
    const pts = r.windows.map((w) => `${x((w.startUs + w.endUs) / 2)},${y(w.rate)}`);
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${c}"/>`);
    }
    parts.push(
      `<text x="${L + 10}" y="${Tm + 18 + i * 16}" fill="${c}">target ${esc(r.target_id)}: ${esc(fmtSz(Math.round(r.dirty_rate), false))}/s</text>`,
    );
  });
  parts.push(`<text x="${L + pw / 2}" y="${H - 18}" text-anchor="middle">time (s)</text>`);
  parts.push(
    `<text transform="translate(20 ${Tm + ph / 2}) rotate(-90)" text-anchor="middle">dirty rate</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}
