/**
 * Saving and restoring the kdamonds tree exactly as found. damon-ts changes the tree by writing
 * nr_kdamonds (which recreates every kdamond directory with defaults), so restoring means rebuilding:
 * each directory's nr_* files first (they recreate the children), then `operations` (the context's
 * other values are interpreted against it), then the other writable files, then the children; the
 * `state` of kdamonds found running is written `on` last, once the whole tree is back.
 * Read-only files (pid, stats, effective quotas) are listed but not restored; the tried regions
 * themselves are not even listed.
 */
import type { DamonSysfs } from './sysfs.js';

export interface TreeFile {
  path: string;
  value: string;
  writable: boolean;
}

/** Every readable file under `rel`, depth first, in restore order. */
export function readTree(fs: DamonSysfs, rel = 'kdamonds'): TreeFile[] {
  const out: TreeFile[] = [];
  const walk = (dir: string) => {
    const entries = fs.list(dir);
    const files = entries.filter((e) => !fs.isDir(`${dir}/${e}`));
    const rank = (name: string) =>
      name.startsWith('nr_') ? 0 : name === 'operations' ? 1 : name === 'state' ? 3 : 2;
    files.sort((a, b) => rank(a) - rank(b));
    for (const f of files) {
      const p = `${dir}/${f}`;
      const mode = fs.mode(p);
      if (!(mode & 0o444)) continue;
      out.push({ path: p, value: fs.read(p), writable: (mode & 0o222) !== 0 });
    }
    // Tried regions are the kernel's output (possibly thousands of directories), not configuration.
    if (dir.endsWith('/tried_regions')) return;
    for (const d of entries.filter((e) => fs.isDir(`${dir}/${e}`))) walk(`${dir}/${d}`);
  };
  walk(rel);
  return out;
}

/** `path=value` lines, for comparing the tree before and after. */
export function treeListing(fs: DamonSysfs, rel = 'kdamonds'): string[] {
  return readTree(fs, rel).map((f) => `${f.path}=${f.value}`);
}

/** Files that are bookkeeping of a running kdamond, not configuration. */
const NOT_RESTORED = /(^|\/)(state|pid)$|\/stats\/|\/tried_regions\/|\/effective_bytes$/;

/**
 * Rebuilds a saved tree: all kdamonds must be off (writing nr_kdamonds fails with EBUSY otherwise).
 * Kdamonds whose saved state was `on` are turned on again at the end.
 */
export function restoreTree(fs: DamonSysfs, saved: readonly TreeFile[]): void {
  for (const f of saved) {
    if (!f.writable || NOT_RESTORED.test(f.path)) continue;
    // An empty value (e.g. memcg_path) is the default of the freshly recreated file; a zero-length
    // write would not reach the kernel anyway.
    if (f.value !== '') fs.write(f.path, f.value);
  }
  for (const f of saved) {
    if (/^kdamonds\/\d+\/state$/.test(f.path) && f.value === 'on') fs.write(f.path, 'on');
  }
}

/** Indices and pids of kdamonds whose state is on. */
export function runningKdamonds(fs: DamonSysfs): { index: number; pid: number }[] {
  if (!fs.exists('kdamonds/nr_kdamonds')) return [];
  const n = Number(fs.read('kdamonds/nr_kdamonds'));
  const out: { index: number; pid: number }[] = [];
  for (let k = 0; k < n; k++) {
    if (fs.read(`kdamonds/${k}/state`) === 'on')
      out.push({ index: k, pid: Number(fs.read(`kdamonds/${k}/pid`)) });
  }
  return out;
}
