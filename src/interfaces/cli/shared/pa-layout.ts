/**
 * The physical address layout command (`report pa_layout`, and `pa_layout`, its deprecated
 * top-level name): options and action, shared by both registrations.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readMemoryBlocks, SYSFS_SYSTEM } from '../../../backends/kernel/numa-layout.js';
import {
  defaultPaddrRange,
  formatNodeRanges,
  formatPaLayout,
  iomemRanges,
  memoryBlockRanges,
  nodeRamRanges,
  placeResources,
} from '../../../reports/pa-layout.js';
import { UsageError } from '../../../config/errors.js';

const IOMEM = '/proc/iomem';

function nodeArg(v: string | undefined, option: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(v.trim())) throw new UsageError(`${option}: '${v}' is not an integer`);
  return Number(v);
}

function placedResources(iomem: string): ReturnType<typeof placeResources> {
  const mem = readMemoryBlocks(SYSFS_SYSTEM);
  if (mem === null)
    throw new Error(`${SYSFS_SYSTEM}/node does not exist: the kernel shows no NUMA memory blocks`);
  return placeResources(memoryBlockRanges(mem.blocks, mem.blockSize), iomemRanges(iomem, IOMEM));
}

export function addPaLayout(cmd: Command): Command {
  return cmd
    .description('show the physical address layout: iomem resources with their NUMA node and state')
    .option('--numa_node <node id>', 'print ranges of this numa node only')
    .option('--numa_addr <node id>', 'show only the System RAM ranges of this numa node')
    .option('--raw_number', 'print numbers without units')
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts report pa_layout\n  damon-ts report pa_layout --numa_addr 0 --raw_number',
    )
    .action((o: { numa_node?: string; numa_addr?: string; raw_number?: boolean }) => {
      const numaNode = nodeArg(o.numa_node, '--numa_node');
      const numaAddr = nodeArg(o.numa_addr, '--numa_addr');
      // Only root sees the addresses of /proc/iomem (others read zeros).
      if (process.geteuid?.() !== 0)
        throw new Error(`${IOMEM} shows its addresses to root only: run as root`);
      const iomem = readFileSync(IOMEM, 'utf8');
      const raw = o.raw_number === true;
      if (numaAddr !== undefined) {
        if (!existsSync(`${SYSFS_SYSTEM}/memory`))
          throw new Error(`${SYSFS_SYSTEM}/memory does not exist: the kernel needs CONFIG_MEMORY_HOTPLUG`);
        process.stdout.write(formatNodeRanges(nodeRamRanges(placedResources(iomem), numaAddr), raw));
        return;
      }
      process.stdout.write(
        formatPaLayout(placedResources(iomem), defaultPaddrRange(iomem, IOMEM), raw, numaNode),
      );
    });
}
