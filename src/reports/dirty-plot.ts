/** `report dirty --output`: each target's dirty rate per window over time, against the link's speed. */
import { fmtSz } from '../records/pyformat.js';
import { fmtBandwidth } from './dirty-format.js';
import type { DirtyOptions, TargetDirtyReport } from './dirty.js';
import { esc, svgCanvas } from './plot.js';
import { sizeTicks, timeTicks } from './ticks.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

function legend(r: TargetDirtyReport): string {
  const f = r.forecast;
  const fc = f.converges
    ? `${f.rounds} round${f.rounds === 1 ? '' : 's'}, downtime ${(f.downtimeS! * 1e3).toFixed(1)} ms`
    : 'does not converge';
  return `target ${r.target_id}: ${fmtSz(Math.round(r.dirty_rate), false)}/s (${fc})`;
}

/**
 * One polyline per target (x: window middle, time since the record's start; y: bytes/s), least
 * dirty first as the text ranks them, and a dashed line at the link speed: a rate near or above it
 * cannot be pre-copied over that link.
 */
export function dirtyPlotSvg(reports: readonly TargetDirtyReport[], o: DirtyOptions): string {
  // The legend sits between the title and the plot, one line per target.
  const Tm = 48 + 16 * reports.length;
  const [W, H, L, R, B] = [860, 480 + Tm, 110, 30, 60];
  const { pw, ph, parts } = svgCanvas(W, H, L, R, Tm, B);
  const wins = reports.flatMap((r) => r.windows);
  const t0 = Math.min(...wins.map((w) => w.startUs), 0);
  const t1 = Math.max(...wins.map((w) => w.endUs), t0 + 1);
  const max = Math.max(o.bandwidth, ...wins.map((w) => w.rate)) * 1.05;
  const x = (us: number): number => L + (pw * (us - t0)) / (t1 - t0);
  const y = (v: number): number => Tm + ph - (ph * v) / max;
  parts.push(
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(`dirty rate per ${o.windowUs / 1e6} s window, link ${fmtBandwidth(o.bandwidth)}`)}</text>`,
  );
  parts.push(`<rect x="${L}" y="${Tm}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  for (const t of sizeTicks(0, max, 5)) {
    const yy = y(t.value);
    parts.push(`<line x1="${L}" y1="${yy}" x2="${L + pw}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 8}" y="${yy + 4}" text-anchor="end">${esc(t.label)}/s</text>`);
  }
  for (const t of timeTicks(0, (t1 - t0) * 1000, 6)) {
    const xx = x(t0 + t.value / 1000);
    parts.push(`<line x1="${xx}" y1="${Tm + ph}" x2="${xx}" y2="${Tm + ph + 5}" stroke="black"/>`);
    parts.push(`<text x="${xx}" y="${Tm + ph + 20}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  const by = y(o.bandwidth);
  parts.push(
    `<line x1="${L}" y1="${by}" x2="${L + pw}" y2="${by}" stroke="black" stroke-dasharray="6 4" stroke-width="1.5"/>`,
  );
  parts.push(
    `<text x="${L + pw - 6}" y="${by - 6}" text-anchor="end">link ${esc(fmtBandwidth(o.bandwidth))}</text>`,
  );
  reports.forEach((r, i) => {
    const c = COLORS[i % COLORS.length]!;
    const pts = r.windows.map((w) => [x((w.startUs + w.endUs) / 2), y(w.rate)] as const);
    parts.push(
      `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.map((p) => p.join(',')).join(' ')}"/>`,
    );
    for (const [cx, cy] of pts) parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${c}"/>`);
    parts.push(`<text x="${L}" y="${44 + i * 16}" fill="${c}">${esc(legend(r))}</text>`);
  });
  parts.push(
    `<text x="${L + pw / 2}" y="${H - 18}" text-anchor="middle">time since the start of the record</text>`,
  );
  parts.push(
    `<text transform="translate(20 ${Tm + ph / 2}) rotate(-90)" text-anchor="middle">dirty rate (bytes/s)</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}
