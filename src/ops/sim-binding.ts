/**
 * How the operations sets reach the simulated machine: the ops objects are singletons registered
 * once in the core's ops registry (by name, as the kernel's), and each context is bound to its
 * machine here. Several machines can run at once (eval runs one replica per setup), so the machine
 * is per context, not per ops object. The DAMOS actions (src/ops/actions) use `simBindingOf(ctx)`.
 */
import type { Machine } from '../backends/sim/machine.js';
import type { AccessReport, OpsContext, SampleFilter } from '../core/types.js';
import { filtersAdmitReads } from '../core/sample-filters.js';

/** Protection installed by the page_fault primitive: PAGE_NONE (any access faults) or write-protect. */
export type ProtectionKind = 'none' | 'write';

export interface SimOpsOptions {
  /**
   * page_fault primitive's protection. Default: 'write' when the context's sample filters make it a
   * write-only view (its only filter allows matching writes), else 'none' (the RFC's PAGE_NONE).
   * With PAGE_NONE a write-only view misses a write that follows a read of the sampling page in the
   * same sample (the read already took the fault); write-protect does not.
   */
  protection?: ProtectionKind;
  /**
   * Faults on pages that are no longer sampling pages. A protection installed in an earlier sample
   * stays until its page is touched (the RFC never removes it), so such faults keep coming, and in
   * a large region they pile up: counting them would mark the region accessed whenever any of its
   * old sampling pages is touched, overestimating cold regions badly. 'drop' (default) counts only
   * faults on the current sampling pages, which is the sampling semantics of DAMON (a region is
   * accessed in a sample iff its sampling page is; the live write-only source does the same);
   * 'keep' forwards every fault, as the RFC's code does. [spec §3.2/§3.4 leave this UNCONFIRMED]
   */
  staleFaults?: 'drop' | 'keep';
  /**
   * Faults the context's sample filters reject (another CPU, thread, or a read in a write-only
   * view) re-arm the protection, so that the first access of another CPU or thread does not
   * consume it for an access the filters will drop (default: true; false is the RFC's behaviour,
   * where the first access of any CPU takes the sample). Contexts without filters never re-arm.
   */
  rearm?: boolean;
}

export interface SimOpsCounts {
  mkold: number;
  youngChecks: number;
  protections: number;
  /** DAMON faults forwarded to the context as reports. */
  faults: number;
  /** Faults on earlier samples' protections, dropped (see SimOpsOptions.staleFaults). */
  staleFaults: number;
  /** Of `faults`, those the sample filters reject, after which the protection was re-armed. */
  rearms: number;
}

export interface SimBinding {
  readonly machine: Machine;
  readonly protection: ProtectionKind;
  /** Pages (4 KiB numbers, and 2 MiB numbers on THP machines) protected by the current sample. */
  readonly samplingPages: Set<number> | null;
  /** What this context asked of the machine (per sampled page), and the faults it received. */
  readonly counts: SimOpsCounts;
  /** Unsubscribes from the machine's DAMON faults (page_fault contexts). */
  detach(): void;
}

/** What attach needs of a context: the ops view plus the report intake and its filters. */
export interface AttachableContext extends OpsContext {
  readonly sampleFilters: readonly SampleFilter[];
  reportAccess(report: AccessReport): boolean;
  /** Whether the context would count the report (sample filters and the ops' eligibleReport). */
  reportEligible(report: AccessReport): boolean;
}

/** Keys of the sampling-page set: 4 KiB page numbers, and negative 2 MiB numbers (THP folios). */
export function pageKey(addr: number): number {
  return Math.floor(addr / 4096);
}
export function hugeKey(addr: number): number {
  return -1 - Math.floor(addr / (2 << 20));
}

const bindings = new WeakMap<OpsContext, SimBinding>();

/** True when the filters let no read through (--exp_ops_write_only, alone or narrowed further). */
export function isWriteOnlyView(filters: readonly SampleFilter[]): boolean {
  return filters.length > 0 && !filtersAdmitReads(filters);
}

/**
 * Binds a context to a machine. Contexts with the page_fault primitive subscribe to the machine's
 * DAMON protection faults: every fault is reported to every subscribed context, as the RFC's global
 * report buffer does; the core's filters and region lookup decide what counts.
 */
export function attachMachine(
  ctx: AttachableContext,
  machine: Machine,
  opts: SimOpsOptions = {},
): SimBinding {
  if (bindings.has(ctx)) throw new Error('attachMachine: the context is already bound to a machine');
  const protection = opts.protection ?? (isWriteOnlyView(ctx.sampleFilters) ? 'write' : 'none');
  const keepStale = opts.staleFaults === 'keep';
  // Only a context whose filters can reject a fault re-arms; unfiltered ones keep the RFC semantics.
  const rearm = opts.rearm !== false && ctx.sampleFilters.length > 0;
  const samplingPages = ctx.primitives.pageFault && !keepStale ? new Set<number>() : null;
  const thp = machine.config.thp;
  const paddr = ctx.targets.every((t) => t.pid === null);
  const forward = (r: AccessReport): boolean => {
    if (samplingPages) {
      const addr = paddr ? r.paddr : r.vaddr;
      if (!samplingPages.has(pageKey(addr)) && !(thp && samplingPages.has(hugeKey(addr)))) {
        b.counts.staleFaults++;
        return false;
      }
    }
    b.counts.faults++;
    ctx.reportAccess(r);
    // Eligibility at fault time: a fault this context will filter out must not consume the
    // protection that its own CPUs' or threads' next access needs (ineligible faults re-arm it).
    if (!rearm || ctx.reportEligible(r)) return false;
    b.counts.rearms++;
    return true;
  };
  const off = ctx.primitives.pageFault ? machine.onDamonFaultRearming(forward) : () => undefined;
  const b: SimBinding = {
    machine,
    protection,
    samplingPages,
    counts: { mkold: 0, youngChecks: 0, protections: 0, faults: 0, staleFaults: 0, rearms: 0 },
    detach() {
      off();
      bindings.delete(ctx);
    },
  };
  bindings.set(ctx, b);
  return b;
}

/** Unbinds the context (ops cleanup); nothing happens when it is not bound. */
export function detachMachine(ctx: OpsContext): void {
  bindings.get(ctx)?.detach();
}

export function simBindingOf(ctx: OpsContext): SimBinding {
  const b = bindings.get(ctx);
  if (!b)
    throw new Error(
      'simulated operations set: the context is not bound to a machine (call attachMachine(ctx, machine) first)',
    );
  return b;
}

/** Protects a sampling page and remembers it as current (see SimOpsOptions.staleFaults). */
export function protectSampling(b: SimBinding, addr: number, protect: () => void): void {
  protect();
  b.counts.protections++;
  if (b.samplingPages) {
    b.samplingPages.add(pageKey(addr));
    if (b.machine.config.thp) b.samplingPages.add(hugeKey(addr));
  }
}
