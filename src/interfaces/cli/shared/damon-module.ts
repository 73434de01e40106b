/**
 * The DAMON module commands (`reclaim`, `lru_sort`, and `module <name>`): damo's options and
 * actions on /sys/module/damon_<name>/parameters, the module detected first. Shared by the top-level
 * commands and `module`'s subcommands.
 */
import { type Command, Option } from 'commander';
import {
  DamonModule,
  LRU_SORT_PARAMS,
  MODULE_ROOT,
  RECLAIM_PARAMS,
} from '../../../backends/kernel/modules.js';
import { runModuleOnSim } from '../../../runners/sim-modules.js';
import { UsageError } from '../../../config/errors.js';

/** A value option of damo's: its parameter files, in order, and how many values it takes. */
interface ParamOption {
  flags: string;
  help: string;
  params: string[];
}

interface PolicySpec {
  name: 'reclaim' | 'lru_sort';
  params: { essential: string[]; optional: string[] };
  actions: string[];
  options: ParamOption[];
}

const COMMON: ParamOption[] = [
  {
    flags: '--wmarks <us_high_mid_low...>',
    help: 'watermarks check interval (us) and high, mid, low (per-thousand free memory)',
    params: ['wmarks_interval', 'wmarks_high', 'wmarks_mid', 'wmarks_low'],
  },
  {
    flags: '--monitor_intervals <us...>',
    help: 'sampling and aggregation intervals of DAMON (us)',
    params: ['sample_interval', 'aggr_interval'],
  },
  {
    flags: '--nr_regions <n...>',
    help: 'minimum and maximum number of DAMON regions',
    params: ['min_nr_regions', 'max_nr_regions'],
  },
  {
    flags: '--monitor_region <addr...>',
    help: 'start and end physical addresses of the monitored region',
    params: ['monitor_region_start', 'monitor_region_end'],
  },
];

export const RECLAIM: PolicySpec = {
  name: 'reclaim',
  params: RECLAIM_PARAMS,
  actions: ['status', 'enable', 'disable', 'commit'],
  options: [
    {
      flags: '--min_age <us>',
      help: 'time threshold for cold memory regions identification (us)',
      params: ['min_age'],
    },
    {
      flags: '--quota <ms_bytes_ms...>',
      help: 'time and size quotas and their reset interval: <ms> <bytes> <ms>',
      params: ['quota_ms', 'quota_sz', 'quota_reset_interval_ms'],
    },
    ...COMMON,
  ],
};

