/** start and tune: the options they share and their expansion into a kernel configuration. */
import type { Command } from 'commander';
import { kernelPaddrRegions } from '../../../backends/kernel/numa-layout.js';
import type { KdamondsConfig } from '../../../config/schema.js';
import { type MonitoringOptions, deduceTarget, optionsToKdamonds } from '../../../config/damo-options.js';
import { addMonitoringOptions } from './monitoring-options.js';
import { UsageError } from '../../../config/errors.js';
import { type ControlOptions, addControlOptions } from './control-options.js';

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
