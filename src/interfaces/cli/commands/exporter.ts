/** `damon-ts exporter`: only the Prometheus endpoint (/metrics) of a record or a live simulated run. */
import type { Command } from 'commander';
import { addSourceOptions, type SourceOptions } from '../shared/source-options.js';
import { addListenOptions, serveUntilSignal, type ListenOptions } from '../shared/listen.js';

export function register(program: Command): void {
  const cmd = program
    .command('exporter')
    .description(
      "Prometheus exporter: /metrics of a record file, a live simulated run or the kernel's kdamonds",
    );
  addListenOptions(cmd, '9638');
  addSourceOptions(cmd);
  cmd
    .addHelpText(
      'after',
      `
Metrics: damon_wss_bytes, damon_nr_regions, damon_sample_interval_seconds,
damon_aggregation_interval_seconds, damon_region_access_frequency_ratio and damon_region_age_seconds
(histograms of bytes), damon_snapshots_total, damon_reports_received_total,
damon_reports_dropped_total, damon_faults_induced_total, damos_*_total; labels kdamond, context,
target, scheme. With write samples (write-only monitoring): damon_dirty_rate_bytes_per_second and
damon_written_wss_bytes, also labelled setup, pid and comm (docs/use-cases.md has the ranking query).
See docs/dashboard.md.

Examples:
  damon-ts exporter --live --workload stairs               # curl http://127.0.0.1:9638/metrics
  damon-ts exporter --record damon.data --port 9100
  damon-ts exporter --kernel                               # this host's running kdamonds`,
    )
    .action((o: SourceOptions & ListenOptions) => serveUntilSignal(o, true, 'metrics'));
}
