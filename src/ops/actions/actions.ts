/**
 * DAMOS actions on the simulated machine, page by page (folio by folio) over a region, after the
 * ops filters: pageout (swap out: the next access is a major fault), cold (deactivate and clear
 * Accessed), lru_prio / lru_deprio (move to the active / inactive LRU list), migrate_hot /
 * migrate_cold (to target_nid, or to the weighted destinations), stat (count only). vaddr's
 * willneed, hugepage, nohugepage and collapse are one madvise() of the whole region instead.
 * vaddr regions are the process's virtual addresses; paddr regions are physical (× addr_unit).
 */
import type { Machine } from '../../backends/sim/machine.js';
import type { MadviseAdvice } from '../../backends/sim/madvise.js';
import { HUGE_PAGE_SIZE, PAGE_SIZE } from '../../backends/sim/layout.js';
import { DEFAULT_COST_MODEL } from '../../backends/sim/costs.js';
import type { DamonContext } from '../../core/context.js';
import type { SchemeApplyResult, TargetView } from '../../core/types.js';
import type { Scheme } from '../../schemes/scheme.js';
import { opsFilterOut, type FilterPage } from './filters.js';
import type { MemoryCgroups } from './memcg.js';

/**
 * Modeled time of actions, for quota time charging (deterministic, unlike wall time): per page
 * visited, per page written to swap, per migration (the machine's cost model), per LRU move, per
 * madvise() call (VMA walk and flag update), per page read back from swap (as a write to it), per
 * 2 MiB collapsed (allocation, copy of 512 pages at ~200 ns each, remap).
 */
export const ACTION_COST_NS = {
  visit: 50,
  pageout: 10_000,
  migrate: DEFAULT_COST_MODEL.migration,
  lruMove: 100,
  madvise: 1_000,
  swapIn: 10_000,
  collapse: 100_000,
} as const;

export class ActionClock {
  ns = 0;
}

/** The node a page goes to: target_nid, or weighted interleave over dests by page index (-1: none). */
export function destNode(s: Scheme, addr: number): number {
  if (s.dests.length === 0) return s.targetNid;
  let total = 0;
  for (const d of s.dests) total += d.weight;
  if (total === 0) return -1;
  let k = Math.floor(addr / PAGE_SIZE) % total;
  for (const d of s.dests) {
    if (k < d.weight) return d.nid;
    k -= d.weight;
  }
  return -1;
}

interface Env {
  m: Machine;
  cgroups: MemoryCgroups;
  clock: ActionClock;
}

/** Acts on one page/folio at paddr (already filtered); returns whether the action was applied. */
function act(env: Env, s: Scheme, paddr: number, tgid: number, vaddr: number): boolean {
  const { m, clock } = env;
  switch (s.action) {
    case 'pageout':
      clock.ns += ACTION_COST_NS.pageout;
      return m.pageOutPhys(paddr);
    case 'cold':
      clock.ns += ACTION_COST_NS.lruMove;
      m.mkold(tgid, vaddr);
      m.setLruActive(paddr, false);
      return true;
    case 'lru_prio':
    case 'lru_deprio':
      clock.ns += ACTION_COST_NS.lruMove;
      m.setLruActive(paddr, s.action === 'lru_prio');
      return true;
    case 'migrate_hot':
    case 'migrate_cold': {
      const node = destNode(s, paddr);
      if (node < 0 || node >= m.config.nodes || m.nodeOf(paddr) === node) return false;
      clock.ns += ACTION_COST_NS.migrate;
      return m.migratePhys(paddr, node) >= 0;
    }
    default:
      return false;
  }
}

/** vaddr actions done by one madvise() of the region, as the kernel's damos_madvise(). */
const MADVISE_ACTIONS: ReadonlySet<string> = new Set<MadviseAdvice>([
  'willneed',
  'hugepage',
  'nohugepage',
  'collapse',
]);

/**
 * damos_madvise(): madvise(PAGE_ALIGN(start), PAGE_ALIGN(size)) of the region. Ops filters are not
 * consulted (the kernel's madvise path does not), so sz_ops_filter_passed stays 0. Applied bytes
 * are what the machine did: the advised bytes inside VMAs (hugepage, nohugepage), the bytes
 * collapsed (collapse), the bytes read back (willneed); the kernel reports the whole region
 * whenever madvise() succeeds, which tells nothing about the effect.
 */
