/** Parsing of /proc/PID/maps and the task list of a process. */
import { readdirSync, readFileSync } from 'node:fs';

export interface MapsEntry {
  start: number;
  end: number;
  perms: string;
  inode: number;
  path: string;
}

/** Parses a /proc/PID/maps text; `where` names the file in errors. */
export function parseMaps(text: string, where: string): MapsEntry[] {
  const out: MapsEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+\S+\s+\S+\s+(\d+)\s*(.*)$/.exec(line);
    if (!m) throw new Error(`${where}:${i + 1}: not a maps line: ${line}`);
    out.push({
      start: parseInt(m[1]!, 16),
      end: parseInt(m[2]!, 16),
      perms: m[3]!,
      inode: Number(m[4]),
      path: m[5]!,
    });
  }
  return out;
}

/** Anonymous private writable mappings: what the uffd-wp helper registers (heap, stack, anon mmaps). */
export function isAnonPrivateWritable(e: MapsEntry): boolean {
  return (
    e.perms[1] === 'w' &&
    e.perms[3] === 'p' &&
    e.inode === 0 &&
    (e.path === '' || e.path === '[heap]' || e.path === '[stack]')
  );
}

export function readMaps(pid: number): MapsEntry[] {
  const path = `/proc/${pid}/maps`;
  return parseMaps(readFileSync(path, 'utf8'), path);
}

/** Thread ids of a process (empty when it is gone). */
export function processTids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** Whether the process exists and is not a zombie. */
export function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
