/** The eval table (plain text) and its JSON form. */
import type { EvalResult, SetupResult } from './eval.js';

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

const pct = (x: number) => x.toFixed(1);
const frac = (x: number) => x.toFixed(3);

type Column = [string, (s: SetupResult) => string];

const ACCURACY: Column[] = [
  ['windows', (s) => String(s.windows)],
  ['MAE %', (s) => pct(s.accuracy.maePct)],
  ['MAE touched %', (s) => pct(s.accuracy.maeTouchedPct)],
  ['precision', (s) => frac(s.accuracy.precision)],
  ['recall', (s) => frac(s.accuracy.recall)],
  ['F1', (s) => frac(s.accuracy.f1)],
  ['WSS err %', (s) => pct(s.accuracy.wssErrPct)],
];

const COSTS: Column[] = [
  ['mkold', (s) => String(s.costs.mkold)],
  ['young checks', (s) => String(s.costs.youngChecks)],
  ['protections', (s) => String(s.costs.protections)],
  ['faults', (s) => String(s.costs.faults)],
  ['re-armed', (s) => String(s.costs.rearms)],
  ['stale faults', (s) => String(s.costs.staleFaults)],
  ['reports applied', (s) => String(s.reports.reportsApplied)],
  ['filtered', (s) => String(s.reports.reportsFiltered)],
  ['est. overhead ms', (s) => s.estimatedOverheadMs.toFixed(2)],
  ['monitor cpu ms', (s) => s.monitorCpuMs.toFixed(0)],
];

function setupTable(r: EvalResult, cols: Column[]): string {
  return table(
    ['setup', ...cols.map((c) => c[0])],
    r.setups.map((s) => [s.name, ...cols.map((c) => c[1](s))]),
  );
}

export function formatEval(r: EvalResult): string {
  return (
    [
      `# workload ${r.workload}: ${(r.durationUs / 1e6).toFixed(1)} s virtual, sample ${r.sampleUs} us, aggr ${r.aggrUs} us, ` +
        `hot = accessed in >= ${r.hotPercent}% of a window's samples, ${r.isolation} machines`,
      '# accuracy (per aggregation window, against the ground truth; first window excluded)',
      setupTable(r, ACCURACY),
      '# costs (what each monitor did on the machine; overhead priced by the machine cost model)' +
        (r.isolation === 'shared'
          ? "\n# (shared machine: stale faults include the faults of the other setups' protections)"
          : ''),
      setupTable(r, COSTS),
      "# re-armed: faults the setup's filters reject (another CPU or thread, a read in a write-only view), after which the protection was re-armed (included in faults)",
    ].join('\n') + '\n'
  );
}

/** JSON of the result (numbers as they are; filters in the core's shape). */
export function evalToJson(r: EvalResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}
