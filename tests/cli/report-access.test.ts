/**
 * `damon-ts report access` prints what damo 3.3 prints, byte for byte, for every style and the options
 * that shape the text, on a vaddr record of the simulated machine (address gaps in the heatmap line) and
 * on a damo-made-like snapshot record (epoch times, tuned intervals, DAMOS filters and their passed
 * bytes, two targets, damon_stat). damo runs live, all its runs in one Python process (damo-report.py).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damoSrc } from '../damo.js';
import { damoAbsent, dts, repo } from './damo-golden.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'damon-ts-access-'));
const vaddr = join(dir, 'hc.data');
const snap = join(dir, 'snap.data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A record as damo's live snapshots write it: epoch ns, per-snapshot sample intervals, filters. */
function snapshotRecord(): string {
  const base = 1733400000123456789n;
  const region = (
    s: number,
    e: number,
    n: number,
    p: number,
    ageUs: number,
    aggrs: number,
    passed: number,
  ) => ({
    start: String(s),
    end: String(e),
    nr_accesses: { samples: n, percent: p },
    age: { usec: String(ageUs), aggr_intervals: String(aggrs) },
    probe_hits: [],
    sz_filter_passed: String(passed),
  });
  const records = [0, 1].map((t) => ({
    kdamond_idx: 0,
    context_idx: 0,
    intervals: {
      sample_us: '50000',
      aggr_us: '3000000',
      ops_update_us: '1000000',
      intervals_goal: { access_bp: '0.04', aggrs: '3', min_sample_us: '5000', max_sample_us: '10000000' },
    },
    scheme_idx: 0,
    target_id: t,
    scheme_filters: [
      { filter_type: 'anon', matching: true, allow: true, memcg_path: null, address_range: null },
      { filter_type: 'addr', matching: false, allow: false, address_range: { start: '0', end: '4096' } },
    ],
    snapshots: [0, 1, 2].map((i) => {
      const st = base + BigInt(i) * 3000000000n + BigInt(t * 7);
      return {
        start_time: String(st),
        end_time: String(st + BigInt(2950000000 + i * 400000000)),
        regions: [
          region(0x10000, 0x30000, 0, 0, 162000000 + i * 3000000, 54 + i, 0x8000),
          region(0x30000, 0x80000, 3 + i, 5, 0, 0, 0),
          region(0x7f0000000000, 0x7f0000100000, 12, 20, 6000000, 2, 0x100000),
          region(0x7f0000100000, 0x7f0000101000, 0, 0, 3000000, 1, 0),
        ],
        total_bytes: null,
        damos_stats: null,
        sample_interval_us: t === 0 ? String(50000 + i * 10000) : null,
      };
    }),
    data_source: t === 1 ? 'damon_stat' : 'unknown',
  }));
  return JSON.stringify(records, null, 4);
}

beforeAll(() => {
  const r = dts(['record', '--workload', 'hot-cold', '--timeout', '1', '-o', vaddr]);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(snap, deflateSync(snapshotRecord()));
}, 300_000);

// cold-memory-tail and idle-time-percentiles are damo's other names of recency-sz-hist and
// recency-percentiles (one code path each, checked in the options test below)
const STYLES = [
  'detailed',
  'simple-boxes',
  'temperature-sz-hist',
  'recency-sz-hist',
  'recency-percentiles',
  'temperature-percentiles',
  'cold',
  'hot',
];

const CASES: [string, string[]][] = [
  ...STYLES.map((s): [string, string[]] => [snap, ['--style', s]]),
  [vaddr, []],
  [vaddr, ['--style', 'temperature-sz-hist', '--hist_cumulate']],
  [vaddr, ['--style', 'recency-sz-hist', '--hist_cumulate', '--hist_logscale', '--raw_number']],
  [vaddr, ['--style', 'recency-percentiles', '--percentiles_range', '0', '101', '10']],
  [snap, ['--style', 'temperature-percentiles', '--percentiles_range', '5', '10', '20', '90', '99']],
  [vaddr, ['--total_sz_only']],
  [snap, ['--raw_number']],
  [snap, ['--json']],
  [
    snap,
    [
      '--format',
      'set',
      'region',
      '<index> <temperature> <access rate> <end address>|',
      '--format',
      'append',
      'snapshot_tail',
      ' <positive access samples ratio> <intervals tuning status> <number of regions>',
      '--format',
      'set',
      'record_head',
      '<target id> <abs start time> <data source> <intervals goal>',
    ],
  ],
  [
    vaddr,
    [
      '--region_box',
      '--sort_regions_by',
      'size',
      'temperature',
      '--sort_regions_dsc',
      'size',
      '--temperature_weights',
      '1',
      '2',
      '3',
    ],
  ],
  [vaddr, ['--snapshot_heatmap_width', '30', '--snapshot_heatmap_static', '--snapshot_idx', '3', '5']],
  // read twice, printed as damo prints while repeating (no pager)
  [snap, ['--total_sz_only', '--repeat', '0', '2']],
  // two files: the records of both, one after another (-i given again, as damo takes it)
  [vaddr, ['-i', snap]],
  [vaddr, ['-i', snap, '--raw_form']],
];

