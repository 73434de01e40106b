import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/backends/sim/machine.js';
import { optionsToKdamonds } from '../../src/config/damo-options.js';
import { contextFromConfig, sampleFilterOf } from '../../src/runners/contexts.js';
import { SimSession } from '../../src/runners/sim-session.js';
import type { RecordHeader, Snapshot } from '../../src/records/types.js';
import { A, B, SPAN, TouchWorkload } from '../ops/helpers.js';

class MemSink {
  snaps: { h: RecordHeader; s: Snapshot }[] = [];
  addSnapshot(h: RecordHeader, s: Snapshot): void {
    this.snaps.push({ h, s: structuredClone(s) });
  }
}

function session(w: TouchWorkload, opts: Parameters<typeof optionsToKdamonds>[0], sink: MemSink) {
  const machine = new Machine({ memoryBytes: 64 << 20, tlbEntries: 0 });
  machine.addWorkload(w);
  const config = optionsToKdamonds(
    { ops: ['fvaddr'], regions: [`${A}-${A + SPAN} ${B}-${B + SPAN}`], ...opts },
    { kind: 'pid', pid: w.pid! },
  );
  return new SimSession({ config, machine, sink, seed: 3 });
}

/** Regions fully inside [lo, hi) of the snapshots after the first. */
function inside(sink: MemSink, lo: number, hi: number) {
  return sink.snaps.slice(1).flatMap(({ s }) => s.regions.filter((r) => r.start >= lo && r.end <= hi));
}

describe('simulated monitoring session', () => {
  it('records one snapshot per aggregation with damo header fields', () => {
    const sink = new MemSink();
    const s = session(new TouchWorkload([{ region: A, write: false, thread: 0 }]), {}, sink);
    s.run(1_000_000);
    s.stop();
    expect(sink.snaps.length).toBe(10);
    const { h, s: snap } = sink.snaps[3]!;
    expect(h).toMatchObject({ kdamond_idx: 0, context_idx: 0, target_id: 0, scheme_idx: null });
    expect(h.intervals).toMatchObject({ sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 });
    expect(snap.end_time - snap.start_time!).toBe(100_000_000);
    expect(
      inside(sink, A, A + SPAN).every((r) => r.nr_accesses.samples === 20 && r.nr_accesses.percent === 100),
    ).toBe(true);
    expect(inside(sink, B, B + SPAN).every((r) => r.nr_accesses.samples === 0)).toBe(true);
    // page_table contexts carry no breakdown
    expect(snap.regions.every((r) => r.damon_ts === undefined)).toBe(true);
  });

  it('report-fed contexts get the per-CPU, per-thread and write breakdown', () => {
    const sink = new MemSink();
    const w = new TouchWorkload(
      [
        { region: A, write: true, thread: 0 },
        { region: B, write: false, thread: 1 },
      ],
      [0, 1],
    );
    const s = session(w, { sample_primitives: ['page_fault'] }, sink);
    s.run(600_000);
    s.stop();
    const a = inside(sink, A, A + SPAN);
    const b = inside(sink, B, B + SPAN);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    for (const r of a) {
      expect(r.nr_accesses.samples).toBe(20);
      expect(r.damon_ts).toEqual({ writes: 20, cpus: { '0': 20 }, tids: { [String(w.tids[0])]: 20 } });
    }
    for (const r of b)
      expect(r.damon_ts).toEqual({ writes: 0, cpus: { '1': 20 }, tids: { [String(w.tids[1])]: 20 } });
  });

  it("ends when the workload's process exits (vaddr target invalid)", () => {
    const machine = new Machine({ memoryBytes: 64 << 20 });
    const w = new TouchWorkload([{ region: A, write: false, thread: 0 }], [0], 300_000);
    machine.addWorkload(w);
    const config = optionsToKdamonds({}, { kind: 'pid', pid: w.pid! });
    const s = new SimSession({ config, machine });
    s.run(10_000_000);
    expect(s.done).toBe(true);
    expect(s.contexts[0]!.isStopped).toBe(true);
    expect(machine.now).toBeLessThan(1_000_000);
  });
});

describe('contexts from a kdamonds configuration', () => {
  it('maps intervals, nr_regions, primitives, filters and addr_unit', () => {
    const config = optionsToKdamonds(
      {
        sample: ['10ms'],
        aggr: ['200ms'],
        minr: ['5'],
        maxr: ['50'],
        sample_primitives: ['page_fault'],
        exp_ops_cpus: ['0-1'],
        exp_ops_write_only: true,
        damon_addr_unit: ['4'],
      },
      { kind: 'paddr' },
      { paddrRegions: () => [{ start: 0, end: 1 << 20 }] },
    );
    const ctx = contextFromConfig(config.kdamonds[0]!.contexts[0]!);
    expect(ctx.attrs).toMatchObject({
      sampleInterval: 10000,
      aggrInterval: 200000,
      minNrRegions: 5,
      maxNrRegions: 50,
    });
    expect(ctx.primitives).toEqual({ pageTable: false, pageFault: true });
    expect(ctx.addrUnit).toBe(4);
    expect(ctx.sampleFilters).toEqual([
      { type: 'write', matching: false, allow: false },
      { type: 'cpumask', matching: true, allow: true, cpus: [0, 1] },
    ]);
    expect(ctx.targets[0]!.pid).toBeNull();
    expect(sampleFilterOf({ type: 'threads', matching: false, allow: false, tid_arr: [7] })).toEqual({
      type: 'threads',
      matching: false,
      allow: false,
      tids: [7],
    });
  });

  it('applies the DAMOS schemes of the configuration to the machine', () => {
    const sink = new MemSink();
    const w = new TouchWorkload([{ region: A, write: true, thread: 0 }]);
    const s = session(w, { damos_action: ['pageout'], damos_access_rate: ['90%', '100%'] }, sink);
    s.run(1_000_000);
    s.stop();
    const engine = s.schemes[0]!;
    expect(engine).not.toBeNull();
    const stat = engine.schemes[0]!.stat;
    // only the always-touched region A matches the pattern; paging it out makes the next touches major faults
    expect(stat.nrTried).toBeGreaterThan(0);
    expect(stat.szApplied).toBeGreaterThan(0);
    expect(stat.szTried).toBeLessThanOrEqual(stat.nrTried * SPAN);
    expect(s.machine.costs.majorFaults).toBeGreaterThan(0);
  });

  it('has no DAMOS engine for contexts without schemes', () => {
    const s = session(new TouchWorkload([{ region: A, write: false, thread: 0 }]), {}, new MemSink());
    expect(s.schemes).toEqual([null]);
    s.stop();
  });
});
