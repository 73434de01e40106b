/**
 * The record information command (`report record_info`, and `record_info`, its deprecated top-level
 * name): time span and contiguous address ranges of each record of the files.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readRecordHeaders } from '../../../records/reader.js';
import { computeGuides, formatGuide, guideKey } from '../../../reports/guide.js';
import { fdSink } from '../../../reports/output.js';

export function addRecordInfo(cmd: Command): Command {
  return cmd
    .description('time span and contiguous address ranges of each record')
    .option('-i, --input <files...>', 'record files', ['damon.data'])
    .option('--raw_numbers', 'print numbers without units')
    .addHelpText('after', '\nExamples:\n  damon-ts report record_info -i damon.data')
    .action(async (o: { input: string[]; raw_numbers?: boolean }) => {
      const sink = fdSink();
      for (const path of o.input) {
        if (!existsSync(path)) throw new Error(`input file ${path} does not exist`);
        // A live record says which source made it and what that source cannot see (damo's records
        // print as damo prints them).
        const sources = new Map(
          (await readRecordHeaders(path))
            .filter((r) => r.header.data_source.startsWith('damon-ts live'))
            .map((r) => [guideKey(r.header), r.header.data_source]),
        );
        for (const g of await computeGuides(path, false)) {
          sink.write(formatGuide(g, o.raw_numbers === true));
          const source = sources.get(g.key);
          if (source !== undefined) sink.write(`source: ${source.slice('damon-ts live '.length)}\n`);
        }
      }
      sink.flush();
    });
}
