/**
 * `damon-ts convert_record_format`: rewrite a record as json_compressed, json or perf_script.
 * damo's option names (--record_file, --format, --output_file) work beside ours (-i, --output_type,
 * -o); as in damo, without an output file the record is converted in place. The record is read and
 * written snapshot by snapshot (records/convert.ts): its size is not bounded by memory.
 */
import type { Command } from 'commander';
import { convertRecordFile } from '../../../records/convert.js';
import { UsageError } from '../../../config/errors.js';
import { outputOptions } from '../shared/args.js';
import { inputFile } from '../shared/args.js';
import { inputOption } from '../shared/options.js';

interface ConvertOptions {
  input?: string;
  record_file?: string;
  output?: string;
  output_file?: string;
  output_type?: string;
  format?: string;
  output_permission: string;
}

/** The value of an option given under either of its names (both: they must agree). */
function either(a: string | undefined, b: string | undefined, names: string): string | undefined {
  if (a !== undefined && b !== undefined && a !== b)
    throw new UsageError(`${names}: two names of one option, given "${a}" and "${b}"`);
  return a ?? b;
}

export function register(program: Command): void {
  program
    .command('convert_record_format')
    .description("convert a record file between damo's formats")
    .addOption(inputOption('record file (default damon.data)', null))
    .option('--record_file <file>', "the record file (damo's name of -i)")
    .option('-o, --output <file>', 'output file (default: convert the record file in place)')
    .option('--output_file <file>', "the output file (damo's name of -o)")
    .option('--output_type <type>', 'json_compressed (default), json or perf_script')
    .option('--format <type>', "the new format (damo's name of --output_type)")
    .option('--output_permission <mode>', 'file mode of the output', '600')
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts convert_record_format -i damon.data -o damon.json --output_type json\n  damon-ts convert_record_format -i perf.data.script -o damon.data\n  damon-ts convert_record_format --record_file damon.data --format json --output_file damon.json',
    )
    .action(async (o: ConvertOptions) => {
      const input = either(o.input, o.record_file, '-i/--record_file') ?? 'damon.data';
      const output = either(o.output, o.output_file, '-o/--output_file') ?? input;
      const type = either(o.output_type, o.format, '--output_type/--format') ?? 'json_compressed';
      const { format, mode } = outputOptions({ output_type: type, output_permission: o.output_permission });
      await convertRecordFile(inputFile(input), output, format, mode);
    });
}
