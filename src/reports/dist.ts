/**
 * damo's generic distribution listing (used by `report footprints` and `report holistic`): a
 * `# <percentile> <metric>` header, the average, then one line per percentile with a bar, or every
 * value.
 */
import { fmtSz } from '../records/pyformat.js';
import { percentileIndex } from './percentile.js';

export interface DistOptions {
  percentiles: number[];
  all: boolean;
  raw: boolean;
  nrColsBar: number;
}

export function formatDist(metric: string, values: readonly number[], o: DistOptions): string {
  const lines = [`# <percentile> <${metric}>`];
  if (values.length === 0) return [...lines, '# no snapshot'].join('\n');
  let sum = 0n;
  for (const v of values) sum += BigInt(v);
  lines.push(`# avr:\t${fmtSz(Number(sum) / values.length, o.raw)}`);
  if (o.all) {
    values.forEach((v, i) => lines.push(`${i} ${fmtSz(v, o.raw)}`));
    return lines.join('\n');
  }
  const at = o.percentiles.map((p) => values[percentileIndex(p, values.length)]!);
  let perCol = 1;
  if (o.nrColsBar > 0) {
    const max = Math.max(0, ...at);
    if (max > 0) perCol = max / o.nrColsBar;
  }
  o.percentiles.forEach((p, k) => {
    const v = at[k]!;
    let line = `${String(p).padStart(3)} ${fmtSz(v, o.raw).padStart(15)}`;
    if (o.nrColsBar > 0) {
      const cols = Math.trunc(v / perCol);
      line += ` |${'*'.repeat(cols)}${' '.repeat(Math.max(0, o.nrColsBar - cols))}|`;
    }
    lines.push(line);
  });
  return lines.join('\n');
}
