/** The eval table (plain text) and its JSON form. */
import type { EvalResult } from './eval.js';

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

const pct = (x: number) => x.toFixed(1);
const frac = (x: number) => x.toFixed(3);

export function formatEval(r: EvalResult): string {
  const out: string[] = [];
  out.push(
    `# workload ${r.workload}: ${(r.durationUs / 1e6).toFixed(1)} s virtual, sample ${r.sampleUs} us, aggr ${r.aggrUs} us, ` +
      `hot = accessed in >= ${r.hotPercent}% of a window's samples, ${r.isolation} machines`,
  );
  out.push('# accuracy (per aggregation window, against the ground truth; first window excluded)');
  out.push(
    table(
      ['setup', 'windows', 'MAE %', 'MAE touched %', 'precision', 'recall', 'F1', 'WSS err %'],
      r.setups.map((s) => [
        s.name,
        String(s.windows),
        pct(s.accuracy.maePct),
        pct(s.accuracy.maeTouchedPct),
        frac(s.accuracy.precision),
        frac(s.accuracy.recall),
        frac(s.accuracy.f1),
        pct(s.accuracy.wssErrPct),
      ]),
    ),
  );
  out.push('# costs (what each monitor did on the machine; overhead priced by the machine cost model)');
  out.push(
    table(
      ['setup', 'mkold', 'young checks', 'protections', 'faults', 'stale faults', 'reports applied', 'filtered', 'est. overhead ms', 'monitor cpu ms'],
      r.setups.map((s) => [
        s.name,
        String(s.costs.mkold),
        String(s.costs.youngChecks),
        String(s.costs.protections),
        String(s.costs.faults),
        String(s.costs.staleFaults),
        String(s.reports.reportsApplied),
        String(s.reports.reportsFiltered),
        s.estimatedOverheadMs.toFixed(2),
        s.monitorCpuMs.toFixed(0),
      ]),
    ),
  );
  return out.join('\n') + '\n';
}

/** JSON of the result (numbers as they are; filters in the core's shape). */
export function evalToJson(r: EvalResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}
