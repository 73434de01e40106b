/**
 * paddr on the simulated machine (spec §1.5, §2.3, §3.2). Targets without regions get the whole
 * simulated RAM at init (the kernel leaves this to the user; damo passes the System RAM span, and a
 * simulated machine has exactly one). Addresses are core addresses × addr_unit.
 * page_table: mkold/young through the reverse map (young if any mapping is young, folio cache).
 * page_fault: every mapping of the sampled frame is protected; the faults come back as reports with
 * paddr = the frame start. The seed's `paddr_fault` is this set with page_fault (src/core/context.ts).
 */
import type { OperationsSet } from '../core/types.js';
import { detachMachine, protectSampling, simBindingOf } from './sim-binding.js';
import { checkYoung, pickSamplingAddrs } from './sampling.js';

export function makePaddrOps(): OperationsSet {
  return {
    id: 'paddr',
    init(ctx) {
      const m = simBindingOf(ctx).machine;
      const end = Math.floor(m.memoryBytes / ctx.addrUnit);
      for (const t of ctx.targets) if (t.regions.length === 0) ctx.setRegions(t, [{ start: 0, end }]);
    },
    prepareAccessChecks(ctx) {
      const b = simBindingOf(ctx);
      const m = b.machine;
      const u = ctx.addrUnit;
      b.samplingPages?.clear();
      for (const t of ctx.targets) {
        if (ctx.primitives.pageFault)
          pickSamplingAddrs(ctx, t, (a) =>
            protectSampling(b, a * u, () => m.protectPhys(a * u, b.protection)),
          );
        else
          pickSamplingAddrs(ctx, t, (a) => {
            b.counts.mkold++;
            m.mkoldPhys(a * u);
          });
      }
    },
    checkAccesses(ctx) {
      const b = simBindingOf(ctx);
      const m = b.machine;
      const u = ctx.addrUnit;
      let max = 0;
      for (const t of ctx.targets) {
        // The folio size is in bytes; the cache compares core addresses, so scale it to addr units.
        const nr = checkYoung(ctx, t, (a) => {
          b.counts.youngChecks++;
          const y = m.youngPhys(a * u);
          return { young: y.young, folioSize: Math.max(1, Math.floor(y.folioSize / u)) };
        });
        if (nr > max) max = nr;
      }
      return max;
    },
    cleanup: detachMachine,
  };
}
