/**
 * DAMOS on the simulated machine: the apply_scheme / get_scheme_score callbacks the vaddr, fvaddr
 * and paddr operations sets delegate to, which actions each supports, and the machine's metrics.
 *
 *   { ...makePaddrOps(), ...schemeHandlers('paddr') }        (src/ops/register.ts attaches them)
 *   new SchemesEngine(ctx, schemes, { metrics: schemeSupportOf(machine).metrics });
 */
import type { Machine } from '../../backends/sim/machine.js';
import { einval } from '../../core/errors.js';
import { simBindingOf } from '../sim-binding.js';
import type { DamonContext } from '../../core/context.js';
import type { OperationsSet, OpsContext, TargetView } from '../../core/types.js';
import type { Scheme } from '../../schemes/scheme.js';
import type { DamosAction } from '../../schemes/types.js';
import { ActionClock, applyPaddr, applyVaddr } from './actions.js';
import { MachineMetrics } from './machine-metrics.js';
import { MemoryCgroups } from './memcg.js';
import { schemeScore } from './score.js';

export type OpsKind = 'vaddr' | 'fvaddr' | 'paddr';

/**
 * Actions each operations set supports on the simulated machine (spec §4.1: paddr has pageout,
 * lru_prio, lru_deprio, migrate_hot, migrate_cold and stat; vaddr and fvaddr every other one,
 * including the madvise family willneed, hugepage, nohugepage and collapse).
 */
const VADDR_ACTIONS: readonly DamosAction[] = [
  'willneed',
  'cold',
  'pageout',
  'hugepage',
  'nohugepage',
  'collapse',
  'migrate_hot',
  'migrate_cold',
  'stat',
];
export const SUPPORTED_ACTIONS: Record<OpsKind, readonly DamosAction[]> = {
  vaddr: VADDR_ACTIONS,
  fvaddr: VADDR_ACTIONS,
  paddr: ['pageout', 'lru_prio', 'lru_deprio', 'migrate_hot', 'migrate_cold', 'stat'],
};

/** Throws EINVAL naming the scheme when its action is not supported by the operations set. */
export function checkActionSupported(kind: OpsKind, action: DamosAction, where = 'scheme'): void {
  if (!SUPPORTED_ACTIONS[kind].includes(action)) {
    throw einval(
      `${where}.action: '${action}' is not supported by the ${kind} operations set of the simulated machine (supported: ${SUPPORTED_ACTIONS[kind].join(', ')})`,
    );
  }
}

/** DAMOS state of one simulated machine: its cgroups, the action clock and the metrics. */
export interface SchemeSupport {
  readonly machine: Machine;
  readonly cgroups: MemoryCgroups;
  readonly metrics: MachineMetrics;
  readonly clock: ActionClock;
}

const supports = new WeakMap<Machine, SchemeSupport>();

/** The machine's DAMOS state (created on first use, one per machine). */
export function schemeSupportOf(m: Machine): SchemeSupport {
  let s = supports.get(m);
  if (!s) {
    const cgroups = new MemoryCgroups();
    const clock = new ActionClock();
    s = { machine: m, cgroups, clock, metrics: new MachineMetrics(m, cgroups, clock) };
    supports.set(m, s);
  }
  return s;
}

/**
 * apply_scheme and get_scheme_score of an operations set of the simulated machine; the machine is
 * the one the context is bound to (src/ops/sim-binding.ts).
 */
export function schemeHandlers(
  kind: OpsKind,
): Required<Pick<OperationsSet<Scheme>, 'applyScheme' | 'getSchemeScore'>> {
  const scoreKind = kind === 'paddr' ? 'paddr' : 'vaddr';
  return {
    applyScheme(ctx: OpsContext, t: TargetView, i: number, s: Scheme) {
      checkActionSupported(kind, s.action);
      if (s.action === 'stat' && s.opsFilters.length === 0) return { applied: 0, filterPassed: 0 };
      const sup = schemeSupportOf(simBindingOf(ctx).machine);
      const env = { m: sup.machine, cgroups: sup.cgroups, clock: sup.clock };
      return kind === 'paddr' ? applyPaddr(env, ctx as DamonContext, t, i, s) : applyVaddr(env, t, i, s);
    },
    getSchemeScore(ctx: OpsContext, t: TargetView, i: number, s: Scheme) {
      return schemeScore(scoreKind, ctx as DamonContext, t, i, s);
    },
  };
}

export { ActionClock, destNode, ACTION_COST_NS } from './actions.js';
export { MachineMetrics, MAJOR_FAULT_STALL_US } from './machine-metrics.js';
export { MemoryCgroups } from './memcg.js';
export { hotScore, coldScore, schemeScore, DAMOS_MAX_SCORE } from './score.js';
export { opsFilterOut } from './filters.js';
export type { FilterPage } from './filters.js';
