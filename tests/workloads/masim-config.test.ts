import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CONFIGS } from '../../src/workloads/builtin-configs.js';
import { parseMasimConfig } from '../../src/workloads/masim-config.js';

// masim's own configuration files, as masim ships them (copied into the project's fixtures).
const masimDir = fileURLToPath(new URL('fixtures/masim/', import.meta.url));

describe('masim configuration parser', () => {
  for (const name of ['demo', 'stairs', 'zigzag']) {
    it(`parses masim's ${name}.cfg, identical to the embedded built-in`, () => {
      const file = `${masimDir}${name}.cfg`;
      const cfg = parseMasimConfig(readFileSync(file, 'utf8'), file);
      const embedded = parseMasimConfig(BUILTIN_CONFIGS[name]!, file);
      expect(embedded).toEqual(cfg);
      expect(cfg.regions.length).toBeGreaterThan(1);
      expect(cfg.phases[0]!.name).toBe('initial phase');
      expect(cfg.phases[0]!.durationMs).toBe(10000);
      expect(cfg.phases[1]!.patterns).toEqual([
        {
          region: cfg.regions[0]!.name,
          random: false,
          stride: 4096,
          weight: 50,
          rw: 'rw',
          thread: 0,
          line: expect.any(Number),
        },
      ]);
    });
  }

  it('parses stairs: ten regions, eleven phases', () => {
    const cfg = parseMasimConfig(BUILTIN_CONFIGS.stairs!, 'stairs');
    expect(cfg.regions.map((r) => r.size)).toEqual(Array(10).fill(10000000));
    expect(cfg.phases.map((p) => p.durationMs)).toEqual([10000, ...Array(10).fill(5000)]);
    expect(cfg.nrThreads).toBe(1);
  });

  it('every built-in config parses', () => {
    for (const [name, text] of Object.entries(BUILTIN_CONFIGS))
      expect(parseMasimConfig(text, name).phases.length).toBeGreaterThan(0);
  });

  it('reads modes, comments and the thread/cpu extension', () => {
    const cfg = parseMasimConfig(
      [
        '# c',
        'a, 8192',
        'b, 4096, init.dat',
        '',
        '# phase',
        'p',
        '100',
        'a, 1, 64, 3, wo, thread=2, cpu=1',
        '# mid',
        'b, 0, 4096, 1, ro',
        'a, 0, 4096, 2, thread=2',
      ].join('\n'),
      'x.cfg',
    );
    expect(
      cfg.phases[0]!.patterns.map((p) => [p.region, p.random, p.stride, p.weight, p.rw, p.thread, p.line]),
    ).toEqual([
      ['a', true, 64, 3, 'wo', 2, 8],
      ['b', false, 4096, 1, 'ro', 0, 10],
      ['a', false, 4096, 2, 'rw', 2, 11],
    ]);
    expect(cfg.nrThreads).toBe(3);
    expect([...cfg.threadCpus]).toEqual([[2, 1]]);
  });

  const bad: [string, string[], RegExp][] = [
    ['unknown region', ['a, 4096', '', 'p', '10', 'b, 0, 4096, 1'], /^bad\.cfg:5: unknown region 'b'/],
    ['bad randomness', ['a, 4096', '', 'p', '10', 'a, 2, 4096, 1'], /^bad\.cfg:5: randomness must be 0/],
    ['bad stride', ['a, 4096', '', 'p', '10', 'a, 0, x, 1'], /^bad\.cfg:5: stride must be an integer/],
    [
      'zero weight',
      ['a, 4096', '', 'p', '10', 'a, 0, 4096, 0'],
      /^bad\.cfg:5: probability must be an integer >= 1/,
    ],
    ['missing duration', ['a, 4096', '', 'p'], /^bad\.cfg:4: phase 'p' has no duration line/],
    ['bad duration', ['a, 4096', '', 'p', '1.5'], /^bad\.cfg:4: phase duration \(ms\) must be an integer/],
    ['bad region size', ['a, -1'], /^bad\.cfg:1: region size must be an integer/],
    ['duplicate region', ['a, 4096', 'a, 4096', '', 'p', '1'], /^bad\.cfg:2: region 'a' defined twice/],
    ['unknown field', ['a, 4096', '', 'p', '10', 'a, 0, 4096, 1, fast'], /^bad\.cfg:5: unknown field 'fast'/],
    [
      'pin conflict',
      ['a, 4096', '', 'p', '10', 'a, 0, 4096, 1, thread=1, cpu=0', 'a, 1, 4096, 1, thread=1, cpu=1'],
      /^bad\.cfg:6: thread 1 is already pinned to cpu 0/,
    ],
    ['no phases', ['a, 4096'], /^bad\.cfg:2: no phases/],
    ['short pattern', ['a, 4096', '', 'p', '10', 'a, 0'], /^bad\.cfg:5: access pattern needs/],
  ];
  for (const [what, lines, re] of bad) {
    it(`rejects ${what} with file:line`, () => {
      expect(() => parseMasimConfig(lines.join('\n'), 'bad.cfg')).toThrow(re);
    });
  }
});
