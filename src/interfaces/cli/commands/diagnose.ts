/**
 * `damon-ts diagnose` (damo's): a report of this machine's DAMON, to tell whether it works: the
 * system, the features found, every kdamond (configuration, state, DAMOS stats) and the DAMON_RECLAIM
 * and DAMON_LRU_SORT parameters, as JSON in damo's keys with --verbose; silent when everything could
 * be read. It only reads: stats are shown as the kernel last updated them (no update_schemes_stats
 * is written, so a kdamond that is not ours is left alone).
 */
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import {
  type KdamondRuntime,
  moduleStatus,
  readKdamonds,
  readSystemInfo,
} from '../../../backends/kernel/diagnose.js';
import { MODULE_ROOT } from '../../../backends/kernel/modules.js';
import { DamonSysfs } from '../../../backends/kernel/sysfs.js';
import { fmtNr, fmtSz } from '../../../records/pyformat.js';
import { ConfigError, parseKdamondsConfig } from '../../../config/load.js';
import { kdamondsToDamo } from '../../../config/serialize.js';
import { damonAdminOption } from '../shared/options.js';

type Obj = Record<string, unknown>;

const STATS = [
  'nr_tried',
  'sz_tried',
  'nr_applied',
  'sz_applied',
  'sz_ops_filter_passed',
  'qt_exceeds',
  'nr_snapshots',
  'max_nr_snapshots',
];

/** damo's kdamond key-value form with the runtime values (state, pid, stats) in damo's places. */
function withRuntime(damo: { kdamonds: Obj[] }, runtime: KdamondRuntime[]): Obj[] {
  return damo.kdamonds.map((k, i) => {
    const rt = runtime[i]!;
    const contexts = (k.contexts as Obj[]).map((c, ci) => ({
      ...c,
      schemes: (c.schemes as Obj[]).map((s, si) => {
        const { stats, effectiveBytes, filters } = rt.schemes[ci]![si]!;
        const quotas = s.quotas as Obj;
        return {
          ...s,
          quotas: { ...quotas, effective_sz_bytes: fmtSz(effectiveBytes ?? 0, false) },
          // damo shows every file of a filter, the ones its type does not use included.
          filters: (s.filters as Obj[]).map((f, fi) => {
            const raw = filters[fi]!;
            return {
              ...f,
              memcg_path: raw.memcg_path,
              address_range: { start: fmtNr(raw.addr_start, false), end: fmtNr(raw.addr_end, false) },
              damon_target_idx: fmtNr(raw.damon_target_idx, false),
              hugepage_size: [fmtSz(raw.min, false), fmtSz(raw.max, false)],
            };
          }),
          // damo's stats, in its order; those this kernel lacks as 0.
          stats: Object.fromEntries(
            STATS.map((name) => [name, (name.startsWith('sz_') ? fmtSz : fmtNr)(stats[name] ?? 0, false)]),
          ),
        };
      }),
    }));
    return { state: rt.state, pid: rt.pid, refresh_ms: k.refresh_ms, contexts };
  });
}

export function register(program: Command): void {
  program
    .command('diagnose')
    .description('generate a report on if DAMON is malfunctioning')
    .option('--verbose', 'make the output verbose')
    .addOption(damonAdminOption())
    .option('--module_root <dir>', 'where the DAMON modules are', MODULE_ROOT)
    .addHelpText(
      'after',
      `
Reads the system, the DAMON features, the kdamonds and the DAMON modules, and writes nothing; with
--verbose prints them as JSON (damo's keys). Exits 1 naming what could not be read.

Examples:
  damon-ts diagnose --verbose`,
    )
    .action((o: { verbose?: boolean; damon_admin: string; module_root: string }) => {
      const fs = new DamonSysfs(o.damon_admin);
      const { version } = createRequire(import.meta.url)('../../../../package.json') as { version: string };
      const report: Obj = { sysinfo: readSystemInfo(fs, version, o.module_root), sysfs: {}, debugfs: {} };
      if (fs.exists('kdamonds/nr_kdamonds')) {
        const { config, runtime } = readKdamonds(fs);
        const problems: string[] = [];
        // Each kdamond in damo's forms; one whose values damon-ts's model refuses (an inverted
        // range, say: the kernel takes it) is shown as read, in kernel units, and named.
        const kdamonds = config.kdamonds.map((k, i) => {
          try {
            const parsed = parseKdamondsConfig({ kdamonds: [k] }, fs.path(`kdamonds/${i}`));
            return withRuntime(kdamondsToDamo(parsed) as { kdamonds: Obj[] }, [runtime[i]!])[0]!;
          } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            problems.push(e.message);
            return { state: runtime[i]!.state, pid: runtime[i]!.pid, ...k };
          }
        });
        report.sysfs = { kdamonds, ...(problems.length ? { problems } : {}) };
        for (const p of problems) process.stderr.write(`damon-ts: diagnose: ${p}\n`);
      }
      report.damon_reclaim_status = moduleStatus('reclaim', o.module_root);
      report.damon_lru_sort_status = moduleStatus('lru_sort', o.module_root);
      if (o.verbose) process.stdout.write(JSON.stringify(report, null, 4) + '\n');
    });
}
