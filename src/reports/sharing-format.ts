/** The locality report as text (damo style) and JSON (the heat map: sharing-plot.ts). */
import { fmtSz } from '../records/pyformat.js';
import type { LlcInfo } from './llc.js';
import { median, PARTNER, type SharingResult } from './sharing.js';

export interface LlcView {
  sizeBytes: number;
  /** Where the size came from: the sysfs path, or --llc. */
  source: string;
  domains: { cpus: number[] }[];
}

export function llcView(info: LlcInfo | null, override: number | undefined): LlcView | null {
  if (override !== undefined) return { sizeBytes: override, source: '--llc', domains: info?.domains ?? [] };
  if (!info) return null;
  return { sizeBytes: info.sizeBytes, source: `L${info.level} of ${info.source}`, domains: info.domains };
}

function pct(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
}

function cpuList(cpus: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < cpus.length;) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    out.push(j > i ? `${cpus[i]}-${cpus[j]}` : String(cpus[i]));
    i = j + 1;
  }
  return out.join(',');
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '))
    .join('\n');
}

/** Which LLC domain each group goes to: largest group first, round robin over the domains. */
function placement(r: SharingResult, llc: LlcView | null): (number | null)[] {
  const n = llc?.domains.length ?? 0;
  return r.groups.map((_, i) => (n > 0 ? i % n : null));
}

export function formatSharing(
  r: SharingResult,
  llc: LlcView | null,
  o: { raw: boolean; timeline: boolean; minShare: number },
): string {
  const sz = (v: number) => fmtSz(Math.round(v), o.raw);
  const out: string[] = [];
  const llcText = llc ? `LLC ${sz(llc.sizeBytes)} (${llc.source})` : 'LLC size unknown (give --llc)';
  out.push(
    `# per-${r.by} working set: bytes accessed in each aggregation window (${r.timesNs.length} windows, from ${r.source === 'slices' ? `one context per ${r.by}` : `the ${r.by} breakdown`}); ${llcText}`,
  );
  const head = [r.by, 'p50', 'p90', 'max', ...(llc ? ['windows > LLC'] : [])];
  out.push(
    table([
      head,
      ...r.slices.map((id, i) => {
        const w = r.wss[i]!;
        const over = llc ? w.filter((x) => x > llc.sizeBytes).length : 0;
        return [
          String(id),
          sz(median(w)),
          sz(pct(w, 90)),
          sz(Math.max(0, ...w)),
          ...(llc ? [`${over} (${w.length ? ((100 * over) / w.length).toFixed(0) : 0}%)`] : []),
        ];
      }),
    ]),
  );
  if (o.timeline) {
    out.push(`# working set over time (window end, seconds from the first)`);
    out.push(
      table([
        ['time', ...r.slices.map((id) => `${r.by} ${id}`)],
        ...r.timesNs.map((t, k) => [(t / 1e9).toFixed(3), ...r.wss.map((w) => sz(w[k]!))]),
      ]),
    );
  }
  out.push(
    `# sharing matrix: bytes both ${r.by}s accessed in the same window (median over windows; diagonal: working set)`,
  );
  out.push(
    table([
      [r.by, ...r.slices.map(String)],
      ...r.slices.map((id, i) => [String(id), ...r.shared[i]!.map(sz)]),
    ]),
  );
  out.push(
    `# co-scheduling groups: ${r.by}s linked by shared memory (a pair is linked when it shares >= ${(100 * o.minShare).toFixed(0)}% of the smaller working set and >= ${100 * PARTNER}% of what each shares with its closest partner)`,
  );
  const place = placement(r, llc);
  r.groups.forEach((g, i) => {
    const fit = llc ? (g.unionBytes <= llc.sizeBytes ? ', fits the LLC' : ', exceeds the LLC') : '';
    const d = place[i];
    const where = d !== null && llc ? ` -> LLC domain ${d} (cpus ${cpuList(llc.domains[d]!.cpus)})` : '';
    out.push(
      `group ${i}: ${r.by}s ${g.slices.join(' ')}  shared ${sz(g.sharedBytes)}  together ${sz(g.unionBytes)}${fit}${where}`,
    );
  });
  if (r.idle.length) out.push(`idle: ${r.by}s ${r.idle.join(' ')} (no memory accessed in most windows)`);
  return out.join('\n') + '\n';
}

export function sharingJson(r: SharingResult, llc: LlcView | null): string {
  const place = placement(r, llc);
  return (
    JSON.stringify(
      {
        by: r.by,
        source: r.source,
        llc: llc && {
          size_bytes: llc.sizeBytes,
          source: llc.source,
          domains: llc.domains.map((d) => d.cpus),
        },
        slices: r.slices.map((id, i) => ({
          id,
          wss_bytes: r.wss[i],
          wss_p50: median(r.wss[i]!),
          windows_over_llc: llc ? r.wss[i]!.filter((x) => x > llc.sizeBytes).length : null,
        })),
        times_ns: r.timesNs,
        shared_bytes: r.shared,
        groups: r.groups.map((g, i) => ({
          [`${r.by}s`]: g.slices,
          shared_bytes: g.sharedBytes,
          union_bytes: g.unionBytes,
          llc_domain: place[i],
        })),
        idle: r.idle,
      },
      null,
      2,
    ) + '\n'
  );
}
