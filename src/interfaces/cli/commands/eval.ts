/**
 * `damon-ts eval`: runs one workload on the simulated machine under several monitoring setups side
 * by side (src/eval) and prints their accuracy against the ground truth and their costs.
 */
import type { Command } from 'commander';
import { formatDirtyEval, runDirtyEval } from '../../../eval/dirty-rate.js';
import { DEFAULT_HOT_PERCENT, DEFAULT_SETUPS, runEvalAsync } from '../../../eval/eval.js';
import { evalToJson, formatEval } from '../../../eval/format.js';
import { parseSetup } from '../../../eval/setups.js';
import { textToUs } from '../../../config/units.js';
import { progressBar } from '../shared/progress.js';
import { loadSimWorkload } from '../../../runners/sim-session.js';
import { UsageError } from '../../../config/errors.js';
import { parsePlacements, runPlacementCli } from '../shared/eval-placement.js';
import { jsonOption } from '../shared/options.js';

interface EvalCliOptions {
  workload?: string;
  trace?: string;
  setups?: string;
  duration?: string;
  sample: string;
  aggr: string;
  hot_percent: string;
  isolation: string;
  seed: string;
  tlb_entries?: string;
  accesses_per_second?: string;
  json?: boolean;
  placement?: string;
  dirty_rate?: boolean;
  window: string;
  minr?: string;
  maxr?: string;
}

function num(option: string, text: string, ok: (n: number) => boolean): number {
  const n = Number(text);
  if (!ok(n)) throw new UsageError(`${option}: bad value "${text}"`);
  return n;
}

