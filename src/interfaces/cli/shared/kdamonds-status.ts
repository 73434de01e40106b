/** Kdamonds as read back from the kernel, and their text and JSON views (`status` and `report damon`). */
import { requireDamonSysfs } from '../../../backends/kernel/features.js';
import {
  readStatus,
  readTriedRegions,
  type KdamondStatus,
  type TriedRegion,
} from '../../../backends/kernel/status.js';
import { fmtSz } from '../../../records/pyformat.js';
import { U64_MAX } from '../../../config/units.js';
import { type ControlOptions, kernelOf } from './control-options.js';

const fmtNum = (n: number) => (n >= U64_MAX ? 'max' : String(n));

/** damo's size format ("4.000 KiB"); "max" for u64 max. */
const fmtBytes = (n: number) => (n >= U64_MAX ? 'max' : fmtSz(n, false));

/** Which part of the status to show (damo's `report damon` options); everything when undefined. */
export type StatusPart = 'summary' | 'params' | 'damos_stats';

/** Kdamonds as read back, with which ones damon-ts started and the tried regions when asked for. */
export interface KdamondsRead {
  list: KdamondStatus[];
  owned: Set<number>;
  /** Tried regions by "kdamond/context/scheme"; undefined when they were not asked for. */
  tried?: Map<string, TriedRegion[]>;
  /** What was not read as asked, and why (one line each). */
  notes: string[];
}

const owner = (k: KdamondStatus, owned: Set<number>) =>
  k.state === 'on' ? (owned.has(k.index) ? 'started by damon-ts' : 'not started by damon-ts') : '';

/** One kdamond in a few numbers: what `report damon --kdamonds_summary` prints. */
export function kdamondSummary(k: KdamondStatus, owned: Set<number>) {
  return {
    index: k.index,
    state: k.state,
    pid: k.pid,
    ops: k.contexts.map((c) => c.ops),
    nr_targets: k.contexts.reduce((n, c) => n + c.targets.length, 0),
    nr_schemes: k.contexts.reduce((n, c) => n + c.schemes.length, 0),
    owned_by_damon_ts: owned.has(k.index),
  };
}

const statText = (key: string, v: number) => `${key} ${key.startsWith('sz_') ? fmtBytes(v) : fmtNum(v)}`;

function triedLines(regions: TriedRegion[], indent: string): string[] {
  return [
    `${indent}tried regions (${regions.length}):`,
    ...regions.map(
      (r) =>
        `${indent}  ${r.start}-${r.end} (${fmtBytes(r.end - r.start)}): nr_accesses ${r.nr_accesses}, age ${r.age}`,
    ),
  ];
}

/** `--damos_stats`: one block per scheme, one stat per line. */
function formatDamosStats(list: KdamondStatus[], tried?: Map<string, TriedRegion[]>): string[] {
  const lines: string[] = [];
  for (const k of list)
    k.contexts.forEach((c, ci) => {
      for (const s of c.schemes) {
        lines.push(`kdamond ${k.index} / context ${ci} / scheme ${s.index}: action ${s.action}`);
        for (const [key, v] of Object.entries(s.stats)) lines.push(`  ${statText(key, v)}`);
        const regions = tried?.get(`${k.index}/${ci}/${s.index}`);
        if (regions) lines.push(...triedLines(regions, '  '));
      }
    });
  if (lines.length === 0) lines.push(list.length === 0 ? 'no kdamond' : 'no scheme');
  return lines;
}

/**
 * Text view of kdamonds (damo's `report damon` style): parameters, scheme stats, tried regions; or
 * only one `part` of it.
 */
export function formatKdamondsStatus(
  list: KdamondStatus[],
  owned: Set<number>,
  tried?: Map<string, TriedRegion[]>,
  part?: StatusPart,
): string {
  if (part === 'damos_stats') return formatDamosStats(list, tried).join('\n') + '\n';
  const lines: string[] = [];
  if (list.length === 0) lines.push('no kdamond');
  for (const k of list) {
    const who = owner(k, owned);
    const pid = k.pid !== null ? `, pid ${k.pid}` : '';
    if (part === 'summary') {
      const s = kdamondSummary(k, owned);
      lines.push(
        `kdamond ${k.index}: state ${k.state}${pid}, ops ${s.ops.join(',') || 'none'}, targets ${s.nr_targets}, schemes ${s.nr_schemes}${who ? ` (${who})` : ''}`,
      );
      continue;
    }
    lines.push(`kdamond ${k.index}: state ${k.state}${pid}${who ? ` (${who})` : ''}`);
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
        if (part === 'params') continue;
        lines.push(
          `      stats: ${Object.entries(s.stats)
            .map(([key, v]) => statText(key, v))
            .join(', ')}`,
        );
        const regions = tried?.get(`${k.index}/${ci}/${s.index}`);
        if (regions) lines.push(...triedLines(regions, '      '));
      }
    });
  }
  return lines.join('\n') + '\n';
}

