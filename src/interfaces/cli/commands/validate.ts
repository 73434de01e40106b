/** `damon-ts validate`: damo's sanity checks of a record file; exit 1 when it is not valid. */
import type { Command } from 'commander';
import { validateRecordFile, VALIDATE_DEFAULTS } from '../../../reports/validate.js';
import { countArgs, inputFile, intArg, numArg } from './report.js';

function pair(v: string[] | undefined, option: string, dflt: [number, number]): [number, number] {
  if (!v) return dflt;
  const [a, b] = countArgs(v, option, 2, 2).map((x) => numArg(x, option));
  return [a!, b!];
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('sanity-check a record file')
    .option('-i, --input <file>', 'record file', 'damon.data')
    .option('--aggr <us...>', 'allowed snapshot duration range in µs (default 75000 125000)')
    .option('--nr_regions <n...>', 'allowed number of regions (default 3 1200)')
    .option('--nr_accesses <n...>', 'allowed nr_accesses (default 0 24)')
    .option('--allow_error <n>', 'number of problems tolerated', '2')
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts validate -i damon.data\n  damon-ts validate --aggr 90000 110000 --allow_error 0',
    )
    .action(
      async (o: {
        input: string;
        aggr?: string[];
        nr_regions?: string[];
        nr_accesses?: string[];
        allow_error: string;
      }) => {
        const r = await validateRecordFile(inputFile(o.input), {
          aggrUs: pair(o.aggr, '--aggr', VALIDATE_DEFAULTS.aggrUs),
          nrRegions: pair(o.nr_regions, '--nr_regions', VALIDATE_DEFAULTS.nrRegions),
          nrAccesses: pair(o.nr_accesses, '--nr_accesses', VALIDATE_DEFAULTS.nrAccesses),
          allowError: intArg(o.allow_error, '--allow_error'),
        });
        for (const p of r.problems) process.stdout.write(`${p}\n`);
        if (!r.valid)
          throw new Error(
            `${o.input} is not valid: ${r.problems.length} problems (allowed ${o.allow_error})`,
          );
        process.stdout.write(
          `${o.input}: valid${r.problems.length ? ` (${r.problems.length} tolerated problems)` : ''}\n`,
        );
      },
    );
}
