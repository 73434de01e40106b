/**
 * `damon-ts args damon`: expands damo-style DAMON control options into the full kdamonds JSON, the
 * configuration that start/tune/record would use (damo's `args damon --format json`).
 */
import { type Command, Option } from 'commander';
import { kernelPaddrRegions } from '../../../backends/kernel/numa-layout.js';
import { type MonitoringOptions, deduceTarget, optionsToKdamonds } from '../../../config/damo-options.js';
import { addMonitoringOptions } from '../shared/monitoring-options.js';
import { kdamondsToJson, kdamondsToYaml } from '../../../config/serialize.js';
import { UsageError } from '../../../config/errors.js';

type ArgsDamonOptions = MonitoringOptions & {
  format: string;
  raw?: boolean;
  iomem?: string;
  sysfs_system?: string;
};

export function register(program: Command): void {
  const args = program
    .command('args')
    .description('expand partial command-line options into full specifications');
  const damon = args
    .command('damon')
    .description('print the kdamonds configuration the given DAMON control options mean')
    .argument('[target]', 'paddr, a pid, or a kdamonds JSON or YAML (file or inline)')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'yaml']).default('json'))
    .option('--raw', 'plain numbers in each key\'s unit instead of damo\'s "5 ms", "4,096", "0.1 %" forms')
    .option('--iomem <file>', 'read the default paddr range from this file instead of /proc/iomem')
    .option(
      '--sysfs_system <dir>',
      'read NUMA nodes and memory blocks (--numa_node) from this directory instead of /sys/devices/system',
    );
  addMonitoringOptions(damon);
  damon.addHelpText(
    'after',
    `
Examples:
  damon-ts args damon --format json                      # paddr, damo's defaults, System RAM span
  damon-ts args damon --format yaml > kdamonds.yaml      # the same as YAML; start/record read it back
  damon-ts args damon 1234 -s 10ms -a 200ms              # vaddr of pid 1234
  damon-ts args damon --numa_node 0                      # paddr, the System RAM pieces of node 0
  damon-ts args damon paddr --damos_action pageout --damos_age 5s max --damos_access_rate 0 0
  damon-ts args damon --exp_ops_write_only --sample_filter "allow cpumask 0-1"`,
  );
  damon.action((target: string | undefined, opts: ArgsDamonOptions) => {
    const deduced = deduceTarget(target);
    if (deduced?.kind === 'cmd')
      throw new UsageError(
        `target "${target}": args damon takes paddr, a pid or kdamonds JSON, not a command`,
      );
    const config = optionsToKdamonds(opts, deduced, {
      paddrRegions: kernelPaddrRegions({ iomem: opts.iomem, sysfsRoot: opts.sysfs_system }),
    });
    const form = { raw: opts.raw === true };
    process.stdout.write(
      opts.format === 'yaml' ? kdamondsToYaml(config, form) : kdamondsToJson(config, form) + '\n',
    );
  });
}
