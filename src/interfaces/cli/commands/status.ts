/**
 * `damon-ts status`: kdamonds, their parameters and DAMOS stats (what damo's `report damon` shows).
 * Also home of the options every control command (start, tune, stop, status) shares, and of the
 * backend table: the kernel backend is here; the simulated daemon registers next to it.
 */
import { type Command, Option } from 'commander';
import { KernelDamon } from '../../../backends/kernel/control.js';
import {
  readStatus,
  readTriedRegions,
  type KdamondStatus,
  type TriedRegion,
} from '../../../backends/kernel/status.js';
import { fmtSz } from '../../../records/pyformat.js';
import { U64_MAX } from '../../config/units.js';
import { UsageError } from '../errors.js';
import { simStatusCommand } from '../../daemon/cli-backend.js';

export interface ControlOptions {
  backend: string;
  damon_admin?: string;
  state_dir?: string;
  iomem?: string;
  force?: boolean;
  socket?: string;
  workload?: string;
}

/** Adds --backend and the kernel backend's options. */
export function addControlOptions(cmd: Command, withForce: boolean): Command {
  cmd.addOption(
    new Option('--backend <backend>', 'where DAMON runs (sim: simulated kdamonds in the damon-ts daemon)')
      .choices(['kernel', 'sim'])
      .default('kernel'),
  );
  cmd.option(
    '--socket <path>',
    'sim backend: the daemon socket (default: $DAMON_TS_SOCKET or damon-ts-<uid>/sim.sock in the temp dir)',
  );
  cmd.option(
    '--workload <name>',
    'sim backend: workload the daemon runs when start launches it (built-in name or masim .cfg; default hot-cold)',
  );
  cmd.option('--damon_admin <dir>', 'DAMON sysfs admin directory', '/sys/kernel/mm/damon/admin');
  cmd.option('--state_dir <dir>', 'where damon-ts keeps which kdamonds it started (default /run/damon-ts)');
  cmd.option('--iomem <file>', 'iomem listing for the default paddr region', '/proc/iomem');
  if (withForce) cmd.option('--force', 'act on kdamonds damon-ts did not start (they are restored by stop)');
  return cmd;
}

export function kernelOf(o: ControlOptions): KernelDamon {
  if (o.backend !== 'kernel') throw new UsageError(`--backend: unknown backend "${o.backend}"`);
  return new KernelDamon({ adminRoot: o.damon_admin, stateDir: o.state_dir, iomemPath: o.iomem });
}

const fmtNum = (n: number) => (n >= U64_MAX ? 'max' : String(n));

/** damo's size format ("4.000 KiB"); "max" for u64 max. */
const fmtBytes = (n: number) => (n >= U64_MAX ? 'max' : fmtSz(n, false));

/** Text view of kdamonds (damo's `report damon` style): parameters, scheme stats, tried regions. */
export function formatKdamondsStatus(
  list: KdamondStatus[],
  owned: Set<number>,
  tried?: Map<string, TriedRegion[]>,
): string {
  const lines: string[] = [];
  if (list.length === 0) lines.push('no kdamond');
  for (const k of list) {
    const who =
      k.state === 'on' ? (owned.has(k.index) ? 'started by damon-ts' : 'not started by damon-ts') : '';
    lines.push(
      `kdamond ${k.index}: state ${k.state}${k.pid !== null ? `, pid ${k.pid}` : ''}${who ? ` (${who})` : ''}`,
    );
    k.contexts.forEach((c, ci) => {
      lines.push(`  context ${ci}: ops ${c.ops}`);
      lines.push(
        `    intervals: sample ${c.intervals.sample_us} us, aggr ${c.intervals.aggr_us} us, update ${c.intervals.update_us} us`,
      );
      lines.push(`    nr_regions: [${c.nr_regions.min}, ${c.nr_regions.max}]`);
      c.targets.forEach((t, ti) => {
        lines.push(
          `    target ${ti}${t.pid !== null ? ` (pid ${t.pid})` : ''}: ${t.regions.map((r) => `${r.start}-${r.end}`).join(' ') || 'no regions'}`,
        );
      });
      for (const s of c.schemes) {
        const p = s.access_pattern;
        lines.push(
          `    scheme ${s.index}: action ${s.action}, sz [${fmtBytes(p.sz.min)}, ${fmtBytes(p.sz.max)}], nr_accesses [${fmtNum(p.nr_accesses.min)}, ${fmtNum(p.nr_accesses.max)}], age [${fmtNum(p.age.min)}, ${fmtNum(p.age.max)}] aggr intervals`,
        );
        lines.push(
          `      quotas: ${s.quotas.ms} ms, ${fmtBytes(s.quotas.bytes)} per ${s.quotas.reset_interval_ms} ms${s.quotas.effective_bytes !== null ? `, effective ${fmtBytes(s.quotas.effective_bytes)}` : ''}; watermarks ${s.watermarks.metric}; filters ${s.nr_filters}`,
        );
        lines.push(
          `      stats: ${Object.entries(s.stats)
            .map(([key, v]) => `${key} ${key.startsWith('sz_') ? fmtBytes(v) : fmtNum(v)}`)
            .join(', ')}`,
        );
        const regions = tried?.get(`${k.index}/${ci}/${s.index}`);
        if (regions) {
          lines.push(`      tried regions (${regions.length}):`);
          for (const r of regions)
            lines.push(
              `        ${r.start}-${r.end} (${fmtBytes(r.end - r.start)}): nr_accesses ${r.nr_accesses}, age ${r.age}`,
            );
        }
      }
    });
  }
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  const cmd = program
    .command('status')
    .description('show kdamonds: state, parameters, DAMOS stats (damo report damon)')
    .option('--json', 'print as JSON')
    .option('--tried_regions', 'also read the tried regions of each scheme of running kdamonds');
  addControlOptions(cmd, false);
  cmd.addHelpText(
    'after',
    `
Examples:
  damon-ts status
  damon-ts status --tried_regions
  damon-ts status --json`,
  );
  cmd.action((o: ControlOptions & { json?: boolean; tried_regions?: boolean }) => {
    if (o.backend === 'sim') return simStatusCommand(o);
    const damon = kernelOf(o);
    damon.features();
    const list = readStatus(damon.fs);
    const owned = new Set((damon.owned()?.kdamonds ?? []).map((k) => k.index));
    const tried = new Map<string, TriedRegion[]>();
    if (o.tried_regions) {
      for (const k of list) {
        if (k.state !== 'on') continue;
        k.contexts.forEach((c, ci) =>
          c.schemes.forEach((s) =>
            tried.set(
              `${k.index}/${ci}/${s.index}`,
              readTriedRegions(damon.fs, k.index, s.index, ci).regions,
            ),
          ),
        );
      }
    }
    if (o.json) {
      const out = list.map((k) => ({ ...k, owned_by_damon_ts: owned.has(k.index) }));
      process.stdout.write(
        JSON.stringify(
          { kdamonds: out, tried_regions: Object.fromEntries(tried) },
          (_k, v: unknown) => (typeof v === 'number' && v >= U64_MAX ? 'max' : v),
          2,
        ) + '\n',
      );
    } else process.stdout.write(formatKdamondsStatus(list, owned, o.tried_regions ? tried : undefined));
  });
}
