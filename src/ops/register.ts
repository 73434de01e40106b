/**
 * The simulated machine's operations sets, registered once in the core's registry under the
 * kernel's names (vaddr, fvaddr, paddr) plus `reports` (report-only). Bind each context to its
 * machine with attachMachine (sim-binding.ts). The objects are exported so that the DAMOS layer can
 * add applyScheme/getSchemeScore to them.
 */
import { hasOps, registerOps } from '../core/ops-registry.js';
import type { OperationsSet } from '../core/types.js';
import { makePaddrOps } from './paddr.js';
import { makeReportOps } from './report-only.js';
import { makeVaddrOps } from './vaddr.js';
import { schemeHandlers } from './actions/index.js';

export const simOps: Readonly<Record<'vaddr' | 'fvaddr' | 'paddr' | 'reports', OperationsSet>> = {
  // DAMOS: apply_scheme/get_scheme_score delegate to src/ops/actions.
  vaddr: { ...makeVaddrOps('vaddr'), ...schemeHandlers('vaddr') } as OperationsSet,
  fvaddr: { ...makeVaddrOps('fvaddr'), ...schemeHandlers('fvaddr') } as OperationsSet,
  paddr: { ...makePaddrOps(), ...schemeHandlers('paddr') } as OperationsSet,
  reports: makeReportOps(),
};

/** Registers the sets (idempotent: names already registered are left alone). */
export function registerSimOps(): void {
  for (const ops of Object.values(simOps)) if (!hasOps(ops.id)) registerOps(ops);
}
