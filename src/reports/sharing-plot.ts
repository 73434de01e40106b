/**
 * `report sharing --output FILE.png|svg`: the slice × slice sharing matrix as a heat map. Each cell
 * is the median over the windows of the bytes both slices accessed in the same window (the
 * diagonal: the slice's own working set), coloured on one scale with a colour bar in bytes, and
 * printed in the cell when it is wide enough to read.
 */
import { fmtSz } from '../records/pyformat.js';
import { heatColor } from './colors.js';
import { esc } from './plot.js';
import type { SharingResult } from './sharing.js';
import { sizeTicks } from './ticks.js';

/** Cells narrower than this show their value only as a tooltip: the text would not fit. */
const MIN_TEXT_CELL = 64;

export function sharingSvg(r: SharingResult, raw = false): string {
  const n = r.slices.length;
  const cell = Math.max(16, Math.min(96, Math.floor(640 / Math.max(1, n))));
  const [L, T, bar] = [110, 90, 150];
  const W = L + n * cell + bar;
  const H = Math.max(T + n * cell + 60, 320);
  const ph = n * cell;
  const max = Math.max(1, ...r.shared.flat());
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="14">${esc(`memory shared per window (median), ${r.by} × ${r.by}`)}</text>`,
    `<text x="${W / 2}" y="42" text-anchor="middle">${esc(`diagonal: the ${r.by}'s own working set; ${r.timesNs.length} windows`)}</text>`,
  ];
  r.slices.forEach((id, i) => {
    parts.push(
      `<text x="${L - 6}" y="${T + i * cell + cell / 2 + 4}" text-anchor="end">${esc(`${r.by} ${id}`)}</text>`,
    );
    parts.push(
      `<text x="${L + i * cell + cell / 2}" y="${T - 8}" text-anchor="middle">${esc(String(id))}</text>`,
    );
    r.shared[i]!.forEach((v, j) => {
      const f = v / max;
      const [cr, cg, cb] = heatColor(f);
      const x = L + j * cell;
      const y = T + i * cell;
      const label = fmtSz(Math.round(v), raw);
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${cr},${cg},${cb})" stroke="#888"><title>${esc(`${r.by}s ${r.slices[i]} and ${r.slices[j]}: ${label}`)}</title></rect>`,
      );
      if (cell >= MIN_TEXT_CELL)
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="10" fill="${f > 0.6 ? 'black' : 'white'}">${esc(label)}</text>`,
        );
    });
  });
  // The colour bar, in bytes.
  const cx = L + n * cell + 24;
  const steps = 50;
  for (let k = 0; k < steps; k++) {
    const [cr, cg, cb] = heatColor(k / (steps - 1));
    parts.push(
      `<rect x="${cx}" y="${T + ph - ((k + 1) * ph) / steps}" width="18" height="${ph / steps + 0.5}" fill="rgb(${cr},${cg},${cb})"/>`,
    );
  }
  parts.push(`<rect x="${cx}" y="${T}" width="18" height="${ph}" fill="none" stroke="black"/>`);
  for (const t of sizeTicks(0, max, 4)) {
    const y = T + ph - (ph * t.value) / max;
    parts.push(`<line x1="${cx + 18}" y1="${y}" x2="${cx + 22}" y2="${y}" stroke="black"/>`);
    parts.push(`<text x="${cx + 24}" y="${y + 4}">${esc(raw ? String(t.value) : t.label)}</text>`);
  }
  parts.push(
    `<text transform="translate(${W - 12} ${T + ph / 2}) rotate(90)" text-anchor="middle">bytes shared</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}
