import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/config/errors.js';
import { parseKdamondsConfig } from '../../src/config/load.js';
import {
  type ExpandExtras,
  type MonitoringOptions,
  deduceTarget,
  optionsToKdamonds,
} from '../../src/config/damo-options.js';
import { addMonitoringOptions } from '../../src/interfaces/cli/shared/monitoring-options.js';

const NODE1 = [
  { start: 0x3000000, end: 0x5000000 },
  { start: 0x6000000, end: 0x7000000 },
];
const SPAN = [{ start: 0x1000, end: 0x7000000 }];

/** Expands argv with a provider that records the node ids it is asked for. */
function expand(argv: string[], provider?: ExpandExtras['paddrRegions']) {
  let parsed: { opts: MonitoringOptions; target?: string } | null = null;
  addMonitoringOptions(
    new Command('t')
      .argument('[target]')
      .exitOverride()
      .action((target: string | undefined, opts: MonitoringOptions) => {
        parsed = { opts, target };
      }),
  ).parse(argv, { from: 'user' });
  const asked: (number | undefined)[] = [];
  const paddrRegions =
    provider ??
    ((n?: number) => {
      asked.push(n);
      return n === undefined ? SPAN : n === 1 ? NODE1 : [];
    });
  const p = parsed!;
  return { config: optionsToKdamonds(p.opts, deduceTarget(p.target), { paddrRegions }), asked };
}

describe('--numa_node → paddr regions', () => {
  it("gives every paddr target the node's ranges, asking the provider once", () => {
    const { config, asked } = expand(['--numa_node', '1', '--ops', 'paddr', '--ops', 'paddr_fault']);
    expect(asked).toEqual([1]);
    expect(config.kdamonds).toHaveLength(2);
    for (const k of config.kdamonds) {
      expect(k.contexts[0]!.targets).toHaveLength(1);
      expect(k.contexts[0]!.targets[0]).toMatchObject({ pid: null, regions: NODE1 });
    }
    expect(config.kdamonds[1]!.contexts[0]!.sample.primitives.page_fault).toBe(true);
    // Without the option the provider is asked for the default span.
    const plain = expand(['paddr']);
    expect(plain.asked).toEqual([undefined]);
    expect(plain.config.kdamonds[0]!.contexts[0]!.targets[0]!.regions).toEqual(SPAN);
  });

  it('is a usage error naming --numa_node with vaddr, with -r, with kdamonds JSON, and on a bad node id', () => {
    const cases: [string[], RegExp][] = [
      [['--ops', 'vaddr', '--target_pid', '1', '--numa_node', '0'], /--numa_node: only for paddr.*vaddr/],
      [['1234', '--numa_node', '0'], /--numa_node: only for paddr/],
      [
        ['--ops', 'paddr', '--ops', 'fvaddr', '--numa_node', '1'],
        /--numa_node: only for paddr.*kdamond 1.*fvaddr/,
      ],
      [['--numa_node', '1', '-r', '0-4096'], /--numa_node: not with -r\/--regions/],
      [
        ['--numa_node', '0', '--kdamonds', '{"kdamonds":[]}'],
        /--numa_node: not with a kdamonds configuration/,
      ],
      [['--numa_node', 'x'], /--numa_node: expected a non-negative integer.*"x"/],
      [['--numa_node', '-1'], /--numa_node: expected a non-negative integer.*"-1"/],
      [['--numa_node', '1.5'], /--numa_node: expected a non-negative integer.*"1\.5"/],
      [['--numa_node', '3'], /--numa_node 3: node 3 has no System RAM/],
    ];
    for (const [argv, msg] of cases) {
      let err: unknown;
      try {
        expand(argv);
      } catch (e) {
        err = e;
      }
      expect(err, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((err as Error).message, argv.join(' ')).toMatch(msg);
    }
  });

  it("names --numa_node in the provider's errors, which stay non-usage errors (exit 1)", () => {
    const failing = () => {
      throw new Error('/sys/x/memory/block_size_bytes: cannot read (ENOENT)');
    };
    let err: unknown;
    try {
      expand(['--numa_node', '2'], failing);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      '--numa_node 2: /sys/x/memory/block_size_bytes: cannot read (ENOENT)',
    );
    expect(() => optionsToKdamonds({ numa_node: '0' }, undefined, {})).toThrow(
      /--numa_node: this backend cannot tell the memory of a NUMA node/,
    );
  });
});

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-numa-args-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const iomem = join(tmp, 'iomem');
writeFileSync(
  iomem,
  '00001000-0009fbff : System RAM\n00100000-037fffff : System RAM\n03800000-04ffffff : System RAM\n05000000-06ffffff : System RAM\n',
);
const sys = join(tmp, 'system');
mkdirSync(join(sys, 'memory'), { recursive: true });
writeFileSync(join(sys, 'memory', 'block_size_bytes'), '1000000\n');
for (const [nid, blocks] of [
  [0, [0, 1, 2]],
  [1, [3, 4, 6]],
] as const)
  for (const b of blocks) mkdirSync(join(sys, 'node', `node${nid}`, `memory${b}`), { recursive: true });

function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['dist/interfaces/cli/main.js', 'args', 'damon', '--iomem', iomem, '--sysfs_system', sys, ...args],
    { cwd: repo, encoding: 'utf8', timeout: 30000 },
  );
}

describe('damon-ts args damon --numa_node (fixture iomem and sysfs)', () => {
  it("prints the node's System RAM pieces as the target's regions", () => {
    const r = cli('--ops', 'paddr', '--numa_node', '1', '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ctx = parseKdamondsConfig(JSON.parse(r.stdout)).kdamonds[0]!.contexts[0]!;
    expect(ctx.ops).toBe('paddr');
    expect(ctx.targets).toHaveLength(1);
    expect(ctx.targets[0]).toMatchObject({ pid: null, regions: NODE1 });
  });

  it('exits 2 naming the option with vaddr, with -r, and with "x"', () => {
    for (const [args, msg] of [
      [['--ops', 'vaddr', '--target_pid', '1', '--numa_node', '1'], /--numa_node: only for paddr/],
      [['--numa_node', '1', '-r', '0-4096'], /--numa_node: not with -r\/--regions/],
      [['--numa_node', 'x'], /--numa_node: expected a non-negative integer/],
    ] as const) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });
});
