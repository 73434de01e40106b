/**
 * The machine's last-level caches, from the CPU cache sysfs (cpuN/cache/indexM/{level,size,
 * shared_cpu_list}): the highest cache level present, its size, and its domains (the CPU sets that
 * share one instance). A machine without that sysfs (some VMs and containers) has no answer.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CPU_SYSFS = '/sys/devices/system/cpu';

export interface LlcDomain {
  cpus: number[];
  sizeBytes: number;
}

export interface LlcInfo {
  level: number;
  /** Size of one instance (the largest, if instances differ). */
  sizeBytes: number;
  domains: LlcDomain[];
  source: string;
}

/** "32768K", "8M", "1024" (bytes) as sysfs writes cache sizes. */
export function parseCacheSize(text: string, where: string): number {
  const m = /^(\d+)\s*([KMG]?)$/i.exec(text.trim());
  if (!m) throw new Error(`${where}: cannot read the cache size '${text.trim()}'`);
  const unit = { '': 1, K: 1024, M: 1 << 20, G: 1 << 30 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * unit;
}

/** "0-3,8-11" as the kernel prints CPU lists. */
export function parseCpuList(text: string, where: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`${where}: cannot read the CPU list '${text.trim()}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/** The last-level cache of the CPUs under `root`, or null when the sysfs gives no cache info. */
export function readLlc(root = CPU_SYSFS): LlcInfo | null {
  if (!existsSync(root)) return null;
  const caches: { level: number; size: number; cpus: number[] }[] = [];
  for (const cpu of readdirSync(root).filter((d) => /^cpu\d+$/.test(d))) {
    const dir = join(root, cpu, 'cache');
    if (!existsSync(dir)) continue;
    for (const idx of readdirSync(dir).filter((d) => /^index\d+$/.test(d))) {
      const at = join(dir, idx);
      const read = (f: string) => readFileSync(join(at, f), 'utf8');
      if (!existsSync(join(at, 'level')) || !existsSync(join(at, 'size'))) continue;
      const type = existsSync(join(at, 'type')) ? read('type').trim() : 'Unified';
      if (type === 'Instruction') continue;
      caches.push({
        level: Number(read('level').trim()),
        size: parseCacheSize(read('size'), join(at, 'size')),
        cpus: existsSync(join(at, 'shared_cpu_list'))
          ? parseCpuList(read('shared_cpu_list'), join(at, 'shared_cpu_list'))
          : [Number(cpu.slice(3))],
      });
    }
  }
  if (caches.length === 0) return null;
  const level = Math.max(...caches.map((c) => c.level));
  const domains = new Map<string, LlcDomain>();
  for (const c of caches.filter((x) => x.level === level)) {
    const key = c.cpus.join(',');
    if (!domains.has(key)) domains.set(key, { cpus: c.cpus, sizeBytes: c.size });
  }
  const list = [...domains.values()].sort((a, b) => a.cpus[0]! - b.cpus[0]!);
  return { level, sizeBytes: Math.max(...list.map((d) => d.sizeBytes)), domains: list, source: root };
}
