/**
 * damo's default paddr region (damo:src/damo_pa_layout.py default_paddr_region): from the start of
 * the first "System RAM" entry of /proc/iomem to the end of the last one. Non-root readers see all
 * addresses as zero, which is reported rather than returned as an empty range.
 */
import { readFileSync } from 'node:fs';

export interface AddrRange {
  start: number;
  end: number;
}

/** The top-level "System RAM" ranges of an iomem listing, as half-open [start, end). */
export function systemRamRanges(iomem: string, source = '/proc/iomem'): AddrRange[] {
  const out: AddrRange[] = [];
  iomem.split('\n').forEach((line, i) => {
    const m = /^([0-9a-f]+)-([0-9a-f]+) : System RAM$/i.exec(line);
    if (!m) return;
    const start = parseInt(m[1]!, 16);
    const end = parseInt(m[2]!, 16) + 1;
    if (!(end > start)) throw new Error(`${source}:${i + 1}: bad System RAM range "${line}"`);
    out.push({ start, end });
  });
  return out;
}

/**
 * The System RAM ranges of an iomem file, refusing a listing without any and one whose addresses
 * read as zero (reading them needs root).
 */
export function readSystemRam(iomemPath = '/proc/iomem'): AddrRange[] {
  const ranges = systemRamRanges(readFileSync(iomemPath, 'utf8'), iomemPath);
  if (ranges.length === 0) throw new Error(`${iomemPath}: no "System RAM" entry`);
  if (ranges[0]!.start === 0 && ranges.every((r) => r.end === 1))
    throw new Error(`${iomemPath}: addresses read as zero (reading them needs root)`);
  return ranges;
}

/** The span damo monitors by default for paddr. */
export function defaultPaddrRegion(iomemPath = '/proc/iomem'): AddrRange {
  const ranges = readSystemRam(iomemPath);
  return { start: ranges[0]!.start, end: ranges[ranges.length - 1]!.end };
}
