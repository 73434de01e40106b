/**
 * `report access` other than --raw_form and --json: damo's templates (access-format.ts) chosen by style
 * and options (access-styles.ts). `by` (damon-ts's own) adds, after each snapshot's regions, the
 * regions of each CPU, thread or read/write kind of a report-fed record.
 */
import type { DamonRecord, RecordRegion, Snapshot } from '../records/types.js';
import { fmtSz } from '../records/pyformat.js';
import { boxRanges, type BoxRanges } from './access-box.js';
import { expand, formatRecords, KEYWORDS } from './access-format.js';
import { defaultAccessFormat, type AccessFormat } from './access-options.js';
import { setFormats, type StyleArgs } from './access-styles.js';
import { breakdownSamples, compareLabels, type BreakdownBy } from './breakdown.js';

export { ACCESS_STYLES, type AccessStyle } from './access-styles.js';
export { temperature } from './temperature.js';

export interface AccessOptions extends StyleArgs {
  /** Rendering options and the user's own templates (null: chosen by style and defaults). */
  format: AccessFormat;
  by?: BreakdownBy;
}

export const ACCESS_DEFAULTS: AccessOptions = {
  style: 'detailed',
  formats: [],
  totalSzOnly: false,
  regionBox: false,
  format: defaultAccessFormat(),
};

export class MissingIntervalsError extends Error {
  constructor() {
    super('some records lack the intervals information');
  }
}

/** Per label, the snapshot's regions with that label's samples, and its share of the bytes. */
function breakdownLines(
  rec: DamonRecord,
  s: Snapshot,
  f: AccessFormat,
  box: BoxRanges,
  by: BreakdownBy,
): string[] {
  const iv = rec.intervals!;
  const maxSamples = iv.aggr_us / iv.sample_us;
  const groups = new Map<string, { regions: [number, RecordRegion][]; bytes: number }>();
  s.regions.forEach((r, i) => {
    const parts = breakdownSamples(r, by).filter(([, n]) => n > 0);
    const total = parts.reduce((a, [, n]) => a + n, 0);
    for (const [label, n] of parts) {
      let g = groups.get(label);
      if (!g) groups.set(label, (g = { regions: [], bytes: 0 }));
      const percent = Math.trunc((n * 100.0) / maxSamples);
      g.regions.push([i, { ...r, nr_accesses: { samples: n, percent } }]);
      // a region several threads or CPUs hit is theirs in proportion to their samples
      g.bytes += ((r.end - r.start) * n) / total;
    }
  });
  if (groups.size === 0)
    return [
      s.regions.some((r) => r.damon_ts)
        ? `# by ${by}: no access in this snapshot`
        : `# by ${by}: no breakdown in this record (not a report-fed context)`,
    ];
  const out: string[] = [];
  for (const label of [...groups.keys()].sort(compareLabels)) {
    const g = groups.get(label)!;
    out.push(`# by ${label}: working set ${fmtSz(Math.round(g.bytes), f.rawNumber)}`);
    for (const [index, region] of g.regions) {
      const line = expand(f.region!, KEYWORDS.region, {
        fmt: f,
        records: [rec],
        box,
        rec,
        snap: s,
        region,
        index,
      });
      if (line !== null) out.push(line);
    }
  }
  return out;
}

/** The text of `report access` for in-memory records whose access units were filled (access-filter.ts). */
export function formatAccess(records: DamonRecord[], o: AccessOptions): string {
  if (records.some((r) => r.intervals === null)) throw new MissingIntervalsError();
  const f: AccessFormat = { ...o.format };
  setFormats(f, records, o);
  const box = boxRanges(records);
  const by = o.by;
  return formatRecords(records, f, box, by ? (rec, s) => breakdownLines(rec, s, f, box, by) : undefined);
}
