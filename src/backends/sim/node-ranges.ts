/**
 * Physical address ranges of the simulated machine's NUMA nodes: its RAM is split evenly over the
 * nodes in order (physical-memory.ts: node n owns frames [n*framesPerNode, (n+1)*framesPerNode)), so
 * each node is one contiguous range; the paddr ops use frame addresses.
 */
import type { MachineConfig } from './config.js';

type Layout = Pick<MachineConfig, 'memoryBytes' | 'nodes'>;

/** [start, end) of node `nid`, or null when the machine has no such node. */
export function simNodeRange(c: Layout, nid: number): { start: number; end: number } | null {
  if (!Number.isInteger(nid) || nid < 0 || nid >= c.nodes) return null;
  const per = c.memoryBytes / c.nodes;
  return { start: nid * per, end: (nid + 1) * per };
}

/**
 * The simulated machine's paddr regions provider for optionsToKdamonds: all of its RAM, or the node
 * given with --numa_node ([] for a node it does not have).
 */
export function simPaddrRegions(machine: {
  readonly config: Layout;
}): (numaNode?: number) => { start: number; end: number }[] {
  return (numaNode) => {
    if (numaNode === undefined) return [{ start: 0, end: machine.config.memoryBytes }];
    const r = simNodeRange(machine.config, numaNode);
    return r ? [r] : [];
  };
}
