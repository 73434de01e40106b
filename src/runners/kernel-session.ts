/**
 * Whether a configuration can go to the kernel's own DAMON (src/backends/kernel, recordKernel),
 * which writes it to the DAMON sysfs tree and turns everything off again at the end.
 */
import { KernelDamon } from '../backends/kernel/control.js';
import type { KdamondsConfig } from '../config/schema.js';

/** True when this kernel has DAMON's sysfs interface with the ops the configuration asks for. */
export function kernelCanRun(config: KdamondsConfig): boolean {
  try {
    const f = new KernelDamon().features();
    return config.kdamonds.every((k) => k.contexts.every((c) => f.ops.includes(c.ops)));
  } catch {
    return false;
  }
}
