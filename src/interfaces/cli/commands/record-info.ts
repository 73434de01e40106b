/** `damon-ts record_info`: the deprecated top-level name of `report record_info`, kept as damo keeps it. */
import type { Command } from 'commander';
import { addRecordInfo } from '../shared/record-info.js';

export function register(program: Command): void {
  const cmd = addRecordInfo(program.command('record_info'));
  cmd.description('time span and address ranges of each record (deprecated: use "report record_info")');
  cmd.hook('preAction', () => {
    process.stderr.write(
      'damon-ts: "record_info" is deprecated and will go; use "damon-ts report record_info"\n',
    );
  });
}
