/**
 * DAMOS ops-layer filters (spec §4.5) on one page/folio of the simulated machine: anon, active,
 * memcg, young (checks and clears the Accessed bit), hugepage_size and unmapped. A region that a
 * core filter allowed skips them; otherwise the first matching filter decides, and a page no filter
 * matched is rejected iff the last filter allowed.
 */
import type { Scheme } from '../../schemes/scheme.js';
import type { DamosFilter } from '../../schemes/types.js';
import type { MemoryCgroups } from './memcg.js';

/** The page/folio an ops filter looks at. `young` is evaluated lazily: it clears the bit. */
export interface FilterPage {
  anon: boolean;
  active: boolean;
  folioSize: number;
  mapped: boolean;
  /** Cgroup path of the owner, or null when nobody maps it. */
  memcgPath: string | null;
  testAndClearYoung(): boolean;
}

function matches(f: DamosFilter, p: FilterPage, cgroups: MemoryCgroups): boolean {
  let m: boolean;
  switch (f.type) {
    case 'anon':
      m = p.anon;
      break;
    case 'active':
      m = p.active;
      break;
    case 'memcg': {
      const id = cgroups.idOf(f.memcgPath ?? '');
      m = id !== 0 && p.memcgPath !== null && cgroups.idOf(p.memcgPath) === id;
      break;
    }
    case 'young':
      m = p.testAndClearYoung();
      break;
    case 'hugepage_size':
      m = p.folioSize >= (f.sizeMin ?? 0) && p.folioSize <= (f.sizeMax ?? 0);
      break;
    case 'unmapped':
      m = !p.mapped;
      break;
    default:
      return false;
  }
  return m === f.matching;
}

/** damos_pa_filter_out / damos_va_filter_out: true when the page is filtered out. */
export function opsFilterOut(s: Scheme, p: FilterPage, cgroups: MemoryCgroups): boolean {
  if (s.coreFiltersAllowed) return false;
  for (const f of s.opsFilters) if (matches(f, p, cgroups)) return !f.allow;
  return s.opsFiltersDefaultReject;
}
