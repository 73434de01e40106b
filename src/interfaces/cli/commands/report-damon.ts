/**
 * `damon-ts report damon` and `damon-ts report sysinfo` (damo's names). `report damon` is `status`
 * with damo's options to show a part of it and the CPU use of the kdamond threads; `report sysinfo`
 * is the versions, the kernel's DAMON features and the backend damon-ts will use.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { type Command, Option } from 'commander';
import {
  DamonAbsentError,
  type KernelFeatures,
  detectFeatures,
  requireDamonSysfs,
} from '../../../backends/kernel/features.js';
import type { KdamondStatus } from '../../../backends/kernel/status.js';
import { DamonSysfs, SysfsError } from '../../../backends/kernel/sysfs.js';
import { simStatus, simStatusCommand } from '../shared/sim-daemon.js';
import { UsageError } from '../../../config/errors.js';
import { featuresJson, formatFeatures } from '../shared/features-view.js';
import { numArg } from '../shared/args.js';
import {
  type KdamondsRead,
  type StatusPart,
  printJson,
  readKernelStatus,
  statusJson,
  statusText,
} from '../shared/kdamonds-status.js';
import { type ControlOptions, addControlOptions, addTriedRegionsOptions } from '../shared/control-options.js';
import { damonAdminOption, jsonOption } from '../shared/options.js';

/**
 * USER_HZ, the unit of utime and stime in /proc/PID/stat. It is part of the kernel ABI and 100 on
 * every architecture Node 20 runs on (x64, arm64, ppc64le, s390x), whatever CONFIG_HZ is.
 */
const USER_HZ = 100;

