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

export const simOps: Readonly<Record<'vaddr' | 'fvaddr' | 'paddr' | 'reports', OperationsSet>> = {
  vaddr: makeVaddrOps('vaddr'),
  fvaddr: makeVaddrOps('fvaddr'),
  paddr: makePaddrOps(),
  reports: makeReportOps(),
};

/** Registers the sets (idempotent: names already registered are left alone). */
export function registerSimOps(): void {
  for (const ops of Object.values(simOps)) if (!hasOps(ops.id)) registerOps(ops);
}
