/**
 * `report numa --output`: the remote-access fraction of each record over time. A migrate_hot or
 * migrate_cold scheme shows as the curve falling after it starts moving pages: before and after in
 * one picture.
 */
import { esc, svgCanvas } from './plot.js';
import type { NumaRecordView } from './numa.js';
import { timeTicks } from './ticks.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

const pct = (f: number | null): string => (f === null ? '-' : `${(100 * f).toFixed(1)} %`);

export function numaPlotSvg(views: readonly NumaRecordView[]): string {
  // The legend sits between the title and the plot, one line per record.
  const Tm = 48 + 16 * views.length;
  const [W, H, L, R, B] = [860, 480 + Tm, 80, 30, 60];
  const { pw, ph, parts } = svgCanvas(W, H, L, R, Tm, B);
  const t1 = Math.max(1, ...views.flatMap((v) => v.snapshots.map((s) => s.end_ns)));
  const x = (ns: number): number => L + (pw * ns) / t1;
  const y = (f: number): number => Tm + ph - ph * f;
  parts.push(
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">remote-access fraction per snapshot</text>`,
  );
  parts.push(`<rect x="${L}" y="${Tm}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  for (let k = 0; k <= 5; k++) {
    const yy = y(k / 5);
    parts.push(`<line x1="${L}" y1="${yy}" x2="${L + pw}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 8}" y="${yy + 4}" text-anchor="end">${k * 20} %</text>`);
  }
  for (const t of timeTicks(0, t1, 6)) {
    const xx = x(t.value);
    parts.push(`<line x1="${xx}" y1="${Tm + ph}" x2="${xx}" y2="${Tm + ph + 5}" stroke="black"/>`);
    parts.push(`<text x="${xx}" y="${Tm + ph + 20}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  views.forEach((v, i) => {
    const c = COLORS[i % COLORS.length]!;
    // Snapshots without a known page node have no fraction: the curve breaks there.
    const runs: string[][] = [[]];
    for (const s of v.snapshots) {
      if (s.remote_fraction === null) {
        if (runs[runs.length - 1]!.length) runs.push([]);
        continue;
      }
      runs[runs.length - 1]!.push(`${x(s.end_ns)},${y(s.remote_fraction)}`);
    }
    for (const r of runs)
      if (r.length)
        parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${r.join(' ')}"/>`);
    const first = v.snapshots.find((s) => s.remote_fraction !== null);
    const last = v.snapshots.findLast((s) => s.remote_fraction !== null);
    const who = `kdamond ${v.kdamond_idx ?? '-'} target ${v.target_id ?? '-'}`;
    parts.push(
      `<text x="${L}" y="${44 + i * 16}" fill="${c}">${esc(`${who}: remote ${pct(v.remote_fraction)} overall, first ${pct(first?.remote_fraction ?? null)}, last ${pct(last?.remote_fraction ?? null)}`)}</text>`,
    );
  });
  parts.push(
    `<text x="${L + pw / 2}" y="${H - 18}" text-anchor="middle">time since the start of the record</text>`,
  );
  parts.push(
    `<text transform="translate(18 ${Tm + ph / 2}) rotate(-90)" text-anchor="middle">remote accesses (% of the accesses whose page node is known)</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}
