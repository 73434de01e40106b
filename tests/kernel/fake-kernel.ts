/**
 * An in-memory model of the DAMON sysfs tree of this machine's kernel (6.18, paddr only; the layout
 * of platform-notes B.1) for tests that must not need root: writing nr_* recreates children with
 * defaults, nr_kdamonds is EBUSY while a kdamond runs, `on` fails with EINVAL for an operations set
 * the kernel lacks, read-only files have mode 0400. It logs every write, so tests can check order.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DamonSysfs, SysfsError } from '../../src/backends/kernel/sysfs.js';

type Node = { dir: Map<string, Node> } | { file: string; mode: number };

const rw = (v: string | number): Node => ({ file: String(v), mode: 0o600 });
const ro = (v: string | number): Node => ({ file: String(v), mode: 0o400 });
const dir = (entries: Record<string, Node>): Node => ({ dir: new Map(Object.entries(entries)) });

function filterDir(): Node {
  return dir({
    type: rw('anon'),
    matching: rw('N'),
    allow: rw('N'),
    memcg_path: rw(''),
    addr_start: rw(0),
    addr_end: rw(0),
    damon_target_idx: rw(0),
    min: rw(0),
    max: rw(0),
  });
}
const CHILD: Record<string, () => Node> = {
  nr_kdamonds: () =>
    dir({ state: rw('off'), pid: ro(-1), refresh_ms: rw(0), contexts: dir({ nr_contexts: rw(0) }) }),
  nr_contexts: () =>
    dir({
      avail_operations: ro('paddr'),
      operations: rw('vaddr'),
      addr_unit: rw(1),
      monitoring_attrs: dir({
        intervals: dir({
          sample_us: rw(5000),
          aggr_us: rw(100000),
          update_us: rw(60000000),
          intervals_goal: dir({ access_bp: rw(0), aggrs: rw(0), min_sample_us: rw(0), max_sample_us: rw(0) }),
        }),
        nr_regions: dir({ min: rw(10), max: rw(1000) }),
      }),
      targets: dir({ nr_targets: rw(0) }),
      schemes: dir({ nr_schemes: rw(0) }),
    }),
  nr_targets: () => dir({ pid_target: rw(0), regions: dir({ nr_regions: rw(0) }) }),
  nr_regions: () => dir({ start: rw(0), end: rw(0) }),
  nr_schemes: () =>
    dir({
      action: rw('stat'),
      target_nid: rw(-1),
      apply_interval_us: rw(0),
      access_pattern: dir(
        Object.fromEntries(['sz', 'nr_accesses', 'age'].map((n) => [n, dir({ min: rw(0), max: rw(0) })])),
      ),
      quotas: dir({
        ms: rw(0),
        bytes: rw(0),
        reset_interval_ms: rw(0),
        effective_bytes: ro(0),
        weights: dir({ sz_permil: rw(0), nr_accesses_permil: rw(0), age_permil: rw(0) }),
        goals: dir({ nr_goals: rw(0) }),
      }),
      watermarks: dir({ metric: rw('none'), interval_us: rw(0), high: rw(0), mid: rw(0), low: rw(0) }),
      filters: dir({ nr_filters: rw(0) }),
      core_filters: dir({ nr_filters: rw(0) }),
      ops_filters: dir({ nr_filters: rw(0) }),
      dests: dir({ nr_dests: rw(0) }),
      stats: dir(
        Object.fromEntries(
          ['nr_tried', 'sz_tried', 'nr_applied', 'sz_applied', 'sz_ops_filter_passed', 'qt_exceeds'].map(
            (n) => [n, ro(0)],
          ),
        ),
      ),
      tried_regions: dir({ total_bytes: ro(0) }),
    }),
  nr_filters: filterDir,
  nr_goals: () =>
    dir({
      target_metric: rw('user_input'),
      target_value: rw(0),
      current_value: rw(0),
      nid: rw(0),
      path: rw(''),
    }),
  nr_dests: () => dir({ id: rw(0), weight: rw(0) }),
};

const fail = (op: 'read' | 'write', path: string, value: string | undefined, code: string) =>
  new SysfsError(op, `/fake/${path}`, value, code);

export class FakeKernel extends DamonSysfs {
  readonly writes: string[] = [];
  private readonly tree = dir({ kdamonds: dir({ nr_kdamonds: rw(0) }) }) as { dir: Map<string, Node> };
  private nextPid = 1000;
  /** Regions reported by update_schemes_tried_regions: (start,end) of target regions split in 2, nr_accesses from this. */
  accessesOf: (start: number) => number = () => 0;

  constructor() {
    super('/fake');
  }

  private node(rel: string): Node | undefined {
    let n: Node | undefined = this.tree;
    for (const part of rel.split('/').filter(Boolean)) {
      if (!n || !('dir' in n)) return undefined;
      n = n.dir.get(part);
    }
    return n;
  }

  private parentDir(rel: string): Map<string, Node> {
    const n = this.node(rel.split('/').slice(0, -1).join('/'));
    if (!n || !('dir' in n)) throw new Error(`fake kernel: no directory for ${rel}`);
    return n.dir;
  }

  override exists(rel: string): boolean {
    return this.node(rel) !== undefined;
  }

  override read(rel: string): string {
    const n = this.node(rel);
    if (!n || !('file' in n)) throw fail('read', rel, undefined, 'ENOENT');
    return n.file;
  }

  override list(rel: string): string[] {
    const n = this.node(rel);
    if (!n || !('dir' in n)) throw fail('read', rel, undefined, 'ENOENT');
    return [...n.dir.keys()].sort((a, b) =>
      /^\d+$/.test(a) && /^\d+$/.test(b) ? Number(a) - Number(b) : a < b ? -1 : 1,
    );
  }

  override isDir(rel: string): boolean {
    const n = this.node(rel);
    return n !== undefined && 'dir' in n;
  }

  override mode(rel: string): number {
    const n = this.node(rel);
    return n && 'file' in n ? n.mode : 0o755;
  }

  private running(): boolean {
    const nr = Number(this.read('kdamonds/nr_kdamonds'));
    for (let k = 0; k < nr; k++) if (this.read(`kdamonds/${k}/state`) === 'on') return true;
    return false;
  }

  override write(rel: string, value: string | number): void {
    const text = String(value);
    this.writes.push(`${rel}=${text}`);
    const n = this.node(rel);
    if (!n || !('file' in n)) throw fail('write', rel, text, 'ENOENT');
    if (!(n.mode & 0o200)) throw fail('write', rel, text, 'EACCES');
    const name = rel.split('/').pop()!;
    if (name.startsWith('nr_')) {
      if (name === 'nr_kdamonds' && this.running()) throw fail('write', rel, text, 'EBUSY');
      if (!/^\d+$/.test(text)) throw fail('write', rel, text, 'EINVAL');
      const parent = this.parentDir(rel);
      for (const k of [...parent.keys()]) if (/^\d+$/.test(k)) parent.delete(k);
      for (let i = 0; i < Number(text); i++) parent.set(String(i), CHILD[name]!());
      n.file = text;
      return;
    }
    if (/^kdamonds\/\d+\/state$/.test(rel)) return this.state(rel.split('/')[1]!, text);
    n.file = text;
  }

  private state(k: string, cmd: string): void {
    const base = `kdamonds/${k}`;
    const on = this.read(`${base}/state`) === 'on';
    const set = (rel: string, v: string | number) => {
      const n = this.node(rel) as { file: string };
      n.file = String(v);
    };
    switch (cmd) {
      case 'on': {
        if (on) throw fail('write', `${base}/state`, cmd, 'EBUSY');
        const nctx = Number(this.read(`${base}/contexts/nr_contexts`));
        for (let c = 0; c < nctx; c++) {
          const ops = this.read(`${base}/contexts/${c}/operations`);
          if (!this.read(`${base}/contexts/${c}/avail_operations`).split(' ').includes(ops))
            throw fail('write', `${base}/state`, cmd, 'EINVAL');
        }
        set(`${base}/state`, 'on');
        set(`${base}/pid`, this.nextPid++);
        return;
      }
      case 'off':
        set(`${base}/state`, 'off');
        set(`${base}/pid`, -1);
        return;
      case 'commit':
      case 'update_schemes_stats':
        if (!on) throw fail('write', `${base}/state`, cmd, 'EINVAL');
        return;
      case 'update_schemes_tried_regions': {
        if (!on) throw fail('write', `${base}/state`, cmd, 'EINVAL');
        const ctx = `${base}/contexts/0`;
        const regions: [number, number][] = [];
        const nt = Number(this.read(`${ctx}/targets/nr_targets`));
        for (let t = 0; t < nt; t++) {
          const nr = Number(this.read(`${ctx}/targets/${t}/regions/nr_regions`));
          for (let r = 0; r < nr; r++) {
            const s = Number(this.read(`${ctx}/targets/${t}/regions/${r}/start`));
            const e = Number(this.read(`${ctx}/targets/${t}/regions/${r}/end`));
            const mid = s + Math.floor((e - s) / 2);
            regions.push([s, mid], [mid, e]);
          }
        }
        const ns = Number(this.read(`${ctx}/schemes/nr_schemes`));
        for (let s = 0; s < ns; s++) {
          const td = this.node(`${ctx}/schemes/${s}/tried_regions`) as { dir: Map<string, Node> };
          for (const key of [...td.dir.keys()]) if (/^\d+$/.test(key)) td.dir.delete(key);
          regions.forEach(([a, b], i) =>
            td.dir.set(
              String(i),
              dir({
                start: ro(a),
                end: ro(b),
                nr_accesses: ro(this.accessesOf(a)),
                age: ro(i),
                sz_filter_passed: ro(0),
              }),
            ),
          );
          set(
            `${ctx}/schemes/${s}/tried_regions/total_bytes`,
            regions.reduce((x, [a, b]) => x + b - a, 0),
          );
        }
        return;
      }
      default:
        throw fail('write', `${base}/state`, cmd, 'EINVAL');
    }
  }
}

/** Writes the files of `fs` under `rel` into `dir`, as a sysfs tree a command can be pointed at. */
export function dump(fs: DamonSysfs, rel: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const e of fs.list(rel)) {
    const r = rel ? `${rel}/${e}` : e;
    if (fs.isDir(r)) dump(fs, r, join(dir, e));
    else writeFileSync(join(dir, e), fs.read(r) + '\n');
  }
}
