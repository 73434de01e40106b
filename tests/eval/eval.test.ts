import { describe, expect, it } from 'vitest';
import { DEFAULT_SETUPS, runEval } from '../../src/eval/eval.js';
import { evalToJson, formatEval } from '../../src/eval/format.js';
import { parseSetup } from '../../src/eval/setups.js';
import { parseMasimConfig } from '../../src/workloads/masim-config.js';
import { MasimWorkload } from '../../src/workloads/masim-workload.js';

// A 64 KiB hot set (TLB-resident) between two 4 MiB cold halves; read-then-write on every line.
const CFG = `#regions
cold_lo, 4194304
hot, 65536
cold_hi, 4194304

#phases
p
3000
hot, 1, 4096, 98
cold_lo, 1, 4096, 1
cold_hi, 1, 4096, 1
`;
const workload = () => new MasimWorkload(parseMasimConfig(CFG, 'small-hot-cold'), { name: 'small-hot-cold' });
const machine = { accessesPerSecond: 1e6, memoryBytes: 64 << 20 };

describe('eval on a small hot set', () => {
  const r = runEval({ workload, machine, setups: DEFAULT_SETUPS });
  const by = (name: string) => r.setups.find((s) => s.name === name)!;

  it('runs every setup over the same windows of the same access stream', () => {
    expect(r.setups.map((s) => s.name)).toEqual(DEFAULT_SETUPS.map((s) => s.name));
    for (const s of r.setups) {
      expect(s.windows).toBe(29);
      expect(s.machineCosts.accesses).toBe(r.setups[0]!.machineCosts.accesses);
      expect(s.accuracy.maePct).toBeGreaterThanOrEqual(0);
      expect(s.accuracy.maePct).toBeLessThan(100);
    }
  });

  it('the TLB effect: page_fault finds the hot set that page_table misses', () => {
    const pt = by('page_table').accuracy;
    const pf = by('page_fault').accuracy;
    expect(pf.f1).toBeGreaterThanOrEqual(pt.f1);
    expect(pf.f1).toBeGreaterThan(0.5);
    expect(pt.recall).toBeLessThan(0.2);
  });

  it('write-only: PAGE_NONE loses writes to the preceding reads unless the reads re-arm it', () => {
    const none = by('write-only PAGE_NONE');
    const rfc = by('write-only PAGE_NONE RFC (not re-armed)');
    const wp = by('write-only write-protect');
    expect(none.protection).toBe('none');
    expect(rfc.protection).toBe('none');
    expect(wp.protection).toBe('write');
    // not re-armed, the read takes the fault and the write goes unseen
    expect(wp.accuracy.f1).toBeGreaterThan(rfc.accuracy.f1 + 0.3);
    expect(rfc.costs.rearms).toBe(0);
    // re-armed after the filtered read, the write faults again: as good as write-protect
    expect(none.accuracy.f1).toBeGreaterThan(wp.accuracy.f1 - 0.02);
    expect(none.costs.rearms).toBeGreaterThan(0);
    expect(none.reports.reportsFiltered).toBe(none.costs.rearms);
    expect(wp.reports.reportsFiltered).toBe(0);
  });

  it('the RFC variant also reports faults on protections of earlier samples, and over-reports cold memory', () => {
    const pf = by('page_fault');
    const rfc = by('page_fault RFC (stale kept)');
    // with stale faults dropped they are only counted; kept, they become reports
    expect(pf.costs.staleFaults).toBeGreaterThan(0);
    expect(rfc.costs.staleFaults).toBe(0);
    expect(rfc.reports.reportsApplied).toBeGreaterThan(pf.reports.reportsApplied);
    expect(rfc.accuracy.precision).toBeLessThan(pf.accuracy.precision);
  });

  it('costs: page_table pays in mkold and young checks, page_fault in protections and faults', () => {
    const pt = by('page_table');
    const pf = by('page_fault');
    expect(pt.costs.mkold).toBeGreaterThan(0);
    expect(pt.costs.youngChecks).toBeLessThanOrEqual(pt.costs.mkold);
    expect(pt.costs.protections).toBe(0);
    expect(pf.costs.mkold).toBe(0);
    expect(pf.costs.protections).toBeGreaterThan(0);
    expect(pf.costs.faults).toBe(pf.reports.reportsReceived);
    expect(pf.estimatedOverheadMs).toBeGreaterThan(pt.estimatedOverheadMs);
  });

  it('prints a table and JSON', () => {
    const t = formatEval(r);
    for (const s of DEFAULT_SETUPS) expect(t).toContain(s.name);
    expect(t).toMatch(/MAE %.*F1/);
    const j = JSON.parse(evalToJson(r));
    expect(j.setups[1].accuracy.f1).toBe(by('page_fault').accuracy.f1);
    expect(j.workload).toBe('small-hot-cold');
  });
});

describe('eval options', () => {
  it('shared isolation runs every setup on one machine', () => {
    const r = runEval({
      workload,
      machine,
      setups: [parseSetup('page_table'), parseSetup('page_fault')],
      isolation: 'shared',
      durationUs: 500_000,
    });
    expect(r.isolation).toBe('shared');
    expect(r.setups[0]!.machineCosts).toEqual(r.setups[1]!.machineCosts);
  });

  it('parses setup names and rejects unknown ones', () => {
    expect(parseSetup('paddr:cpus:0-1')).toEqual({
      name: 'paddr:cpus:0-1',
      ops: 'paddr',
      primitive: 'page_fault',
      filters: [{ type: 'cpumask', matching: true, allow: true, cpus: [0, 1] }],
    });
    expect(parseSetup('write_only:none').protection).toBe('none');
    expect(() => parseSetup('page_tables')).toThrow(/--setups: unknown setup "page_tables"/);
  });

  it('refuses filters that have no ground-truth view', () => {
    expect(() =>
      runEval({
        workload,
        machine,
        setups: [
          { name: 'x', primitive: 'page_fault', filters: [{ type: 'write', matching: true, allow: false }] },
        ],
      }),
    ).toThrow(/setup 'x'/);
  });
});
