/** `report nr_regions` (damo-report-math.md §5): percentiles of the number of regions per snapshot. */
import { streamRecords } from '../records/reader.js';
import { pyD, pyS } from '../records/pyformat.js';
import type { TextSink } from './output.js';
import { percentileIndex } from './percentile.js';

/** damo drops the first 20 snapshots of every record, hard-coded. */
const SKIP = 20;

export async function reportNrRegions(
  path: string,
  percentiles: number[],
  sortByTime: boolean,
  out: TextSink,
): Promise<void> {
  const lines = ['# <percentile> <# regions>'];
  let counts: number[] = [];
  let idx = 0;
  await streamRecords(path, {
    recordStart() {
      counts = [];
      idx = 0;
    },
    snapshot(s) {
      if (idx++ >= SKIP) counts.push(s.regions.length);
    },
    recordEnd(h, ri) {
      if (!sortByTime) counts.sort((a, b) => a - b);
      if (counts.length === 0)
        throw new Error(`${path}: record ${ri} has no snapshot after the first ${SKIP}`);
      lines.push(`# target_id\t${pyS(h.target_id)}`);
      lines.push(`# avr:\t${pyD(counts.reduce((a, b) => a + b, 0) / counts.length)}`);
      for (const p of percentiles) lines.push(`${p}\t${counts[percentileIndex(p, counts.length)]}`);
    },
  });
  out.write(lines.join('\n') + '\n');
}
