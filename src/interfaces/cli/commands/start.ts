/**
 * `damon-ts start`: starts DAMON with the given parameters and exits, leaving it running (damo's
 * start). The kernel backend refuses to take over a kdamond it did not start unless --force.
 * Backends are looked up in START_BACKENDS; the simulated daemon adds its entry next to the kernel's.
 */
import type { Command } from 'commander';
import { kernelPaddrRegions } from '../../../backends/kernel/numa-layout.js';
import type { KdamondsConfig } from '../../../config/schema.js';
import {
  type MonitoringOptions,
  addMonitoringOptions,
  deduceTarget,
  optionsToKdamonds,
} from '../../../config/damo-options.js';
import { UsageError } from '../../../config/errors.js';
import { type ControlOptions, addControlOptions, kernelOf } from './status.js';
import { simStart } from '../../daemon/cli-backend.js';

export type StartOptions = MonitoringOptions & ControlOptions;

/** Expands start/tune options into a configuration for the kernel (paddr default from iomem). */
export function controlConfig(target: string | undefined, o: StartOptions): KdamondsConfig {
  const deduced = deduceTarget(target);
  if (deduced?.kind === 'cmd')
    throw new UsageError(
      `target "${target}": give paddr, a pid or kdamonds JSON (start a command yourself and pass its pid)`,
    );
  // The simulated machine's paddr default (all of its RAM) is set by its paddr ops at start; its
  // NUMA layout is the daemon's, which this command does not know.
  const kernel = kernelPaddrRegions({ iomem: o.iomem });
  return optionsToKdamonds(o, deduced, {
    paddrRegions: (numaNode) => {
      if (o.backend !== 'sim') return kernel(numaNode);
      if (numaNode !== undefined)
        throw new UsageError(
          "--numa_node: not with --backend sim (the daemon's machine layout is not known here); give the node's range with -r",
        );
      return [];
    },
  });
}

const START_BACKENDS: Record<string, (config: KdamondsConfig, o: StartOptions) => void | Promise<void>> = {
  sim: simStart,
  kernel: (config, o) => {
    const rec = kernelOf(o).start(config, { force: o.force });
    for (const k of rec.kdamonds) process.stdout.write(`started kdamond ${k.index} (pid ${k.pid})\n`);
    if (rec.tookOver.length) {
      process.stdout.write(
        `took over ${rec.tookOver.map((k) => `kdamond ${k.index}`).join(', ')}: \`damon-ts stop\` restores and restarts it\n`,
      );
    }
  },
};

/** A command that takes DAMON control options and hands the configuration to a backend. */
export function registerConfigCommand(
  program: Command,
  name: string,
  description: string,
  examples: string,
  backends: Record<string, (config: KdamondsConfig, o: StartOptions) => void>,
): void {
  const cmd = program
    .command(name)
    .description(description)
    .argument('[target]', 'paddr, a pid, or a kdamonds JSON (file or inline)');
  addMonitoringOptions(cmd);
  addControlOptions(cmd, true);
  cmd.addHelpText('after', `\nExamples:\n${examples}`);
  cmd.action((target: string | undefined, o: StartOptions) => {
    const run = backends[o.backend];
    if (!run) throw new UsageError(`--backend: unknown backend "${o.backend}"`);
    return run(controlConfig(target, o), o);
  });
}

export function register(program: Command): void {
  registerConfigCommand(
    program,
    'start',
    'start DAMON with the given parameters (it keeps running after this command exits)',
    `\
  damon-ts start                                   # paddr, System RAM span, damo's default intervals
  damon-ts start paddr -s 10ms -a 200ms --monitoring_nr_regions_range 100 2000
  damon-ts start --numa_node 1                     # paddr, the System RAM of NUMA node 1
  damon-ts start --damos_action pageout --damos_access_rate 0 0 --damos_age 30s max --damos_quotas 10 128MiB 1000
  damon-ts start config.json                       # damo's kdamonds JSON
  damon-ts start --force                           # stop a kdamond damon-ts did not start (stop restores it)`,
    START_BACKENDS,
  );
}
