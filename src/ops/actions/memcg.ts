/**
 * Simulated memory cgroups for the memcg filter and the node_memcg goal metrics: each process
 * belongs to one cgroup path (default "/", the root cgroup); a frame belongs to the cgroup of the
 * process that maps it first (the kernel charges a folio to one memcg).
 */
export class MemoryCgroups {
  private readonly byTgid = new Map<number, string>();
  private readonly ids = new Map<string, number>([['/', 1]]);

  /** Moves a process into cgroup `path` (created on first use). */
  assign(tgid: number, path: string): void {
    const p = normalizeCgroupPath(path);
    if (!this.ids.has(p)) this.ids.set(p, this.ids.size + 1);
    this.byTgid.set(tgid, p);
  }

  pathOf(tgid: number): string {
    return this.byTgid.get(tgid) ?? '/';
  }

  /** The cgroup id of a path, or 0 when no such cgroup exists (the kernel's failed lookup). */
  idOf(path: string): number {
    return this.ids.get(normalizeCgroupPath(path)) ?? 0;
  }
}

export function normalizeCgroupPath(path: string): string {
  const p = '/' + path.split('/').filter(Boolean).join('/');
  return p;
}