function applyMadvise(
  env: Env,
  tgid: number,
  start: number,
  end: number,
  advice: MadviseAdvice,
): SchemeApplyResult {
  const { m, clock } = env;
  if (!m.processAlive(tgid)) return { applied: 0, filterPassed: 0 }; // damon_get_mm() failed
  const a = Math.ceil(start / PAGE_SIZE) * PAGE_SIZE;
  const applied = m.madvise(tgid, a, a + Math.ceil((end - start) / PAGE_SIZE) * PAGE_SIZE, advice);
  clock.ns += ACTION_COST_NS.madvise;
  if (advice === 'willneed') clock.ns += (applied / PAGE_SIZE) * ACTION_COST_NS.swapIn;
  else if (advice === 'collapse') clock.ns += (applied / HUGE_PAGE_SIZE) * ACTION_COST_NS.collapse;
  return { applied, filterPassed: 0 };
}

/** vaddr/fvaddr apply_scheme: present pages of [start, end) of the target process. */
export function applyVaddr(env: Env, t: TargetView, i: number, s: Scheme): SchemeApplyResult {
  const { m, cgroups, clock } = env;
  const tgid = t.pid!;
  const start = t.regions.start[i]!;
  const end = t.regions.end[i]!;
  if (MADVISE_ACTIONS.has(s.action)) return applyMadvise(env, tgid, start, end, s.action as MadviseAdvice);
  const vmas = m.vmas(tgid);
  const memcgPath = cgroups.pathOf(tgid);
  let applied = 0;
  let passed = 0;
  let v = 0;
  for (let a = start; a < end;) {
    const pte = m.pte(tgid, a);
    if (!pte) {
      a = Math.floor(a / HUGE_PAGE_SIZE) * HUGE_PAGE_SIZE + HUGE_PAGE_SIZE; // no page table here
      continue;
    }
    const next =
      pte.folioSize === HUGE_PAGE_SIZE
        ? Math.floor(a / HUGE_PAGE_SIZE) * HUGE_PAGE_SIZE + HUGE_PAGE_SIZE
        : a + PAGE_SIZE;
    const bytes = Math.min(next, end) - a;
    clock.ns += ACTION_COST_NS.visit;
    if (pte.present) {
      while (v < vmas.length && vmas[v]!.end <= a) v++;
      const page: FilterPage = {
        anon: v < vmas.length && vmas[v]!.start <= a && vmas[v]!.anon,
        active: m.isActive(pte.paddr),
        folioSize: pte.folioSize,
        mapped: true,
        memcgPath,
        testAndClearYoung: () => {
          const y = m.young(tgid, a).young;
          m.mkold(tgid, a);
          return y;
        },
      };
      if (!opsFilterOut(s, page, cgroups)) {
        passed += bytes;
        if (act(env, s, pte.paddr, tgid, a)) applied += bytes;
      }
    }
    a = next;
  }
  return { applied, filterPassed: passed };
}

/** paddr apply_scheme: allocated folios of the physical range [start, end) × addr_unit. */
export function applyPaddr(
  env: Env,
  ctx: DamonContext,
  t: TargetView,
  i: number,
  s: Scheme,
): SchemeApplyResult {
  const { m, cgroups, clock } = env;
  const unit = ctx.addrUnit;
  const start = t.regions.start[i]! * unit;
  const end = Math.min(t.regions.end[i]! * unit, m.memoryBytes);
  let applied = 0;
  let passed = 0;
  // As the kernel, folios are collected first and acted on after the walk, so a migrated folio's
  // new frame (possibly inside the same range) is not visited again.
  const picked: { head: number; tgid: number; vaddr: number; bytes: number }[] = [];
  for (let a = start - (start % PAGE_SIZE); a < end;) {
    const f = m.frameInfo(a);
    if (!f) {
      a += PAGE_SIZE;
      continue;
    }
    const next = f.head + f.folioSize;
    const bytes = Math.min(next, end) - Math.max(a, start);
    clock.ns += ACTION_COST_NS.visit;
    const owner = f.mappings[0];
    const page: FilterPage = {
      anon: !f.fileBacked,
      active: f.active,
      folioSize: f.folioSize,
      mapped: f.mappings.length > 0,
      memcgPath: owner ? cgroups.pathOf(owner.tgid) : null,
      testAndClearYoung: () => {
        const y = m.youngPhys(f.head).young;
        m.mkoldPhys(f.head);
        return y;
      },
    };
    if (!opsFilterOut(s, page, cgroups)) {
      passed += bytes;
      picked.push({ head: f.head, tgid: owner?.tgid ?? -1, vaddr: owner?.vaddr ?? -1, bytes });
    }
    a = next;
  }
  for (const p of picked) if (act(env, s, p.head, p.tgid, p.vaddr)) applied += p.bytes;
  return { applied: Math.floor(applied / unit), filterPassed: Math.floor(passed / unit) };
}