/**
 * Reads every kdamond from the kernel. It writes to the running kdamonds damon-ts started (to any
 * running one with force), and only what damo's `report damon` writes: `update_schemes_stats` when
 * the part shown has stats and, with tried_regions, `update_schemes_tried_regions`. The others are
 * read as the kernel last updated them, with a note saying so.
 */
export function readKernelStatus(
  o: ControlOptions & { tried_regions?: boolean },
  part?: StatusPart,
): KdamondsRead {
  const damon = kernelOf(o);
  requireDamonSysfs(damon.fs);
  // Ownership is decided on the tree as found, before any state command is written.
  const owned = new Set((damon.owned()?.kdamonds ?? []).map((k) => k.index));
  const notes: string[] = [];
  const withStats = part === undefined || part === 'damos_stats';
  const list = readStatus(damon.fs, {
    refresh: (k) => withStats && (owned.has(k) || o.force === true),
    onRefreshFailed: (k, e) =>
      notes.push(`kdamond ${k}: DAMOS stats not refreshed (${e.message}); shown as last updated`),
  });
  if (withStats)
    for (const k of list)
      if (k.state === 'on' && !owned.has(k.index) && !o.force && k.contexts.some((c) => c.schemes.length))
        notes.push(
          `kdamond ${k.index}: DAMOS stats as the kernel last updated them, not refreshed: damon-ts did not start it (--force refreshes them)`,
        );
  if (!o.tried_regions) return { list, owned, notes };
  const tried = new Map<string, TriedRegion[]>();
  for (const k of list) {
    if (k.state !== 'on') continue;
    const refresh = owned.has(k.index) || o.force === true;
    if (!refresh)
      notes.push(
        `kdamond ${k.index}: tried regions shown as found, not refreshed: damon-ts did not start it (--force refreshes them)`,
      );
    k.contexts.forEach((c, ci) =>
      c.schemes.forEach((s) =>
        tried.set(
          `${k.index}/${ci}/${s.index}`,
          readTriedRegions(damon.fs, k.index, s.index, ci, { refresh }).regions,
        ),
      ),
    );
  }
  return { list, owned, tried, notes };
}

/** The text of `status` (or of one part of it), notes last. */
export function statusText(r: KdamondsRead, part?: StatusPart): string {
  return formatKdamondsStatus(r.list, r.owned, r.tried, part) + r.notes.map((n) => `note: ${n}\n`).join('');
}

/** The JSON of `status` (or of one part of it). */
export function statusJson(r: KdamondsRead, part?: StatusPart): Record<string, unknown> {
  const notes = r.notes.length ? { notes: r.notes } : {};
  const tried = (k: number, c: number, s: number) => r.tried?.get(`${k}/${c}/${s}`);
  switch (part) {
    case 'summary':
      return { kdamonds: r.list.map((k) => kdamondSummary(k, r.owned)) };
    case 'params':
      return {
        kdamonds: r.list.map((k) => ({
          ...k,
          contexts: k.contexts.map((c) => ({ ...c, schemes: c.schemes.map(({ stats: _, ...s }) => s) })),
          owned_by_damon_ts: r.owned.has(k.index),
        })),
      };
    case 'damos_stats':
      return {
        damos_stats: r.list.flatMap((k) =>
          k.contexts.flatMap((c, ci) =>
            c.schemes.map((s) => ({
              kdamond: k.index,
              context: ci,
              scheme: s.index,
              action: s.action,
              stats: s.stats,
              ...(r.tried ? { tried_regions: tried(k.index, ci, s.index) ?? [] } : {}),
            })),
          ),
        ),
        ...notes,
      };
    default:
      return {
        kdamonds: r.list.map((k) => ({ ...k, owned_by_damon_ts: r.owned.has(k.index) })),
        tried_regions: Object.fromEntries(r.tried ?? []),
        ...notes,
      };
  }
}

/** JSON with u64 max as "max" (it is not exact as a JS number). */
export function printJson(v: unknown): void {
  process.stdout.write(
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && x >= U64_MAX ? 'max' : x), 2) + '\n',
  );
}
