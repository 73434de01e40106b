/**
 * `damon-ts start`: starts DAMON with the given parameters and exits, leaving it running (damo's
 * start). The kernel backend refuses to take over a kdamond it did not start unless --force.
 * Backends are looked up in START_BACKENDS; the simulated daemon adds its entry next to the kernel's.
 */
import type { Command } from 'commander';
import type { KdamondsConfig } from '../../../config/schema.js';
import { kernelOf } from '../shared/control-options.js';
import { simStart } from '../shared/sim-daemon.js';
import { StartOptions, registerConfigCommand } from '../shared/config-command.js';

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