function us(option: string, text: string): number {
  try {
    return textToUs(text);
  } catch (e) {
    throw new UsageError(`${option}: ${(e as Error).message}`);
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('accuracy and cost of monitoring setups on one simulated workload, against the ground truth')
    .option('--workload <name|file.cfg>', 'built-in workload or masim configuration (default hot-cold)')
    .option('--trace <file>', 'a trace replayed as the workload')
    .option(
      '--setups <list>',
      'comma-separated setups: [paddr:]page_table, page_fault, page_fault:rfc, write_only:none, write_only:write, cpus:LIST, tids:LIST',
    )
    .option('--duration <seconds>', "virtual seconds to run (default: the workload's duration)")
    .option('-s, --sample <time>', 'sampling interval', '5ms')
    .option('-a, --aggr <time>', 'aggregation interval', '100ms')
    .option('-n, --minr <nr>', 'minimum number of regions (default 10)')
    .option('-m, --maxr <nr>', 'maximum number of regions (default 1000)')
    .option(
      '--hot_percent <p>',
      "a page is hot when accessed in at least this % of a window's samples",
      String(DEFAULT_HOT_PERCENT),
    )
    .option(
      '--isolation <mode>',
      'replica (one machine per setup, same input) or shared (one machine)',
      'replica',
    )
    .option('--seed <n>', 'seed of the machine and the monitors', '1')
    .option('--tlb_entries <n>', 'per-CPU TLB entries of the machine (0: no TLB model)')
    .option('--accesses_per_second <n>', 'memory accesses per second of each thread')
    .addOption(jsonOption())
    .option(
      '--placement <list>',
      'instead of setups, NUMA placements on a 2-node machine: none, damos, numa-balancing (default workload numa)',
    )
    .option(
      '--dirty_rate',
      "dirty rate instead: write-only damon-ts (report dirty) vs QEMU's page sampling, against the exact dirtied pages",
    )
    .option('--window <time>', 'dirty rate window (with --dirty_rate)', '1s');
  cmd.addHelpText(
    'after',
    `
Default setups: ${DEFAULT_SETUPS.map((s) => s.name).join('; ')}.
Examples:
  damon-ts eval --workload hot-cold --duration 5
  damon-ts eval --workload per-cpu --setups page_fault,cpus:0,cpus:1 --json
  damon-ts eval --workload write-mostly --setups write_only:none,write_only:write --isolation shared
  damon-ts eval --placement none,damos,numa-balancing --duration 5
  damon-ts eval --dirty_rate --workload vm-like --sample 100ms --aggr 1s`,
  );
  cmd.action(async (o: EvalCliOptions) => {
    if (o.isolation !== 'replica' && o.isolation !== 'shared')
      throw new UsageError(`--isolation: expected replica or shared, got "${o.isolation}"`);
    if (o.workload !== undefined && o.trace !== undefined)
      throw new UsageError('--workload and --trace: give one of them');
    let setups;
    try {
      setups = o.setups
        ?.split(',')
        .filter(Boolean)
        .map((s) => parseSetup(s.trim()));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const positive = (n: number) => n > 0 && Number.isFinite(n);
    const machine: { tlbEntries?: number; accessesPerSecond?: number } = {};
    if (o.tlb_entries !== undefined)
      machine.tlbEntries = num('--tlb_entries', o.tlb_entries, (n) => Number.isInteger(n) && n >= 0);
    if (o.accesses_per_second !== undefined)
      machine.accessesPerSecond = num('--accesses_per_second', o.accesses_per_second, positive);
    if (o.placement !== undefined) {
      if (o.setups !== undefined) throw new UsageError('--placement and --setups: give one of them');
      if (o.dirty_rate) throw new UsageError('--placement and --dirty_rate: give one of them');
      const placements = parsePlacements(o.placement);
      const spec = { workload: o.workload ?? (o.trace === undefined ? 'numa' : undefined), trace: o.trace };
      process.stdout.write(
        await runPlacementCli({
          placements,
          workload: () => loadSimWorkload(spec),
          durationUs:
            o.duration === undefined ? undefined : Math.round(num('--duration', o.duration, positive) * 1e6),
          sampleUs: us('-s/--sample', o.sample),
          aggrUs: us('-a/--aggr', o.aggr),
          seed: num('--seed', o.seed, (n) => Number.isInteger(n) && n >= 0),
          json: o.json === true,
        }),
      );
      return;
    }
    const spec = { workload: o.workload ?? (o.trace === undefined ? 'hot-cold' : undefined), trace: o.trace };
    const count = (n: number) => Number.isInteger(n) && n >= 1;
    const regions = {
      ...(o.minr === undefined ? {} : { minNrRegions: num('-n/--minr', o.minr, count) }),
      ...(o.maxr === undefined ? {} : { maxNrRegions: num('-m/--maxr', o.maxr, count) }),
    };
    if (o.dirty_rate) {
      if (o.setups !== undefined) throw new UsageError('--dirty_rate: --setups does not apply');
      const r = runDirtyEval({
        workload: () => loadSimWorkload(spec),
        seed: num('--seed', o.seed, (n) => Number.isInteger(n) && n >= 0),
        machine,
        sampleUs: us('-s/--sample', o.sample),
        aggrUs: us('-a/--aggr', o.aggr),
        windowUs: us('--window', o.window),
        ...regions,
        ...(o.duration === undefined
          ? {}
          : { durationUs: Math.round(num('--duration', o.duration, positive) * 1e6) }),
      });
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatDirtyEval([r]));
      return;
    }
    const bar = progressBar('eval');
    try {
      const r = await runEvalAsync({
        workload: () => loadSimWorkload(spec),
        setups,
        attrs: {
          sampleInterval: us('-s/--sample', o.sample),
          aggrInterval: us('-a/--aggr', o.aggr),
          ...regions,
        },
        machine: { ...machine, seed: num('--seed', o.seed, (n) => Number.isInteger(n) && n >= 0) },
        seed: Number(o.seed),
        durationUs:
          o.duration === undefined ? undefined : Math.round(num('--duration', o.duration, positive) * 1e6),
        hotPercent: num('--hot_percent', o.hot_percent, (n) => n > 0 && n <= 100),
        isolation: o.isolation,
        onStep: (now, end) => bar.update(now, end),
      });
      bar.stop();
      process.stdout.write(o.json ? evalToJson(r) : formatEval(r));
    } finally {
      bar.stop();
    }
  });
}
