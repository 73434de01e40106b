/** damo's record filter options, for the reports that take them (report times, report profile). */
import type { Command } from 'commander';
import { textToBytes, textToNr, textToNs, textToUs } from '../../../records/textnum.js';
import { NO_FILTER, type Range, type RecordFilter } from '../../../reports/record-filter.js';
import { UsageError } from '../../../config/errors.js';

export interface FilterCliOptions {
  sz_region?: string[];
  access_rate?: string[];
  age?: string[];
  address?: string[];
  sz_snapshot?: string[];
  snapshot_time?: string[];
  snapshot_idx?: string[];
  temperature?: string[];
}

export function addRecordFilterOptions(cmd: Command): Command {
  return cmd
    .option('--sz_region <min_max...>', 'min/max size of regions (bytes) to filter in')
    .option('--access_rate <min_max...>', 'min/max access rate of regions (percent) to filter in')
    .option(
      '--age <min_max...>',
      'min/max age of regions to filter in (plain numbers are microseconds, as in damo)',
    )
    .option('--address <start_end...>', 'address ranges to filter in (repeatable)')
    .option(
      '--sz_snapshot <min_max...>',
      'min/max total size of regions of snapshots to filter in (repeatable)',
    )
    .option(
      '--snapshot_time <start_end...>',
      'show snapshots generated in these time intervals (ns; repeatable)',
    )
    .option('--snapshot_idx <start_end...>', 'show snapshots of these index ranges (repeatable)')
    .option('--temperature <min_max...>', 'min/max temperature of regions to filter in (repeatable)');
}

function pairs(v: string[], option: string): [string, string][] {
  if (v.length === 0 || v.length % 2 !== 0)
    throw new UsageError(`${option} takes pairs of values (<min> <max> or <start> <end>), got ${v.length}`);
  const out: [string, string][] = [];
  for (let i = 0; i < v.length; i += 2) out.push([v[i]!, v[i + 1]!]);
  return out;
}

function one(v: string[] | undefined, option: string): [string, string] {
  if (v === undefined) return ['min', 'max'];
  if (v.length !== 2) throw new UsageError(`${option} takes 2 values, got ${v.length}`);
  return [v[0]!, v[1]!];
}

function conv<T>(option: string, text: string, f: (t: string) => T): T {
  try {
    const v = f(text);
    if (typeof v === 'number' && Number.isNaN(v)) throw new Error('not a number');
    return v;
  } catch {
    throw new UsageError(`${option}: '${text}' is not a valid value`);
  }
}

const MAX = Number(18446744073709551615n);
/** damo's min/max words, then the option's own conversion. */
const bounded = (f: (t: string) => number) => (t: string) => (t === 'min' ? 0 : t === 'max' ? MAX : f(t));

/** Sorted byte ranges, refusing reversed and overlapping ones (damo's checks). */
function byteRanges(v: string[], option: string): Range[] {
  const rs = pairs(v, option)
    .map(([s, e]): Range => [conv(option, s, textToBytes), conv(option, e, textToBytes)])
    .sort((a, b) => a[0] - b[0]);
  rs.forEach(([s, e], i) => {
    if (s > e) throw new UsageError(`${option}: start > end (${s} > ${e})`);
    if (i > 0 && rs[i - 1]![1] > s) throw new UsageError(`${option}: overlapping ranges`);
  });
  return rs;
}

export function recordFilterOf(o: FilterCliOptions): RecordFilter {
  const sz = one(o.sz_region, '--sz_region');
  const ar = one(o.access_rate, '--access_rate');
  const age = one(o.age, '--age');
  const percent = bounded((t) => Number(textToNr(t.endsWith('%') ? t.slice(0, -1) : t)));
  return {
    ...NO_FILTER,
    szRegion: [conv('--sz_region', sz[0], textToBytes), conv('--sz_region', sz[1], textToBytes)],
    accessRate: [conv('--access_rate', ar[0], percent), conv('--access_rate', ar[1], percent)],
    ageUs: [conv('--age', age[0], bounded(textToUs)), conv('--age', age[1], bounded(textToUs))],
    addressRanges: o.address ? byteRanges(o.address, '--address') : null,
    snapshotSzRanges: o.sz_snapshot ? byteRanges(o.sz_snapshot, '--sz_snapshot') : null,
    snapshotTimeRanges: o.snapshot_time
      ? pairs(o.snapshot_time, '--snapshot_time').map(([s, e]) => [
          conv('--snapshot_time', s, textToNs),
          conv('--snapshot_time', e, textToNs),
        ])
      : null,
    snapshotIndexRanges: o.snapshot_idx
      ? pairs(o.snapshot_idx, '--snapshot_idx').map(([s, e]) => [
          Number(conv('--snapshot_idx', s, textToNr)),
          Number(conv('--snapshot_idx', e, textToNr)),
        ])
      : null,
    temperatureRanges: o.temperature
      ? pairs(o.temperature, '--temperature').map(([s, e]) => [
          conv('--temperature', s, intText),
          conv('--temperature', e, intText),
        ])
      : null,
  };
}

function intText(t: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(t)) throw new Error('not an integer');
  return Number(t);
}