/** utime + stime of a thread, in USER_HZ ticks; null when it is gone. */
function cpuTicks(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses: fields are counted from its closing one.
  // After it come state (field 3) ... utime (14) and stime (15).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

export interface KdamondCpuUsage {
  kdamond: number;
  pid: number;
  /** Percent of one CPU over the interval; null when the thread ended meanwhile. */
  percent: number | null;
}

/** CPU use of each running kdamond's thread, sampled over `intervalMs` of wall-clock time. */
export async function kdamondsCpuUsage(
  list: KdamondStatus[],
  intervalMs: number,
): Promise<KdamondCpuUsage[]> {
  const running = list.filter((k) => k.state === 'on' && k.pid !== null);
  const t0 = process.hrtime.bigint();
  const before = running.map((k) => cpuTicks(k.pid!));
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
  const after = running.map((k) => cpuTicks(k.pid!));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return running.map((k, i) => {
    const a = before[i]!;
    const b = after[i]!;
    return {
      kdamond: k.index,
      pid: k.pid!,
      percent: a === null || b === null ? null : ((b - a) / USER_HZ / seconds) * 100,
    };
  });
}

function formatCpuUsage(usage: KdamondCpuUsage[], intervalS: number): string {
  const lines = [`cpu usage of kdamond threads over ${intervalS} s (percent of one CPU):`];
  if (usage.length === 0) lines.push('  no kdamond running');
  for (const u of usage)
    lines.push(
      `  kdamond ${u.kdamond} (pid ${u.pid}): ${u.percent === null ? 'thread ended' : `${u.percent.toFixed(2)}%`}`,
    );
  return lines.join('\n') + '\n';
}

/** The simulated daemon's kdamonds (every one is the daemon's own), or null when no daemon runs. */
async function readSimStatus(o: ControlOptions & { tried_regions?: boolean }): Promise<KdamondsRead | null> {
  const s = await simStatus(o);
  if (!s) return null;
  return {
    list: s.kdamonds,
    owned: new Set(s.kdamonds.map((k) => k.index)),
    ...(o.tried_regions ? { tried: new Map(Object.entries(s.tried_regions)) } : {}),
    notes: [],
  };
}

interface ReportDamonOptions extends ControlOptions {
  json?: boolean;
  tried_regions?: boolean;
  damos_stats?: boolean;
  damon_params?: boolean;
  kdamonds_summary?: boolean;
  show_cpu_usage?: boolean;
  cpu_usage_interval: string;
}

function registerDamon(report: Command): void {
  const cmd = report
    .command('damon')
    .description('what DAMON is doing: kdamonds, parameters, DAMOS stats, CPU use (damo report damon)')
    .addOption(
      new Option('--damos_stats', 'only the DAMOS stats, one block per scheme').conflicts([
        'damon_params',
        'kdamonds_summary',
      ]),
    )
    .addOption(
      new Option('--damon_params', 'only the monitoring and scheme parameters').conflicts([
        'kdamonds_summary',
        'tried_regions',
      ]),
    )
    .addOption(
      new Option(
        '--kdamonds_summary',
        'one line per kdamond: index, state, pid, ops, targets, schemes, owner',
      ).conflicts(['tried_regions']),
    )
    .option('--show_cpu_usage', 'also the CPU use of each running kdamond thread (kernel backend)')
    .option('--cpu_usage_interval <seconds>', 'how long --show_cpu_usage samples', '1')
    .addOption(jsonOption('print as JSON'));
  addTriedRegionsOptions(cmd);
  addControlOptions(cmd, false);
  cmd.addHelpText(
    'after',
    `
With no option the output is that of damon-ts status. Only the running kdamonds damon-ts started
(every running one with --force) are written to: update_schemes_stats where stats are shown, and
with --tried_regions update_schemes_tried_regions. The stats and tried regions of the others are
shown as the kernel last updated them.

Examples:
  damon-ts report damon
  damon-ts report damon --kdamonds_summary --show_cpu_usage
  damon-ts report damon --damos_stats --tried_regions
  damon-ts report damon --damon_params --json
  damon-ts report damon --backend sim --damos_stats`,
  );
  cmd.action(async (o: ReportDamonOptions) => {
    const part: StatusPart | undefined = o.kdamonds_summary
      ? 'summary'
      : o.damon_params
        ? 'params'
        : o.damos_stats
          ? 'damos_stats'
          : undefined;
    const intervalS = numArg(o.cpu_usage_interval, '--cpu_usage_interval');
    if (!(intervalS > 0)) throw new UsageError('--cpu_usage_interval must be positive');
    let r: KdamondsRead;
    if (o.backend === 'sim') {
      if (o.show_cpu_usage)
        throw new UsageError(
          '--show_cpu_usage: simulated kdamonds have no threads of their own (they run in the damon-ts daemon)',
        );
      if (part === undefined) return simStatusCommand(o);
      const sim = await readSimStatus(o);
      if (!sim) {
        process.stdout.write('no simulated kdamond (the damon-ts daemon is not running)\n');
        return;
      }
      r = sim;
    } else r = readKernelStatus(o, part);
    const cpu = o.show_cpu_usage ? await kdamondsCpuUsage(r.list, intervalS * 1000) : undefined;
    if (o.json) printJson({ ...statusJson(r, part), ...(cpu ? { cpu_usage: cpu } : {}) });
    else process.stdout.write(statusText(r, part) + (cpu ? formatCpuUsage(cpu, intervalS) : ''));
  });
}

function registerSysinfo(report: Command): void {
  report
    .command('sysinfo')
    .description("versions, the kernel's DAMON features and the backend damon-ts uses (damo report sysinfo)")
    .addOption(damonAdminOption())
    .addOption(jsonOption('print as JSON'))
    .addHelpText(
      'after',
      `
Examples:
  damon-ts report sysinfo
  damon-ts report sysinfo --json`,
    )
    .action((o: { damon_admin: string; json?: boolean }, cmd: Command) => {
      let root = cmd;
      while (root.parent) root = root.parent;
      // The version `damon-ts --version` prints (package.json's).
      const version = root.version() ?? 'unknown';
      const fs = new DamonSysfs(o.damon_admin);
      let features: KernelFeatures | null = null;
      let unavailable = '';
      try {
        requireDamonSysfs(fs);
        features = detectFeatures(fs);
      } catch (e) {
        if (!(e instanceof DamonAbsentError || e instanceof SysfsError)) throw e;
        unavailable = e.message;
      }
      const backend = features
        ? `kernel (DAMON sysfs at ${fs.root})`
        : 'sim (kernel DAMON unavailable: start, tune, stop and status need --backend sim)';
      if (o.json) {
        printJson({
          damon_ts_version: version,
          kernel_release: release(),
          backend: features ? 'kernel' : 'sim',
          ...(features ? {} : { kernel_damon_unavailable: unavailable }),
          features: features && featuresJson(features),
        });
        return;
      }
      process.stdout.write(
        `damon-ts version: ${version}\nkernel release: ${release()}\nbackend: ${backend}\n` +
          (features
            ? `DAMON features:\n${formatFeatures(features)}`
            : `DAMON features: none: ${unavailable}\n`),
      );
    });
}

/** Adds `report damon` and `report sysinfo` to the `report` command. */
export function registerReportDamon(report: Command): void {
  registerDamon(report);
  registerSysinfo(report);
}
