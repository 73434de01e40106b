/**
 * willneed, hugepage, nohugepage and collapse schemes in a simulated monitoring session (fvaddr,
 * page_table sampling, the DAMOS engine applying at each aggregation) on a small workload: an
 * 8 MiB hot VMA whose upper half is first touched late, and a 4 MiB cold VMA.
 */
import { describe, expect, it } from 'vitest';
import { Machine, type Workload } from '../../src/backends/sim/machine.js';
import { optionsToKdamonds } from '../../src/config/damo-options.js';
import { SimSession } from '../../src/runners/sim-session.js';

const PAGE = 4096;
const MiB = 1 << 20;
const HUGE = 2 * MiB;
const H = 0x40000000;
const C = 0x80000000;
const LATE_US = 300_000;

class ThpWorkload implements Workload {
  readonly name = 'thp';
  pid = 0;
  constructor(private readonly opts: { late?: boolean; pageOutCold?: boolean; touchColdLate?: boolean }) {}
  get mainPid() {
    return this.pid;
  }
  setup(m: Machine): void {
    this.pid = m.createProcess('thp');
    m.mmap(this.pid, H, 8 * MiB);
    m.mmap(this.pid, C, 4 * MiB);
    m.access(this.pid, C, 4 * MiB, PAGE, 1024, true);
    if (this.opts.pageOutCold) for (let a = C; a < C + 4 * MiB; a += PAGE) m.pageOut(this.pid, a);
  }
  run(m: Machine, fromUs: number): boolean {
    m.access(this.pid, H, 4 * MiB, PAGE, 1024, true);
    if (fromUs >= LATE_US) {
      if (this.opts.late) m.access(this.pid, H + 4 * MiB, 4 * MiB, PAGE, 1024, true);
      if (this.opts.touchColdLate) m.access(this.pid, C, 4 * MiB, PAGE, 1024, false);
    }
    return true;
  }
}

function run(w: ThpWorkload, thp: boolean, opts: Parameters<typeof optionsToKdamonds>[0]) {
  const machine = new Machine({ memoryBytes: 64 * MiB, tlbEntries: 0, thp });
  machine.addWorkload(w);
  // min 3 / max 3 regions over 12 MiB: the regions are the three 4 MiB halves/VMAs, never split.
  const config = optionsToKdamonds(
    {
      ops: ['fvaddr'],
      regions: [`${H}-${H + 8 * MiB} ${C}-${C + 4 * MiB}`],
      minr: ['3'],
      maxr: ['3'],
      ...opts,
    },
    { kind: 'pid', pid: w.pid },
  );
  const s = new SimSession({ config, machine, seed: 3 });
  s.run(600_000);
  s.stop();
  return { m: machine, stat: s.schemes[0]!.schemes[0]!.stat, pid: w.pid };
}

const folio = (m: Machine, pid: number, a: number) => m.pte(pid, a)!.folioSize;

describe('THP and readahead schemes in a session', () => {
  it('hugepage: memory first touched after the scheme applied is mapped huge (thp=false)', () => {
    const { m, stat, pid } = run(new ThpWorkload({ late: true }), false, { damos_action: ['hugepage'] });
    expect(stat.nrSnapshots).toBeGreaterThan(2);
    // Every region is advised at each application: all of their bytes count as applied.
    expect([stat.nrTried, stat.nrApplied]).toEqual([3 * stat.nrSnapshots, 3 * stat.nrSnapshots]);
    expect(stat.szApplied).toBe(12 * MiB * stat.nrSnapshots);
    expect(folio(m, pid, H)).toBe(PAGE);
    expect(folio(m, pid, H + 4 * MiB)).toBe(HUGE);
    expect(folio(m, pid, H + 6 * MiB)).toBe(HUGE);
  });

  it('nohugepage: late memory stays small on a thp=true machine; early huge folios stay', () => {
    const { m, stat, pid } = run(new ThpWorkload({ late: true }), true, { damos_action: ['nohugepage'] });
    expect(stat.szApplied).toBe(12 * MiB * stat.nrSnapshots);
    expect(folio(m, pid, H)).toBe(HUGE);
    expect(folio(m, pid, C)).toBe(HUGE);
    expect(folio(m, pid, H + 4 * MiB)).toBe(PAGE);
  });

  it('collapse of the hot region: two 2 MiB folios, applied once', () => {
    const { m, stat, pid } = run(new ThpWorkload({}), false, {
      damos_action: ['collapse'],
      damos_access_rate: ['50%', '100%'],
    });
    expect([stat.nrApplied, stat.szApplied]).toEqual([1, 4 * MiB]);
    expect(stat.nrTried).toBeGreaterThan(1); // tried again later, nothing left to collapse
    expect(m.costs.collapses).toBe(2);
    expect([folio(m, pid, H), folio(m, pid, H + HUGE), folio(m, pid, C)]).toEqual([HUGE, HUGE, PAGE]);
    expect(m.translate(pid, H + HUGE + 77 * PAGE)).toBe(m.translate(pid, H + HUGE) + 77 * PAGE);
  });

  it('willneed of the paged-out cold region: read back once, later accesses take no major fault', () => {
    const { m, stat, pid } = run(new ThpWorkload({ pageOutCold: true, touchColdLate: true }), false, {
      damos_action: ['willneed'],
    });
    expect([stat.nrApplied, stat.szApplied]).toEqual([1, 4 * MiB]);
    expect(m.costs.swapIns).toBe(1024);
    expect(m.costs.majorFaults).toBe(0);
    expect(m.pte(pid, C)!.present).toBe(true);
  });

  it('without the willneed scheme the same accesses are major faults', () => {
    const { m } = run(new ThpWorkload({ pageOutCold: true, touchColdLate: true }), false, {
      damos_action: ['stat'],
    });
    expect(m.costs.majorFaults).toBe(1024);
  });
});
