/** Shared helpers of the core tests. */
import { registerOps, hasOps } from '../../src/core/ops-registry.js';
import type { RegionRecord } from '../../src/core/region-list.js';
import type { OperationsSet } from '../../src/core/types.js';

/** A region record with zero counters unless given. */
export function rec(start: number, end: number, nrAccesses = 0, lastNrAccesses = 0, age = 0): RegionRecord {
  return { start, end, nrAccesses, lastNrAccesses, age };
}

/** Registers (once per process) an ops set by id and returns its id. */
export function ensureOps(ops: OperationsSet<never>): string {
  if (!hasOps(ops.id)) registerOps(ops);
  return ops.id;
}

/** A report-only ops set (no checkAccesses: contexts using it are fed from reports). */
export const REPORT_OPS = ensureOps({ id: 'test-reports' });

/** Expects fn to throw an Error with code EINVAL; returns its message. */
export function einvalMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if ((e as { code?: string }).code !== 'EINVAL') throw e;
    return (e as Error).message;
  }
  throw new Error('expected an EINVAL error');
}