/** damo's outputs for the cases, from one Python process. */
function damoOutputs(): { code: number; out: string }[] {
  const runs = CASES.map(([file, args]) => ['access', '-i', file, ...args]);
  const r = spawnSync('python3', [join(repo, 'tests', 'reports', 'fixtures', 'damo-report.py'), damoSrc!], {
    input: JSON.stringify(runs),
    encoding: 'utf8',
    cwd: dir,
    maxBuffer: 1 << 28,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { code: number; out: string });
}

const cli = join(repo, 'dist', 'interfaces', 'cli', 'main.js');

async function ours(file: string, args: string[]): Promise<string> {
  const r = await run(process.execPath, [cli, 'report', 'access', '-i', file, ...args], {
    env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' },
    maxBuffer: 1 << 28,
    cwd: dir,
  });
  return r.stdout;
}

describe.skipIf(damoAbsent())('report access against damo 3.3', () => {
  it('prints the same bytes for every style and text option', async () => {
    const golden = damoOutputs();
    const got: string[] = [];
    // two at a time: the machine has two CPUs
    for (let i = 0; i < CASES.length; i += 2)
      got.push(...(await Promise.all(CASES.slice(i, i + 2).map(([f, a]) => ours(f, a)))));
    CASES.forEach(([file, args], i) => {
      expect(golden[i]!.code, `damo ${args.join(' ')}`).toBe(0);
      expect(got[i], `report access -i ${file === snap ? 'snap' : 'vaddr'}.data ${args.join(' ')}`).toBe(
        golden[i]!.out,
      );
    });
    // what the options change is there: gaps compressed, idle time with the aggregation, tuned max hz
    const detailed = got[STYLES.length]!;
    expect(detailed).toContain('[...]');
    expect(got[0]).toContain('age 2 m 42 s');
    expect(got[0]).toContain('(max access hz 16)');
    expect(got[4]).toMatch(/100 +2 m 45 s/);
    const twice = got[CASES.length - 3]!;
    expect(twice.slice(0, twice.length / 2)).toBe(twice.slice(twice.length / 2));
    // the vaddr record (no scheme), then the snapshot record's two targets
    const heads = [
      ...got[CASES.length - 2]!.matchAll(/^kdamond 0 \/ context 0 \/ scheme (\S+) \/ target id (\d+)/gm),
    ].map((m) => `${m[1]}/${m[2]}`);
    expect(heads.filter((h, i) => h !== heads[i - 1])).toEqual(['None/0', '0/0', '0/1']);
  }, 240_000);
});

describe('report access options without damo', () => {
  it('paints no colour escapes off a terminal, and refuses bad options by name', async () => {
    const plain = await run(process.execPath, [cli, 'report', 'access', '-i', snap], {
      env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: '1' },
    });
    expect(plain.stdout).not.toContain('\x1b[');
    expect(plain.stdout).toContain('heatmap: 0000000888888888888888888[...]8999');
    for (const [args, msg] of [
      [['--format', 'set', 'body', 'x'], '--format target area'],
      [['--snapshot_damos_filter', 'allow', 'bogus'], '--snapshot_damos_filter'],
    ] as [string[], string][]) {
      const r = dts(['report', 'access', '-i', snap, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).not.toContain('    at ');
    }
  });

  it('takes tried_regions_of only with three indices, and not with --raw_form (kdamonds: report-damon.test.ts)', () => {
    const bad = dts(['report', 'access', '-i', snap, '-i', 'tried_regions_of', '0', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'tried_regions_of takes <kdamond idx> <context idx> <scheme idx>, got "0 x"',
    );
    const raw = dts(['report', 'access', '-i', 'tried_regions_of', '1', '0', '0', '--raw_form']);
    expect(raw.code).toBe(2);
    expect(raw.stderr).toContain('--raw_form shows record files, not tried_regions_of');
  });

  it('--exec hands the records to a module', () => {
    const mod = join(dir, 'count.mjs');
    writeFileSync(
      mod,
      'export function main(records, argv) { console.log(argv.slice(1).join(","), records.length, records[0].snapshots.length); }\n',
    );
    const r = dts(['report', 'access', '-i', snap, '--exec', `${mod} a b`]);
    expect(r.stdout).toBe('a,b 2 3\n');
    const missing = dts(['report', 'access', '-i', snap, '--exec', join(dir, 'none.mjs')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('is not a file');
  });
});
