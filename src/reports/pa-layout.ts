/**
 * The physical address layout (damo's `report pa_layout`): the /proc/iomem resources that lie in
 * memory blocks, with the NUMA node and online state of their block, and damo's default paddr
 * monitoring range. Pure: the caller reads iomem and the memory blocks.
 */
import { fmtNr, fmtSz } from '../records/pyformat.js';

export interface MemoryBlock {
  nid: number;
  index: number;
  state: string;
}

export interface PaddrRange {
  start: number;
  end: number;
  nid: number | null;
  state: string | null;
  name: string;
}

function hexAddr(text: string, where: string): number {
  const t = text.trim();
  if (!/^[0-9a-f]+$/i.test(t)) throw new Error(`${where}: "${t}" is not a hexadecimal address`);
  return parseInt(t, 16);
}

/** Every `start-end : name` line of an iomem listing, nested ones included, as [start, end + 1). */
export function iomemRanges(text: string, source = '/proc/iomem'): PaddrRange[] {
  const out: PaddrRange[] = [];
  text.split('\n').forEach((line, i) => {
    const colon = line.indexOf(':');
    if (colon < 0) return;
    const addrs = line.slice(0, colon).split('-');
    if (addrs.length !== 2) return;
    const where = `${source}:${i + 1}`;
    const name = line.slice(colon + 1).trim();
    out.push({
      start: hexAddr(addrs[0]!, where),
      end: hexAddr(addrs[1]!, where) + 1,
      nid: null,
      state: null,
      name,
    });
  });
  return out;
}

/** Memory blocks as ranges, runs of one node and state merged, ordered by node then address. */
export function memoryBlockRanges(blocks: readonly MemoryBlock[], blockSize: number): PaddrRange[] {
  const sorted = blocks
    .map((b) => ({
      start: b.index * blockSize,
      end: (b.index + 1) * blockSize,
      nid: b.nid,
      state: b.state,
      name: '',
    }))
    .sort((a, b) => a.nid - b.nid || a.start - b.start);
  const merged: PaddrRange[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.end === r.start && last.nid === r.nid && last.state === r.state) last.end = r.end;
    else merged.push(r);
  }
  return merged;
}

/**
 * The resources inside a block range take its node and state; one that runs past the end of its
 * block is cut there and its rest looked up again. Resources outside every block are left out.
 */
export function placeResources(blocks: readonly PaddrRange[], resources: PaddrRange[]): PaddrRange[] {
  const todo = resources.map((r) => ({ ...r }));
  const placed: PaddrRange[] = [];
  // `todo` grows while it is walked: the cut-off rests are placed in turn.
  for (let i = 0; i < todo.length; i++) {
    const r = todo[i]!;
    for (const b of blocks) {
      if (b.start <= r.start && r.end <= b.end) {
        r.nid = b.nid;
        r.state = b.state;
        placed.push(r);
      } else if (b.start <= r.start && r.start < b.end && b.end < r.end) {
        todo.push({ start: b.end, end: r.end, nid: null, state: null, name: r.name });
        r.end = b.end;
        r.nid = b.nid;
        r.state = b.state;
        placed.push(r);
      }
    }
  }
  return placed.sort((a, b) => a.start - b.start);
}

/** damo's default paddr range: from the first top-level "System RAM" entry to the end of the last. */
export function defaultPaddrRange(iomem: string, source = '/proc/iomem'): [number, number] {
  let start: number | null = null;
  let end = 0;
  iomem.split('\n').forEach((line, i) => {
    const fields = line.split(':');
    if (fields.length !== 2 || !fields[1]!.trim().startsWith('System RAM')) return;
    const addrs = fields[0]!.split('-');
    if (addrs.length !== 2) return;
    const where = `${source}:${i + 1}`;
    start ??= hexAddr(addrs[0]!, where);
    end = hexAddr(addrs[1]!, where) + 1;
  });
  if (start === null) throw new Error(`${source}: no "System RAM" entry`);
  return [start, end];
}

/** The System RAM of node `nid`, touching pieces merged (damo's paddr_region_of). */
export function nodeRamRanges(placed: readonly PaddrRange[], nid: number): [number, number][] {
  const out: [number, number][] = [];
  for (const r of placed) {
    if (r.nid !== nid || !r.name.startsWith('System RAM')) continue;
    const last = out[out.length - 1];
    if (last && last[1] === r.start) last[1] = r.end;
    else out.push([r.start, r.end]);
  }
  return out;
}

/** The layout table and the default range line; `node` keeps one node's rows (0 keeps all, as damo). */
export function formatPaLayout(
  placed: readonly PaddrRange[],
  defaultRange: [number, number],
  raw: boolean,
  node?: number,
): string {
  const lines = [`#${'start'.padStart(14)} ${'end'.padStart(14)}\tnode\tstate\tresource\tsize`];
  for (const r of placed) {
    if (node && r.nid !== node) continue;
    lines.push(
      `${fmtSz(r.start, raw).padStart(15)} ${fmtSz(r.end, raw).padStart(15)}\t${fmtNr(r.nid!, raw)}\t${r.state}\t${r.name}\t${fmtSz(r.end - r.start, raw)}`,
    );
  }
  const [s, e] = defaultRange;
  lines.push(
    `Default paddr monitoring range: [${fmtSz(s, raw)}, ${fmtSz(e, raw)}) (size ${fmtSz(e - s, raw)})`,
  );
  return lines.join('\n') + '\n';
}

/** The `--numa_addr` listing: one `[start, end) (size)` line per System RAM range of the node. */
export function formatNodeRanges(ranges: readonly [number, number][], raw: boolean): string {
  return ranges
    .map(([s, e]) => `[${fmtSz(s, raw)}, ${fmtSz(e, raw)}) (size ${fmtSz(e - s, raw)})\n`)
    .join('');
}
