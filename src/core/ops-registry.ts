/**
 * The registry of operations sets by name (damon_register_ops / damon_select_ops): registering a
 * name twice is -EINVAL; selecting an unknown name is an error listing the known ones.
 */
import { einval } from './errors.js';
import type { OperationsSet } from './types.js';

const registry = new Map<string, OperationsSet<never>>();

export function registerOps<S>(ops: OperationsSet<S>): void {
  if (typeof ops.id !== 'string' || ops.id === '')
    throw einval('registerOps: ops.id must be a non-empty string');
  if (registry.has(ops.id)) throw einval(`registerOps: operations set '${ops.id}' is already registered`);
  registry.set(ops.id, ops as OperationsSet<never>);
}

/** Removes a registration (the kernel's test clears the slot this way); returns whether it existed. */
export function unregisterOps(id: string): boolean {
  return registry.delete(id);
}

export function getOps<S = unknown>(id: string): OperationsSet<S> {
  const ops = registry.get(id);
  if (!ops) {
    const known = [...registry.keys()].sort();
    throw einval(
      `unknown operations set '${id}' (known: ${known.length ? known.join(', ') : 'none registered'})`,
    );
  }
  return ops as OperationsSet<S>;
}

export function hasOps(id: string): boolean {
  return registry.has(id);
}

export function registeredOps(): string[] {
  return [...registry.keys()].sort();
}