export const LRU_SORT: PolicySpec = {
  name: 'lru_sort',
  params: LRU_SORT_PARAMS,
  actions: ['status', 'enable', 'disable'],
  options: [
    {
      flags: '--hot_thres_access_freq <permil>',
      help: 'access frequency threshold of hot memory (per-thousand)',
      params: ['hot_thres_access_freq'],
    },
    { flags: '--cold_min_age <us>', help: 'time threshold of cold memory (us)', params: ['cold_min_age'] },
    {
      flags: '--quota <ms_ms...>',
      help: 'time quota and its reset interval: <ms> <ms>',
      params: ['quota_ms', 'quota_reset_interval_ms'],
    },
    ...COMMON,
  ],
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits (polling) until `cond` holds; an error naming `what` after `deadlineMs`. */
async function waitFor(cond: () => boolean, what: string, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${deadlineMs / 1000} s`);
    await sleep(100);
  }
}

function addRoot(cmd: Command): Command {
  return cmd.addOption(
    new Option('--module_root <dir>', 'where the kernel lists its modules').default(MODULE_ROOT).hideHelp(),
  );
}

const optKey = (flags: string): string => /--([a-z_]+)/.exec(flags)![1]!;

function intValues(v: string | string[], flags: string, n: number): string[] {
  const vs = Array.isArray(v) ? v : [v];
  const name = `--${optKey(flags)}`;
  if (vs.length !== n) throw new UsageError(`${name} takes ${n} value${n > 1 ? 's' : ''}, got ${vs.length}`);
  for (const x of vs) if (!/^[+-]?\d+$/.test(x)) throw new UsageError(`${name}: '${x}' is not an integer`);
  return vs;
}

/** `reclaim`/`lru_sort` (or `module reclaim`/`module lru_sort`): status, enable, disable, commit. */
export function addPolicyModule(cmd: Command, spec: PolicySpec): Command {
  const m = new DamonModule(spec.name);
  cmd.description(`control ${m.title}`).argument('[action]', spec.actions.join(', '), 'status');
  for (const o of spec.options) cmd.option(o.flags, o.help);
  if (spec.name === 'reclaim') cmd.option('--skip_anon', 'skip reclaiming anonymous pages');
  cmd.addOption(
    new Option(
      '--backend <backend>',
      "kernel, or sim: run the module's policy as schemes on the simulated machine (enable only)",
    )
      .choices(['kernel', 'sim'])
      .default('kernel'),
  );
  cmd.option('--workload <name|file.cfg>', 'sim: the workload to run (default stairs)');
  cmd.option('--duration <s>', 'sim: how long the policy runs (virtual seconds)', '10');
  cmd.option('--timeout <s>', 'how long to wait for the module to start or stop', '60');
  addRoot(cmd).addHelpText(
    'after',
    `\nExamples:\n  damon-ts ${spec.name}                  # the parameters and statistics of ${m.title}\n  damon-ts ${spec.name} enable ${spec.name === 'reclaim' ? '--min_age 30000000' : '--hot_thres_access_freq 500'}`,
  );
  cmd.action(async (action: string, o: Record<string, string | string[] | boolean | undefined>) => {
    if (!spec.actions.includes(action))
      throw new UsageError(`action: '${action}' is not one of ${spec.actions.join(', ')}`);
    const mod = new DamonModule(spec.name, o.module_root as string);
    const deadlineMs = Number(o.timeout) * 1000;
    if (!(deadlineMs > 0))
      throw new UsageError(`--timeout: '${String(o.timeout)}' is not a positive number of seconds`);
    // Values are checked before the module is looked at or anything is written.
    const writes: [string, string][] = [];
    for (const p of spec.options) {
      const v = o[optKey(p.flags)];
      if (v === undefined) continue;
      intValues(v as string | string[], p.flags, p.params.length).forEach((x, i) =>
        writes.push([p.params[i]!, x]),
      );
    }
    if (o.backend === 'sim') {
      if (action !== 'enable') throw new UsageError(`--backend sim: runs the policy (enable), not ${action}`);
      if (o.skip_anon) throw new UsageError('--skip_anon: the simulated machine has anonymous memory only');
      const durationS = Number(o.duration);
      if (!(durationS > 0))
        throw new UsageError(`--duration: '${String(o.duration)}' is not a positive number of seconds`);
      const r = runModuleOnSim(spec.name, Object.fromEntries(writes.map(([k, v]) => [k, Number(v)])), {
        workload: o.workload as string | undefined,
        durationUs: Math.round(durationS * 1e6),
      });
      process.stdout.write(r.status.map(([k, v]) => `${k}: ${v}\n`).join(''));
      process.stderr.write(
        `damon-ts: the workload's resident pages: ${r.rssBefore} before, ${r.rssAfter} after ${durationS} s\n`,
      );
      return;
    }
    if (spec.name === 'reclaim') writes.push(['skip_anon', o.skip_anon ? 'Y' : 'N']);
    mod.require(spec.params.essential);
    if (action === 'status') {
      const lines = [...spec.params.essential, ...spec.params.optional]
        .filter((p) => mod.has(p))
        .map((p) => `${p}: ${mod.read(p)}\n`);
      process.stdout.write(lines.join(''));
      return;
    }
    for (const [p, v] of writes) {
      if (!mod.has(p) && spec.params.optional.includes(p)) {
        process.stderr.write(`damon-ts: ${mod.title} has no ${p} in this kernel; it is left out\n`);
        continue;
      }
      mod.write(p, v);
    }
    if (action === 'commit') {
      if (!mod.running()) throw new Error(`${mod.title} is not running: nothing to commit to`);
      if (!mod.has('commit_inputs'))
        throw new Error(`${mod.title}: this kernel has no commit_inputs parameter`);
      mod.write('commit_inputs', 'Y');
      await waitFor(
        () => mod.read('commit_inputs') !== 'Y',
        `${mod.title} taking the new parameters`,
        deadlineMs,
      );
      return;
    }
    mod.write('enabled', 'N');
    await waitFor(() => !mod.running(), `${mod.title} stopping`, deadlineMs);
    if (action === 'enable') {
      mod.write('enabled', 'Y');
      await waitFor(() => mod.running(), `${mod.title} starting`, deadlineMs);
    }
  });
  return cmd;
}

/** `module <name> read [param]` / `module <name> write <param> <value> ...` for any DAMON module. */
export function addGeneralModule(cmd: Command, name: string): Command {
  const m = new DamonModule(name);
  cmd.description(`read or write the parameters of ${m.title}`);
  addRoot(
    cmd
      .argument('<action>', 'read or write')
      .argument('[args...]', 'read: [parameter]; write: <parameter> <value> ...'),
  ).action((action: string, args: string[], o: { module_root: string }) => {
    const mod = new DamonModule(name, o.module_root);
    if (action === 'read') {
      if (args.length > 1) throw new UsageError('read takes at most one parameter name');
      mod.require();
      if (args[0] !== undefined) process.stdout.write(`${mod.read(args[0])}\n`);
      else
        process.stdout.write(
          mod
            .params()
            .map((p) => `${p}: ${mod.read(p)}\n`)
            .join(''),
        );
      return;
    }
    if (action !== 'write') throw new UsageError(`action: '${action}' is not one of read, write`);
    if (args.length === 0 || args.length % 2 !== 0)
      throw new UsageError('write takes <parameter> <value> pairs');
    mod.require();
    // Every name is checked before the first write.
    const missing = args.filter((p, i) => i % 2 === 0 && !mod.has(p));
    if (missing.length) throw new Error(`${mod.title}: no parameter ${missing.join(', ')} in ${mod.dir}`);
    for (let i = 0; i < args.length; i += 2) mod.write(args[i]!, args[i + 1]!);
  });
  return cmd;
}
