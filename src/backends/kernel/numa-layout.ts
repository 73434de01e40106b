/**
 * Physical memory of each NUMA node, for damo's `--numa_node` (damo:src/_damo_paddr_layout.py
 * paddr_region_of): the "System RAM" ranges of /proc/iomem cut at the node boundaries that the memory
 * blocks of /sys/devices/system/node/nodeN/memoryM give (block M covers [M*bs, (M+1)*bs), bs the hex
 * value of /sys/devices/system/memory/block_size_bytes). System RAM outside every block belongs to no
 * node. Like damo, the blocks' online/offline state is not looked at: DAMON's paddr skips offline
 * pages by itself.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AddrRange, defaultPaddrRegion, readSystemRam } from './iomem.js';

export const SYSFS_SYSTEM = '/sys/devices/system';

/** Which node owns each memory block. */
export interface MemoryBlockLayout {
  blockSize: number;
  /** Node ids that have a nodeN directory, ascending (memoryless nodes included). */
  nodes: number[];
  /** Block index → node id. */
  blockNode: Map<number, number>;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    throw new Error(`${dir}: cannot list (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The node → memory-block map under a sysfs root (`<root>/node`), or null without NUMA sysfs. */
export function readMemoryBlockLayout(sysfsRoot = SYSFS_SYSTEM): MemoryBlockLayout | null {
  const nodeDir = join(sysfsRoot, 'node');
  if (!existsSync(nodeDir)) return null;
  const bsFile = join(sysfsRoot, 'memory', 'block_size_bytes');
  const bsText = readText(bsFile).trim();
  const blockSize = /^(0x)?[0-9a-f]+$/i.test(bsText) ? parseInt(bsText, 16) : NaN;
  if (!(blockSize > 0) || !Number.isSafeInteger(blockSize))
    throw new Error(`${bsFile}: expected a positive hexadecimal block size, got "${bsText}"`);
  const nodes: number[] = [];
  const blockNode = new Map<number, number>();
  for (const name of listDir(nodeDir)) {
    const n = /^node(\d+)$/.exec(name);
    if (!n) continue;
    const nid = Number(n[1]);
    nodes.push(nid);
    // memory_failure, memory_side_cache and the like are not blocks.
    for (const entry of listDir(join(nodeDir, name))) {
      const m = /^memory(\d+)$/.exec(entry);
      if (!m) continue;
      const index = Number(m[1]);
      if (!Number.isSafeInteger(index * blockSize) || !Number.isSafeInteger((index + 1) * blockSize))
        throw new Error(`${join(nodeDir, name, entry)}: block ${index} lies beyond 2^53 bytes`);
      const other = blockNode.get(index);
      if (other !== undefined)
        throw new Error(`${join(nodeDir, name, entry)}: block ${index} is also in node${other}`);
      blockNode.set(index, nid);
    }
  }
  nodes.sort((a, b) => a - b);
  return { blockSize, nodes, blockNode };
}

/** Every memory block of every node with its online state (damo's `pa_layout` table). */
export function readMemoryBlocks(
  sysfsRoot = SYSFS_SYSTEM,
): { blockSize: number; blocks: { nid: number; index: number; state: string }[] } | null {
  const layout = readMemoryBlockLayout(sysfsRoot);
  if (layout === null) return null;
  const blocks = [...layout.blockNode].map(([index, nid]) => ({
    nid,
    index,
    state: readText(join(sysfsRoot, 'node', `node${nid}`, `memory${index}`, 'state')).trim(),
  }));
  return { blockSize: layout.blockSize, blocks };
}

/** Appends a range, merging it into the last one when they touch. */
function pushMerged(out: AddrRange[], start: number, end: number): void {
  const last = out[out.length - 1];
  if (last && last.end === start) last.end = end;
  else out.push({ start, end });
}

/**
 * The System RAM of each node of the layout (every node of `layout.nodes` has an entry, maybe
 * empty): sorted, disjoint, contiguous pieces merged.
 */
export function numaNodeRanges(
  ram: readonly AddrRange[],
  layout: MemoryBlockLayout,
): Map<number, AddrRange[]> {
  const out = new Map<number, AddrRange[]>(layout.nodes.map((nid) => [nid, []]));
  const bs = layout.blockSize;
  // Runs of consecutive blocks of one node, ascending.
  const runs: { start: number; end: number; nid: number }[] = [];
  for (const index of [...layout.blockNode.keys()].sort((a, b) => a - b)) {
    const nid = layout.blockNode.get(index)!;
    const last = runs[runs.length - 1];
    if (last && last.nid === nid && last.end === index * bs) last.end += bs;
    else runs.push({ start: index * bs, end: (index + 1) * bs, nid });
  }
  const sortedRam = [...ram].sort((a, b) => a.start - b.start);
  let j = 0;
  for (const r of sortedRam) {
    while (j < runs.length && runs[j]!.end <= r.start) j++;
    for (let k = j; k < runs.length && runs[k]!.start < r.end; k++) {
      const run = runs[k]!;
      pushMerged(out.get(run.nid)!, Math.max(r.start, run.start), Math.min(r.end, run.end));
    }
  }
  return out;
}

export interface NumaSources {
  /** The /proc/iomem listing to read (default /proc/iomem). */
  iomem?: string;
  /** The sysfs directory holding node/ and memory/ (default /sys/devices/system). */
  sysfsRoot?: string;
}

/**
 * The System RAM ranges of node `nid` (damo's paddr_region_of); [] for a node without memory or
 * without a nodeN directory. Without NUMA sysfs, node 0 is all System RAM and other nodes an error.
 */
export function numaNodePaddrRegions(nid: number, o: NumaSources = {}): AddrRange[] {
  const iomemPath = o.iomem ?? '/proc/iomem';
  const ram = readSystemRam(iomemPath);
  const root = o.sysfsRoot ?? SYSFS_SYSTEM;
  const layout = readMemoryBlockLayout(root);
  if (layout === null) {
    if (nid !== 0)
      throw new Error(`${join(root, 'node')} does not exist (no NUMA sysfs): only node 0, all System RAM`);
    const all: AddrRange[] = [];
    for (const r of [...ram].sort((a, b) => a.start - b.start)) pushMerged(all, r.start, r.end);
    return all;
  }
  return numaNodeRanges(ram, layout).get(nid) ?? [];
}

/**
 * The kernel's paddr regions provider for optionsToKdamonds: damo's default System RAM span, or the
 * ranges of the node given with --numa_node.
 */
export function kernelPaddrRegions(o: NumaSources = {}): (numaNode?: number) => AddrRange[] {
  return (numaNode) =>
    numaNode === undefined ? [defaultPaddrRegion(o.iomem)] : numaNodePaddrRegions(numaNode, o);
}
