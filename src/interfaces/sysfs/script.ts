/**
 * sysfs scripts: lines `write PATH VALUE` and `read PATH` run in order against one tree, one
 * output line per input line: `ok`, the value read (a multi-line file, like avail_operations, is
 * joined with spaces), or `error: ERRNO`. Blank lines and `#` comments are echoed unchanged so
 * outputs stay aligned with inputs. The same runner drives the real kernel tree (parity tests).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_DAMON_ADMIN } from '../../backends/kernel/sysfs.js';
import { join } from 'node:path';
import { errnoOf } from './errno.js';
import { normalizeSysfsPath, type VirtualSysfs } from './tree.js';

/** What a script runs against: both throw an Error whose `code` is the errno. */
export interface SysfsIo {
  read(path: string): string;
  write(path: string, value: string): void;
}

export function virtualIo(tree: VirtualSysfs): SysfsIo {
  return { read: (p) => tree.readRaw(p), write: (p, v) => tree.writeRaw(p, v) };
}

/** The kernel's tree under `root` (default /sys/kernel/mm/damon/admin), through plain file I/O. */
export function kernelIo(root = DEFAULT_DAMON_ADMIN): SysfsIo {
  return {
    read: (p) => readFileSync(join(root, normalizeSysfsPath(p)), 'utf8').replace(/\n$/, ''),
    write: (p, v) => writeFileSync(join(root, normalizeSysfsPath(p)), v),
  };
}

/** Parses a script line: null for blank/comment lines; throws naming the line otherwise. */
export function parseScriptLine(
  line: string,
  where: string,
): { op: 'read'; path: string } | { op: 'write'; path: string; value: string } | null {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return null;
  const m = /^(read|write)\s+(\S+)(?:\s(.*))?$/.exec(t);
  if (!m) throw new Error(`${where}: expected "read PATH" or "write PATH VALUE", got "${t}"`);
  if (m[1] === 'read') {
    if (m[3] !== undefined && m[3].trim() !== '') throw new Error(`${where}: "read" takes only a path`);
    return { op: 'read', path: m[2]! };
  }
  if (m[3] === undefined) throw new Error(`${where}: "write" needs a value`);
  return { op: 'write', path: m[2]!, value: m[3] };
}

/** Runs the script; `source` names it in syntax errors (file:line). */
export function runSysfsScript(text: string, io: SysfsIo, source = 'script'): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const parsed = lines.map((l, i) => parseScriptLine(l, `${source}:${i + 1}`));
  return parsed.map((cmd, i) => {
    if (!cmd) return lines[i]!.trim();
    try {
      if (cmd.op === 'read') return io.read(cmd.path).split('\n').join(' ');
      io.write(cmd.path, cmd.value);
      return 'ok';
    } catch (e) {
      return `error: ${errnoOf(e)}`;
    }
  });
}
