/** The text and JSON views of the kernel features damon-ts detected (`features`, `report damon --features`). */
import { DAMON_TRACE_EVENTS, type KernelFeatures } from '../../../backends/kernel/features.js';

/** What damon-ts does with this kernel, one line per concern. */
export function featureUsage(f: KernelFeatures): string[] {
  const ev = f.traceEvents ?? [];
  return [
    `paddr monitoring: ${f.ops.includes('paddr') ? 'kernel DAMON (sysfs)' : 'not in this kernel: damon-ts core on the simulated machine / live sources'}`,
    `vaddr/fvaddr monitoring: ${f.ops.includes('vaddr') ? 'kernel DAMON (sysfs)' : 'not in this kernel (DAMON_VADDR off): damon-ts core with live report sources'}`,
    `recording: ${ev.includes('damon_aggregated') ? 'damon:damon_aggregated from tracefs binary per-CPU buffers (no perf)' : 'tried_regions snapshots (no damon_aggregated tracepoint)'}` +
      `; snapshots: ${f.files.schemes_tried_regions ? 'tried_regions of a stat scheme' : f.files.schemes_tried_regions === null ? 'unknown' : 'unavailable'}`,
    `intervals auto-tuning: ${f.files.intervals_goal ? 'kernel' : f.files.intervals_goal === null ? 'unknown' : 'unavailable in kernel'}` +
      `${ev.includes('damon_monitor_intervals_tune') ? ' (tuned sample_us recorded from damon_monitor_intervals_tune)' : ''}`,
    `page_fault primitive / sample filters: ${f.files.sample_primitives ? 'kernel' : 'not in this kernel: damon-ts core (report-based) only'}`,
  ];
}

/** The features as `damon-ts features --json` prints them. */
export function featuresJson(f: KernelFeatures): KernelFeatures & { usage: string[] } {
  return { ...f, usage: featureUsage(f) };
}

/** The text of `damon-ts features`: every feature with yes/no/? and what damon-ts will use. */
export function formatFeatures(f: KernelFeatures): string {
  const mark = (v: boolean | null) => (v === null ? '?' : v ? 'yes' : 'no');
  const lines = [`DAMON sysfs: ${f.adminRoot}`, `operations sets: ${f.ops.join(' ') || 'none'}`];
  for (const [name, v] of Object.entries(f.files)) lines.push(`  ${name.padEnd(36)} ${mark(v)}`);
  lines.push(f.traceEvents === null ? 'tracepoints: tracefs unavailable' : 'tracepoints:');
  if (f.traceEvents !== null)
    for (const e of DAMON_TRACE_EVENTS)
      lines.push(`  damon:${e.padEnd(30)} ${mark(f.traceEvents.includes(e))}`);
  if (f.note) lines.push(`note: ${f.note}`);
  lines.push('damon-ts will use:', ...featureUsage(f).map((l) => `  ${l}`));
  return lines.join('\n') + '\n';
}
