/** `damon-ts validate`: damo's sanity checks of a record file; exit 1 when it is not valid. */
import type { Command } from 'commander';
import { validateRecordFile, VALIDATE_DEFAULTS } from '../../../reports/validate.js';
import { UsageError } from '../../../config/errors.js';
import { countArgs, inputFile, numArg } from '../shared/args.js';
import { inputOption } from '../shared/options.js';

function pair(v: string[] | undefined, option: string, dflt: [number, number]): [number, number] {
  if (!v) return dflt;
  const [a, b] = countArgs(v, option, 2, 2).map((x) => numArg(x, option));
  if (a! > b!) throw new UsageError(`${option}: the minimum ${a} is above the maximum ${b}`);
  return [a!, b!];
}

function boundaries(v: string[] | undefined): [number, number][] | undefined {
  return v?.map((b) => {
    const m = /^(\d+)-(\d+)$/.exec(b.trim());
    if (!m || Number(m[1]) > Number(m[2]))
      throw new UsageError(`--regions_boundary: expected <start>-<end> with start <= end, got '${b}'`);
    return [Number(m[1]), Number(m[2])];
  });
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('sanity-check a record file')
    .addOption(inputOption())
    .option('--aggr <us...>', 'allowed snapshot duration range in µs (default 75000 125000)')
    .option('--nr_regions <n...>', 'allowed number of regions (default 3 1200)')
    .option('--nr_accesses <n...>', 'allowed nr_accesses (default 0 24)')
    .option(
      '--allow_error <percent>',
      "percent of a record's snapshots allowed a duration or a region count out of range",
      '2',
    )
    .option('--regions_boundary <start-end...>', 'address ranges every region must lie in one of')
    .addHelpText(
      'after',
      '\nExit status 0 when the file is valid, 1 when not (the reason is printed).\n' +
        '\nExamples:\n  damon-ts validate -i damon.data\n  damon-ts validate --aggr 90000 110000 --allow_error 0\n' +
        '  damon-ts validate --regions_boundary 4096-1048576',
    )
    .action(
      async (o: {
        input: string;
        aggr?: string[];
        nr_regions?: string[];
        nr_accesses?: string[];
        allow_error: string;
        regions_boundary?: string[];
      }) => {
        const allow = numArg(o.allow_error, '--allow_error');
        if (allow < 0) throw new UsageError(`--allow_error: a percent >= 0, got ${o.allow_error}`);
        const r = await validateRecordFile(inputFile(o.input), {
          aggrUs: pair(o.aggr, '--aggr', VALIDATE_DEFAULTS.aggrUs),
          nrRegions: pair(o.nr_regions, '--nr_regions', VALIDATE_DEFAULTS.nrRegions),
          nrAccesses: pair(o.nr_accesses, '--nr_accesses', VALIDATE_DEFAULTS.nrAccesses),
          allowErrorPercent: allow,
          regionsBoundary: boundaries(o.regions_boundary),
        });
        for (const p of r.tolerated) process.stdout.write(`tolerated: ${p}\n`);
        if (!r.valid) throw new Error(`invalid: ${r.fatal!}`);
        process.stdout.write(
          `${o.input}: valid${r.tolerated.length ? ' (tolerated problems listed above)' : ''}\n`,
        );
      },
    );
}
