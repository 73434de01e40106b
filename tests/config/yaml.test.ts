import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadKdamondsConfig,
  parseConfigText,
  parseKdamondsConfig,
} from '../../src/config/load.js';
import { deduceTarget, optionsToKdamonds } from '../../src/config/damo-options.js';
import { kdamondsToJson, kdamondsToYaml } from '../../src/config/serialize.js';

const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-yaml-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const yamlConfig = `kdamonds:
  - contexts:
      - ops: paddr
        targets:
          - regions:
              - start: 4096
                end: 1073741824
        intervals:
          sample_us: 10ms
          aggr_us: 200ms
        schemes:
          - action: pageout
            access_pattern:
              age: {min: 5s, max: max}
`;

function issuesOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return [e.source, ...e.issues];
    throw e;
  }
  throw new Error('no ConfigError');
}

describe('kdamonds configuration in YAML (damo accepts JSON or YAML)', () => {
  it('reads a YAML file, inline YAML and the positional target to the same configuration', () => {
    const file = join(tmp, 'k.yaml');
    writeFileSync(file, yamlConfig);
    const fromFile = loadKdamondsConfig(file);
    const ctx = fromFile.kdamonds[0]!.contexts[0]!;
    expect(ctx.targets[0]!.regions).toEqual([{ start: 4096, end: 1073741824 }]);
    expect(ctx.intervals.sample_us).toBe(10000);
    expect(ctx.intervals.aggr_us).toBe(200000);
    expect(ctx.schemes[0]!.access_pattern.age.min).toBe(5000000);
    expect(loadKdamondsConfig(yamlConfig)).toEqual(fromFile);
    const deduced = deduceTarget(file);
    expect(deduced?.kind).toBe('kdamonds');
    expect(optionsToKdamonds({ kdamonds: file })).toEqual(fromFile);
    // A command line is still a command, not YAML.
    expect(deduceTarget('sleep 10')).toEqual({ kind: 'cmd', cmd: 'sleep 10' });
  });

  it('names the file, line and column of a YAML syntax error', () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, 'kdamonds:\n  - contexts: [\n      ops: paddr\n');
    const [source, issue] = issuesOf(() => loadKdamondsConfig(file));
    expect(source).toBe(file);
    expect(issue).toMatch(/not valid YAML: .*line \d+, column \d+/);
  });

  it('names the path of an invalid field read from YAML', () => {
    const file = join(tmp, 'field.yml');
    writeFileSync(file, yamlConfig.replace('ops: paddr', 'ops: nosuchops'));
    const [source, issue] = issuesOf(() => loadKdamondsConfig(file));
    expect(source).toBe(file);
    expect(issue).toMatch(/^kdamonds\[0\]\.contexts\[0\]\.ops: /);
  });

  it('a .json file is read as JSON only; unnamed text falls back from JSON to YAML', () => {
    const file = join(tmp, 'k.json');
    writeFileSync(file, yamlConfig);
    expect(issuesOf(() => loadKdamondsConfig(file))[1]).toMatch(/^not valid JSON: /);
    expect(parseConfigText('{"a": 1}', 'x')).toEqual({ a: 1 });
    expect(parseConfigText('a: [1, 2]', 'x')).toEqual({ a: [1, 2] });
    expect(issuesOf(() => parseConfigText('a: [1,', 'x'))[1]).toMatch(
      /^neither JSON \(.*\) nor YAML \(.*\)$/,
    );
    expect(issuesOf(() => parseConfigText('a: 1\na: 2', 'k.yaml'))[1]).toMatch(/not valid YAML: .*unique/i);
  });

  it('YAML output reads back to the configuration it came from, for any option values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 3, max: 500 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.boolean(),
        (sampleMs, aggrMult, minr, regionStart, withScheme) => {
          const config = optionsToKdamonds({
            sample: [`${sampleMs}ms`],
            aggr: [`${sampleMs * aggrMult}ms`],
            minr: [String(minr)],
            maxr: [String(minr * 10)],
            regions: [`${regionStart}-${regionStart + 2 ** 30}`],
            ...(withScheme ? { damos_action: ['pageout'], damos_age: ['5s', 'max'] } : {}),
          } as Parameters<typeof optionsToKdamonds>[0]);
          const back = parseKdamondsConfig(parseConfigText(kdamondsToYaml(config), 'out.yaml'));
          expect(back).toEqual(config);
          expect(kdamondsToJson(back)).toBe(kdamondsToJson(config));
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});
