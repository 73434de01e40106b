/**
 * damo's region box (`<box>`, styles simple-boxes, hot and cold): a row of digits whose length, colour
 * level and height stand for three of a region's size, access rate and age, each rescaled (linearly or
 * in log2) from the range of that value over every region of every record to the box's range.
 */
import { fmtPercent, fmtSz, fmtTimeUs } from '../records/pyformat.js';
import type { DamonRecord, RecordRegion } from '../records/types.js';
import { colored, colorSamples } from './access-color.js';
import type { AccessFormat, BoxValueName } from './access-options.js';

/** [min, max] of each value over all regions of all records. */
export type BoxRanges = Record<'size' | 'access_rate' | 'age', [number, number]>;

export function boxRanges(records: DamonRecord[]): BoxRanges {
  const r: BoxRanges = {
    size: [Infinity, -Infinity],
    access_rate: [Infinity, -Infinity],
    age: [Infinity, -Infinity],
  };
  const see = (k: keyof BoxRanges, v: number): void => {
    if (v < r[k][0]) r[k][0] = v;
    if (v > r[k][1]) r[k][1] = v;
  };
  for (const rec of records)
    for (const s of rec.snapshots)
      for (const g of s.regions) {
        see('size', g.end - g.start);
        see('access_rate', g.nr_accesses.percent ?? 0);
        see('age', g.age.usec ?? 0);
      }
  return r;
}

function valueOf(r: RecordRegion, name: BoxValueName): number | null {
  if (name === 'size') return r.end - r.start;
  if (name === 'access_rate') return r.nr_accesses.percent!;
  if (name === 'age') return r.age.usec!;
  return null;
}

/** Python's math.log(x, 2): log(x) / log(2), which is not always log2(x). */
const log2 = (x: number): number => Math.log(x) / Math.log(2);

function rescale(val: number, from: [number, number], to: [number, number], logscale: boolean): number {
  if (logscale) {
    val = val > 0 ? log2(val) : 0;
    from = from.map((v) => (v > 0 ? log2(v) : 0)) as [number, number];
  }
  const fromLen = from[1] - from[0];
  const ratio = fromLen > 0 ? (to[1] - to[0]) / fromLen : 1;
  return (val - from[0]) * ratio + to[0];
}

export function regionBoxText(r: RecordRegion, f: AccessFormat, ranges: BoxRanges): string {
  const [lName, cName, hName] = f.boxValues;
  const range = (n: BoxValueName): [number, number] => (n === 'none' ? [0, 0] : ranges[n]);
  const length = Math.trunc(
    rescale(valueOf(r, lName)!, range(lName), f.boxMinMaxLength, f.boxScales[0] === 'log'),
  );
  const hv = valueOf(r, hName);
  const height =
    hv === null ? 1 : Math.trunc(rescale(hv, range(hName), f.boxMinMaxHeight, f.boxScales[2] === 'log'));
  const cv = valueOf(r, cName);
  let row: string;
  if (cv === null) row = '-'.repeat(Math.max(0, length));
  else {
    const level = Math.trunc(rescale(cv, range(cName), [0, 9], f.boxScales[1] === 'log'));
    row = colored(String(level).repeat(Math.max(0, length)), f.color ? f.boxColorset : null, level);
  }
  row = `|${row}|`;
  if (f.boxAlign === 'right') row = ' '.repeat(Math.max(0, f.boxMinMaxLength[1] - length)) + row;
  let box = Array<string>(Math.max(0, height)).fill(row).join('\n');
  if (f.boxMinMaxHeight[1] > 1) box += '\n';
  return box;
}

function minMaxText(name: BoxValueName, [lo, hi]: [number, number], raw: boolean): string {
  if (name === 'size') return `[${fmtSz(lo, raw)}, ${fmtSz(hi, raw)}]`;
  if (name === 'age') return `[${fmtTimeUs(lo, raw)}, ${fmtTimeUs(hi, raw)}] `;
  return `[${fmtPercent(lo, raw)}, ${fmtPercent(hi, raw)}]`;
}

const scaleName = (log: boolean): string => (log ? 'logscale' : 'linearscale');

/** damo's three-line legend of the box (`<region box description>`). */
export function regionBoxDescription(f: AccessFormat, ranges: BoxRanges): string {
  const [l, c, h] = f.boxValues;
  const mm = (n: BoxValueName): string => (n === 'none' ? 'None' : minMaxText(n, ranges[n], f.rawNumber));
  return [
    `# length: ${l} (represents ${mm(l)} with [${f.boxMinMaxLength[0]}, ${f.boxMinMaxLength[1]}] columns in ${scaleName(f.boxScales[0] === 'log')})`,
    `# color: ${c} (represents ${mm(c)} with [0, 9] number and color (${colorSamples(f.color ? f.boxColorset : null)}) in ${scaleName(f.boxScales[1] === 'log')})`,
    `# height: ${h} (represents ${mm(h)} with [${f.boxMinMaxHeight[0]}, ${f.boxMinMaxHeight[1]}] rows in ${scaleName(f.boxScales[2] === 'log')})`,
  ].join('\n');
}
