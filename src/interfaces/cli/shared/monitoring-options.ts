/**
 * damo's DAMON control options (damo:src/_damon_args.py) as commander declarations, shared by
 * record, start, tune, schemes, serve, exporter and `args damon`. What they mean (their expansion into
 * a kdamonds configuration) is config/damo-options.ts.
 */
import { type Command, Option } from 'commander';
import { UsageError } from '../../../config/errors.js';
import { OPS, DAMOS_ACTIONS, DAMOS_FILTER_TYPES, QUOTA_GOAL_METRICS } from '../../../config/schema.js';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** damo's y/n switches: `--opt y`, `--opt n`, or the bare flag meaning y. */
function yesNo(option: string): (v: string | undefined) => boolean {
  return (v) => {
    if (v === undefined || /^(y|yes|true|1)$/i.test(v)) return true;
    if (/^(n|no|false|0)$/i.test(v)) return false;
    throw new UsageError(`${option}: expected y or n, got "${v}"`);
  };
}

/** Adds damo's DAMON control options to a command (record, start, tune, args damon). */
export function addMonitoringOptions(cmd: Command): Command {
  const many = (flags: string, desc: string) => cmd.addOption(new Option(flags, desc).argParser(collect));
  many(
    '--ops <ops>',
    `operations set (${OPS.join(', ')}, paddr_fault); default paddr, or vaddr with --target_pid`,
  );
  many('--target_pid <pid>', 'pid of a target process (repeat for more targets)');
  many('-r, --regions <ranges>', 'monitoring regions of a target, "start-end ..." (repeat per target)');
  cmd.option(
    '--numa_node <nid>',
    'paddr: monitor the System RAM of this NUMA node (its pieces as the regions; not with -r)',
  );
  many('-s, --sample <time>', 'sampling interval (µs or "5 ms"; default 5 ms)');
  many('-a, --aggr <time>', 'aggregation interval (default 100 ms)');
  many('-u, --updr <time>', 'operations update interval (default 1 s)');
  many('-n, --minr <nr>', 'minimum number of regions (default 10)');
  many('-m, --maxr <nr>', 'maximum number of regions (default 1000)');
  many('--monitoring_intervals <sample_aggr_update...>', 'sample, aggregation and update intervals');
  many('--monitoring_nr_regions_range <min_max...>', 'minimum and maximum number of regions');
  many(
    '--monitoring_intervals_goal <bp_aggrs_min_max...>',
    'intervals auto-tuning goal: <access_bp> <aggrs> <min_sample_us> <max_sample_us>',
  );
  cmd.option('--monitoring_intervals_autotune', 'auto-tune intervals with the goal "4% 3 5ms 10s"');
  many(
    '--sample_primitives <primitive>',
    'sample primitive of a context: page_table (Accessed bits) or page_fault',
  );
  cmd.option(
    '--exp_ops_use_reports [y|n]',
    'feed the context from access reports (same as --sample_primitives page_fault)',
    yesNo('--exp_ops_use_reports'),
  );
  cmd.option(
    '--exp_ops_write_only [y|n]',
    'monitor writes only (the sample filter "allow write"; with --exp_ops_cpus/--exp_ops_tids: writes by those)',
    yesNo('--exp_ops_write_only'),
  );
  many(
    '--exp_ops_cpus <cpus>',
    'monitor accesses of these CPUs only, e.g. 0-1,3 ("allow cpumask CPUS"; narrows --exp_ops_write_only)',
  );
  many(
    '--exp_ops_tids <tids>',
    'monitor accesses of these threads only ("allow threads TIDS"; narrows the options above)',
  );
  many(
    '--sample_filter <words...>',
    'sample filter: <allow|reject> [none] <cpumask CPUS | threads TIDS | write>; "none" inverts matching; first match decides',
  );
  many(
    '--damos_action <action_node...>',
    `DAMOS action (${DAMOS_ACTIONS.join(', ')}), with a target node for migrate_*`,
  );
  many('--damos_sz_region <min_max...>', 'access pattern: region size range (bytes or "4 KiB")');
  many('--damos_access_rate <min_max...>', 'access pattern: access rate range (percent)');
  many('--damos_age <min_max...>', 'access pattern: age range (time)');
  many('--damos_apply_interval <time>', 'scheme apply interval (0: the aggregation interval)');
  many(
    '--damos_quotas <quotas...>',
    'quotas: <time (ms)> <size (bytes)> <reset interval (ms)> [<size weight> <access rate weight> <age weight> (permil)]',
  );
  many(
    '--damos_quota_goal <goal...>',
    `quota goal: <metric> <target value> [<nid or memcg path>] (metrics: ${QUOTA_GOAL_METRICS.join(', ')})`,
  );
  many(
    '--damos_wmarks <wmarks...>',
    'watermarks: <metric (none|free_mem_rate)> <interval (time)> <high> <mid> <low> (permil)',
  );
  many(
    '--damos_filter <words...>',
    `DAMOS filter: <allow|reject> [none] <type> [args] (types: ${DAMOS_FILTER_TYPES.join(', ')}; memcg PATH, addr START END, target IDX, hugepage_size MIN MAX)`,
  );
  many(
    '--damos_nr_filters <nr>',
    'number of --damos_filter entries of each scheme, in order (default: every scheme gets all)',
  );
  many('--damos_max_nr_snapshots <nr>', 'stop the scheme after this many snapshots (0: no limit)');
  cmd.option('--schemes <json>', "schemes as JSON or YAML (a file or inline), damo's format");
  cmd.option('--kdamonds <json>', 'the whole kdamonds configuration as JSON or YAML (a file or inline)');
  many('--damon_addr_unit <unit>', 'address unit of a context (paddr)');
  many('--nr_targets <nr>', 'number of targets of each context, in order');
  many('--nr_ctxs <nr>', 'number of contexts of each kdamond (the kernel allows only 1)');
  many('--nr_schemes <nr>', 'number of schemes of each context, in order (default: every context gets all)');
  cmd.option('--refresh_stat <ms>', 'let the kernel refresh stats files every this many ms (refresh_ms)');
  cmd.option('--pause_ctx', 'start the contexts paused');
  return cmd;
}
