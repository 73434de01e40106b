/**
 * `damon-ts report dirty`: live-migration candidates from a write-only record. Per target the dirty
 * rate, the written working set and a pre-copy forecast (src/reports/dirty.ts), least dirty first.
 */
import type { Command } from 'commander';
import { readRecords } from '../../../records/reader.js';
import { dirtyToJson, formatDirty } from '../../../reports/dirty-format.js';
import { dirtyPlotSvg } from '../../../reports/dirty-plot.js';
import { DIRTY_DEFAULTS, rankDirty, writeSeriesOf, type DirtyOptions } from '../../../reports/dirty.js';
import { fdSink } from '../../../reports/output.js';
import { textToBytes, textToUs } from '../../../config/units.js';
import { UsageError } from '../../../config/errors.js';
import { inputFile } from '../shared/args.js';
import { imageOutput, writeOutputImage } from '../shared/image-output.js';
import { inputOption, jsonOption } from '../shared/options.js';

const DECIMAL: Readonly<Record<string, number>> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const BINARY: Readonly<Record<string, number>> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/**
 * A link speed in bytes per second. Link speeds are quoted in bits: "10G", "10Gbit", "10 Gbit/s" and
 * "25000M" are bits per second (decimal units); with a B it is bytes: "1.25GB/s", "1GiB".
 */
export function parseBandwidth(text: string, option = '--bandwidth'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B|bit|b)?(?:\/s|ps)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`${option}: '${text}' is not a link speed (e.g. 10G, 25Gbit, 1.25GB/s)`);
  const n = Number(m[1]);
  const prefix = m[2]!.toUpperCase();
  const unit = m[3] ?? '';
  let bytes: number;
  if (unit === 'B' || unit === 'iB') {
    const scale = unit === 'iB' ? BINARY[prefix] : DECIMAL[prefix];
    if (scale === undefined) throw new UsageError(`${option}: '${text}': iB needs K, M, G or T before it`);
    bytes = n * scale;
  } else if (unit === '' || unit.toLowerCase() === 'bit' || unit === 'b') {
    bytes = (n * DECIMAL[prefix]!) / 8;
  } else {
    throw new UsageError(`${option}: '${text}' is not a link speed (e.g. 10G, 25Gbit, 1.25GB/s)`);
  }
  if (!(bytes > 0)) throw new UsageError(`${option}: '${text}' must be positive`);
  return bytes;
}

function usArg(v: string, option: string): number {
  try {
    return textToUs(v);
  } catch (e) {
    throw new UsageError(`${option}: ${(e as Error).message}`);
  }
}

interface DirtyCliOptions {
  input: string;
  window: string;
  bandwidth: string;
  downtime_limit: string;
  memory?: string;
  raw_number?: boolean;
  json?: boolean;
  output?: string;
}

export function registerReportDirty(report: Command): void {
  report
    .command('dirty')
    .description(
      'live-migration candidates: dirty rate, written working set and pre-copy forecast of each target of a write-only record',
    )
    .addOption(inputOption('record file (made with write-only monitoring)'))
    .option('--window <time>', 'dirty rate window: distinct bytes written per window, per second', '1s')
    .option(
      '--bandwidth <speed>',
      'migration link speed: bits/s (10G = 10 Gbit/s), or bytes/s with B (1GB/s)',
      '10G',
    )
    .option('--downtime_limit <time>', 'longest acceptable stop-and-copy pause', '300ms')
    .option('--memory <bytes>', "memory a migration sends (default: the target's monitored bytes)")
    .option('--raw_number', 'print numbers without units')
    .addOption(jsonOption('one JSON object per target, least dirty first'))
    .option(
      '--output <file>',
      'draw the dirty rate per window against the link speed (.png or .svg) instead of the text',
    )
    .addHelpText(
      'after',
      `
The record needs write samples: record with --sample_primitives page_fault --exp_ops_write_only y.
Examples:
  damon-ts record --workload vm-like --sample_primitives page_fault --exp_ops_write_only y -o vm.data
  damon-ts report dirty -i vm.data --bandwidth 10G
  damon-ts record --sample_primitives page_fault --exp_ops_write_only y -- ./prog
  damon-ts report dirty --window 2s --bandwidth 1GB/s --json
  damon-ts report dirty --bandwidth 1G --output dirty.png`,
    )
    .action(async (o: DirtyCliOptions) => {
      const image = imageOutput(o);
      const windowUs = usArg(o.window, '--window');
      if (!(windowUs > 0)) throw new UsageError(`--window: '${o.window}' must be positive`);
      const opts: DirtyOptions = {
        ...DIRTY_DEFAULTS,
        windowUs,
        bandwidth: parseBandwidth(o.bandwidth),
        downtimeLimitS: usArg(o.downtime_limit, '--downtime_limit') / 1e6,
      };
      let memory: number | undefined;
      if (o.memory !== undefined) {
        try {
          memory = textToBytes(o.memory);
        } catch (e) {
          throw new UsageError(`--memory: ${(e as Error).message}`);
        }
      }
      const path = inputFile(o.input);
      const records = (await readRecords(path)).filter((r) => r.scheme_idx === null);
      if (records.length === 0) throw new Error(`${path}: no monitoring record in the file`);
      const series = records.map((r) => writeSeriesOf(r, path));
      for (const s of series) {
        const first = s.snapshots[0];
        const last = s.snapshots[s.snapshots.length - 1];
        const spanUs = first && last ? last.endUs - first.startUs : 0;
        if (spanUs < 0.9 * windowUs)
          throw new Error(
            `${path}: target ${String(s.header.target_id)}: the record spans ${(spanUs / 1e6).toFixed(2)} s, less than one --window of ${windowUs / 1e6} s; give a smaller --window`,
          );
      }
      const reports = rankDirty(series, opts, memory);
      if (image) return writeOutputImage(image, dirtyPlotSvg(reports, opts));
      const sink = fdSink();
      sink.write(o.json ? dirtyToJson(reports) : formatDirty(reports, opts, o.raw_number === true));
      sink.flush();
    });
}
