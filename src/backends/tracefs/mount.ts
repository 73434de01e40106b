/**
 * Finding tracefs, or mounting it for the lifetime of this process.
 *
 * Choice: when tracefs is not mounted anywhere we mount it on a private, fresh directory under the
 * system temp dir rather than on /sys/kernel/tracing. Several damon-ts processes (and other tools) may
 * run at once; a shared mount point could be unmounted by one of them while another still uses it.
 * A private mount point is ours alone, so unmounting it on cleanup never disturbs anybody. All tracefs
 * mounts show the same trace instances, so nothing else changes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExitCleanup } from './exit-cleanup.js';

export interface Tracefs {
  /** Directory of the tracefs root (holds `events/`, `instances/`, `per_cpu/`, ...). */
  readonly root: string;
  /** True when this process mounted it (it is unmounted when the last user releases it). */
  readonly mountedHere: boolean;
  /** Drops this user's reference; the mount made here goes away with the last reference. */
  release(): void;
}

/** Decodes the octal escapes (\040 for a space, ...) of /proc/self/mounts fields. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points of tracefs listed in a /proc/self/mounts text, in file order. */
export function tracefsMountPoints(mountsText: string): string[] {
  const out: string[] = [];
  for (const line of mountsText.split('\n')) {
    const f = line.split(' ');
    if (f.length >= 3 && f[2] === 'tracefs') out.push(unescapeMountField(f[1]!));
  }
  return out;
}

/** An existing tracefs root: a tracefs mount point, or debugfs's tracing dir; null if none. */
export function findTracefs(mountsPath = '/proc/self/mounts'): string | null {
  const points = tracefsMountPoints(readFileSync(mountsPath, 'utf8'));
  const preferred = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
  for (const p of preferred) if (points.includes(p) && existsSync(join(p, 'events'))) return p;
  for (const p of points) if (existsSync(join(p, 'events'))) return p;
  return null;
}

let shared: { root: string; mountedHere: boolean; refs: number; unregister: () => void } | null = null;

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  rmdirSync(dir);
}

/**
 * Returns a tracefs root, mounting tracefs on a private directory when it is not mounted. Each call
 * takes a reference; call release() once done. Throws an Error naming the mount attempt on failure
 * (not root, tracefs not built in).
 */
export function openTracefs(): Tracefs {
  if (!shared) {
    const found = findTracefs();
    if (found) {
      shared = { root: found, mountedHere: false, refs: 0, unregister: () => undefined };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'damon-ts-tracefs-'));
      try {
        execFileSync('mount', ['-t', 'tracefs', 'nodev', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (e) {
        rmdirSync(dir);
        const why =
          e instanceof Error && 'stderr' in e ? String((e as { stderr: unknown }).stderr).trim() : String(e);
        throw new Error(`tracefs: not mounted, and 'mount -t tracefs nodev ${dir}' failed: ${why}`);
      }
      const unregister = registerExitCleanup(() => unmount(dir));
      shared = { root: dir, mountedHere: true, refs: 0, unregister };
    }
  }
  const s = shared;
  s.refs++;
  let released = false;
  return {
    root: s.root,
    mountedHere: s.mountedHere,
    release() {
      if (released) return;
      released = true;
      if (--s.refs > 0) return;
      if (shared === s) shared = null;
      s.unregister();
    },
  };
}
