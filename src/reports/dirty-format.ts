/** Text and JSON of `report dirty` (src/reports/dirty.ts computes). */
import { fmtSz } from '../records/pyformat.js';
import type { DirtyOptions, PrecopyForecast, TargetDirtyReport } from './dirty.js';

const sz = (v: number, raw: boolean): string => fmtSz(Math.round(v), raw);
const rate = (v: number, raw: boolean): string => `${sz(v, raw)}/s`;

function seconds(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(1)} ms`;
  return `${(s * 1e6).toFixed(0)} us`;
}

/** A link speed as people quote it: bits per second, decimal units. */
export function fmtBandwidth(bytesPerS: number): string {
  const bits = bytesPerS * 8;
  for (const [unit, name] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ] as const)
    if (bits >= unit) return `${+(bits / unit).toFixed(3)} ${name}bit/s`;
  return `${+bits.toFixed(3)} bit/s`;
}

export function formatForecast(f: PrecopyForecast, raw: boolean): string {
  const at = `pre-copy at ${fmtBandwidth(f.bandwidth)} (downtime limit ${seconds(f.downtimeLimitS)})`;
  if (!f.converges)
    return `${at}: does not converge (${f.rounds} rounds, ${sz(f.finalRoundBytes, raw)} still dirty after the last)`;
  return (
    `${at}: converges in ${f.rounds} round${f.rounds === 1 ? '' : 's'}, final round ${sz(f.finalRoundBytes, raw)}, ` +
    `downtime ${seconds(f.downtimeS!)}, ${sz(f.totalBytes, raw)} sent in ${seconds(f.totalTimeS)}`
  );
}

/** The ranking table, then one block per target (damo's wss style for the written working set). */
export function formatDirty(reports: readonly TargetDirtyReport[], o: DirtyOptions, raw: boolean): string {
  const lines: string[] = [];
  lines.push(
    `# dirty rate: distinct bytes written per ${seconds(o.windowUs / 1e6)} window, per second; least dirty first`,
  );
  const rows = reports.map((r, i) => {
    const f = r.forecast;
    return [
      String(i + 1),
      r.target_id,
      rate(r.dirty_rate, raw),
      sz(r.written_wss.avg, raw),
      sz(r.memory_bytes, raw),
      f.converges
        ? `${f.rounds} round${f.rounds === 1 ? '' : 's'}, downtime ${seconds(f.downtimeS!)}`
        : 'does not converge',
    ];
  });
  const head = ['# rank', 'target', 'dirty rate', 'written wss (avr)', 'memory', 'forecast'];
  const width = head.map((h, k) => Math.max(h.length, ...rows.map((x) => x[k]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, k) => (k === cells.length - 1 ? c : k < 2 ? c.padEnd(width[k]!) : c.padStart(width[k]!)))
      .join('  ');
  lines.push(line(head));
  for (const row of rows) lines.push(line(row));
  for (const r of reports) {
    lines.push('');
    lines.push(
      `# target_id\t${r.target_id} (kdamond ${r.kdamond_idx}, context ${r.context_idx}): ${r.setup}`,
    );
    lines.push(`# memory ${sz(r.memory_bytes, raw)}, ${r.windows.length} windows of ${seconds(r.window_s)}`);
    if (r.windows.length === 0) {
      lines.push(
        `# no complete ${seconds(r.window_s)} window: the record is shorter (try a smaller --window)`,
      );
    } else {
      lines.push(`# dirty rate: ${rate(r.dirty_rate, raw)} (mean of the windows)`);
      lines.push('# <percentile> <dirty rate>');
      for (const [p, v] of Object.entries(r.dirty_rate_percentiles))
        lines.push(`${p.padStart(3)} ${rate(v, raw).padStart(17)}`);
    }
    lines.push('# written working set: <percentile> <wss>');
    lines.push(`# avr:\t${sz(r.written_wss.avg, raw)}`);
    for (const [p, v] of Object.entries(r.written_wss.percentiles))
      lines.push(`${p.padStart(3)} ${sz(v, raw).padStart(15)}`);
    lines.push(`# ${formatForecast(r.forecast, raw)}`);
  }
  return lines.join('\n') + '\n';
}

/** One object per target, least dirty first; rates in bytes/s, sizes in bytes, times in seconds. */
export function dirtyToJson(reports: readonly TargetDirtyReport[]): string {
  return (
    JSON.stringify(
      reports.map((r, i) => ({ rank: i + 1, ...r })),
      null,
      2,
    ) + '\n'
  );
}
