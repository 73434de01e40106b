/**
 * A core context bound to a simulated machine, the way every simulated run starts one: the
 * simulated operations sets registered, the context's ops on the machine's page tables and faults
 * (src/ops), its virtual clock at the machine's time. Sessions, the sysfs host and eval's lanes all
 * start their contexts here.
 */
import type { Machine } from '../backends/sim/machine.js';
import { DamonContext, type ContextOptions } from '../core/context.js';
import { registerSimOps } from '../ops/register.js';
import { attachMachine, type SimBinding, type SimOpsOptions } from '../ops/sim-binding.js';

/** Binds a context built elsewhere (from a configuration, from sysfs files) to the machine. */
export function bindSimContext(ctx: DamonContext, machine: Machine, opts: SimOpsOptions = {}): SimBinding {
  const binding = attachMachine(ctx, machine, opts);
  ctx.now = machine.now;
  return binding;
}

/** A new context on the machine. */
export function newSimContext(
  machine: Machine,
  options: ContextOptions,
  opts: SimOpsOptions = {},
): { ctx: DamonContext; binding: SimBinding } {
  registerSimOps();
  const ctx = new DamonContext(options);
  return { ctx, binding: bindSimContext(ctx, machine, opts) };
}
