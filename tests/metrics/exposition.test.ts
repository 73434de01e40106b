/**
 * /metrics of a record, parsed by a strict Prometheus text-format (0.0.4) parser written here, and
 * its values checked against the record read independently with the records reader.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedRegistry } from '../../src/interfaces/web/server/metrics.js';
import { Feed } from '../../src/interfaces/web/server/feed.js';
import { recordFeed } from '../../src/interfaces/web/server/record-feed.js';
import { openSource } from '../../src/interfaces/web/server/sources.js';
import { readRecords } from '../../src/records/reader.js';
import type { DamonRecord } from '../../src/records/types.js';
import { makeRecord } from '../web/fixtures.js';

interface Family {
  type: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses the exposition text; throws on anything the format does not allow. */
export function parseExposition(text: string): Map<string, Family> {
  const fams = new Map<string, Family>();
  let current: string | null = null;
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  text.split('\n').forEach((line, i) => {
    const at = `line ${i + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      const [, name, help] = /^# HELP (\S+) (.*)$/.exec(line) ?? [];
      if (!name || !NAME.test(name) || fams.has(name)) throw new Error(`bad or repeated HELP ${at}`);
      fams.set(name, { type: 'untyped', help: help!, samples: [] });
      current = name;
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [, name, type] = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line) ?? [];
      if (!name || name !== current) throw new Error(`TYPE not right after its HELP ${at}`);
      fams.get(name)!.type = type!;
      return;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment ${at}`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad sample ${at}`);
    const [, name, , body, value] = m;
    const labels: Record<string, string> = {};
    if (body) {
      const re = /([^=,]+)="((?:[^"\\]|\\.)*)"(,|$)/gy;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = re.exec(body))) {
        if (!LABEL.test(lm[1]!) || lm[1]! in labels) throw new Error(`bad label ${lm[1]} ${at}`);
        labels[lm[1]!] = lm[2]!;
        consumed = re.lastIndex;
      }
      if (consumed !== body.length) throw new Error(`bad labels ${at}`);
    }
    const fam = fams.get(current ?? '');
    if (!fam) throw new Error(`sample before any HELP ${at}`);
    const base = fam.type === 'histogram' ? name!.replace(/_(bucket|sum|count)$/, '') : name;
    if (base !== current) throw new Error(`sample ${name} outside its family ${current} ${at}`);
    const v = value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value);
    if (Number.isNaN(v) && value !== 'NaN') throw new Error(`bad value ${at}`);
    fam.samples.push({ name: name!, labels, value: v });
  });
  return fams;
}

function one(fams: Map<string, Family>, fam: string, name: string, labels: Record<string, string>): number {
  const f = fams.get(fam);
  if (!f) throw new Error(`no family ${fam}`);
  const s = f.samples.filter(
    (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
  );
  if (s.length !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${s.length} samples`);
  return s[0]!.value;
}

let path = '';
let records: DamonRecord[] = [];
let text = '';
let fams: Map<string, Family>;

beforeAll(async () => {
  path = makeRecord(2.5);
  records = await readRecords(path);
  const reg = feedRegistry(await recordFeed(path));
  text = await reg.metrics();
  fams = parseExposition(text);
  expect(reg.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
}, 60_000);
afterAll(() => rmSync(dirname(path), { recursive: true, force: true }));

describe('/metrics of a record', () => {
  it('is valid exposition text with Prometheus names, types and units', () => {
    expect(fams.get('damon_wss_bytes')?.type).toBe('gauge');
    expect(fams.get('damon_nr_regions')?.type).toBe('gauge');
    expect(fams.get('damon_snapshots_total')?.type).toBe('counter');
    expect(fams.get('damon_region_access_frequency_ratio')?.type).toBe('histogram');
    expect(fams.get('damon_region_age_seconds')?.type).toBe('histogram');
    for (const [name, f] of fams) {
      if (f.type === 'counter') expect(name).toMatch(/_total$/);
      expect(name).toMatch(/^(damon|damos)_/);
    }
    // Records hold no live counters: those families are present but empty.
    expect(fams.get('damon_reports_received_total')?.samples).toEqual([]);
  });

  it('gives each record’s newest wss, region count and intervals', () => {
    expect(records.length).toBe(2);
    for (const r of records) {
      const last = r.snapshots.at(-1)!;
      const labels = {
        kdamond: String(r.kdamond_idx),
        context: String(r.context_idx),
        target: String(r.target_id),
      };
      let wss = 0;
      for (const g of last.regions) if (g.nr_accesses.samples >= 1) wss += g.end - g.start;
      expect(one(fams, 'damon_wss_bytes', 'damon_wss_bytes', labels)).toBe(wss);
      expect(one(fams, 'damon_nr_regions', 'damon_nr_regions', labels)).toBe(last.regions.length);
      expect(one(fams, 'damon_snapshots_total', 'damon_snapshots_total', labels)).toBe(r.snapshots.length);
      expect(one(fams, 'damon_sample_interval_seconds', 'damon_sample_interval_seconds', labels)).toBe(
        r.intervals!.sample_us / 1e6,
      );
      expect(
        one(fams, 'damon_aggregation_interval_seconds', 'damon_aggregation_interval_seconds', labels),
      ).toBe(r.intervals!.aggr_us / 1e6);
    }
  });

  it('histograms count the newest snapshot’s bytes per bucket, cumulatively', () => {
    for (const r of records) {
      const last = r.snapshots.at(-1)!;
      const labels = {
        kdamond: String(r.kdamond_idx),
        context: String(r.context_idx),
        target: String(r.target_id),
      };
      const total = last.regions.reduce((s, g) => s + g.end - g.start, 0);
      const max = r.intervals!.aggr_us / r.intervals!.sample_us;
      const name = 'damon_region_access_frequency_ratio';
      expect(one(fams, name, `${name}_count`, labels)).toBe(total);
      expect(one(fams, name, `${name}_bucket`, { ...labels, le: '+Inf' })).toBe(total);
      const idle = last.regions
        .filter((g) => g.nr_accesses.samples === 0)
        .reduce((s, g) => s + g.end - g.start, 0);
      expect(one(fams, name, `${name}_bucket`, { ...labels, le: '0' })).toBe(idle);
      const half = last.regions
        .filter((g) => g.nr_accesses.samples / max <= 0.5)
        .reduce((s, g) => s + g.end - g.start, 0);
      expect(one(fams, name, `${name}_bucket`, { ...labels, le: '0.5' })).toBe(half);
      const buckets = fams
        .get(name)!
        .samples.filter((s) => s.name === `${name}_bucket` && s.labels.kdamond === labels.kdamond);
      for (let i = 1; i < buckets.length; i++)
        expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      const age = 'damon_region_age_seconds';
      const young = last.regions
        .filter((g) => g.age.usec! / 1e6 <= 1)
        .reduce((s, g) => s + g.end - g.start, 0);
      expect(one(fams, age, `${age}_bucket`, { ...labels, le: '1' })).toBe(young);
    }
  });

  it('exposes live counters and DAMOS stats with kdamond/context/scheme labels', async () => {
    const feed = new Feed('live', 't');
    feed.setSources(() => ({
      counters: () => ({ reportsReceived: 41, reportsDropped: 2 }),
      schemes: () => [
        { action: 'pageout', nrTried: 5, szTried: 8192, nrApplied: 3, szApplied: 4096, qtExceeds: 1 },
      ],
    }));
    feed.faultsInduced = () => 17;
    const r = records[0]!;
    feed.addSnapshot(r, r.snapshots[0]!);
    const f = parseExposition(await feedRegistry(feed).metrics());
    expect(
      one(f, 'damon_reports_received_total', 'damon_reports_received_total', { kdamond: '0', context: '0' }),
    ).toBe(41);
    expect(one(f, 'damon_reports_dropped_total', 'damon_reports_dropped_total', { kdamond: '0' })).toBe(2);
    expect(one(f, 'damon_faults_induced_total', 'damon_faults_induced_total', {})).toBe(17);
    const labels = { kdamond: '0', context: '0', scheme: '0', action: 'pageout' };
    expect(one(f, 'damos_tried_regions_total', 'damos_tried_regions_total', labels)).toBe(5);
    expect(one(f, 'damos_applied_bytes_total', 'damos_applied_bytes_total', labels)).toBe(4096);
    expect(one(f, 'damos_quota_exceeds_total', 'damos_quota_exceeds_total', labels)).toBe(1);
  });

  it('the strict parser rejects malformed text', () => {
    expect(() => parseExposition('# HELP a b\n# TYPE a gauge\na{x="1" 3\n')).toThrow(/bad sample/);
    expect(() => parseExposition('x 1\n')).toThrow(/before any HELP/);
    expect(() => parseExposition('# HELP a b\n# TYPE a gauge\nb 1\n')).toThrow(/outside its family/);
  });
});

describe('/metrics dirty-rate gauges of write-only monitoring', () => {
  it('a live simulated run: per-target dirty rate and written wss, labelled with pid, comm and setup', async () => {
    const d = mkdtempSync(join(tmpdir(), 'damon-ts-dirty-metrics-'));
    try {
      // 4 MiB rewritten all the time beside 32 MiB only read: 4 MiB dirtied per second.
      const cfg = join(d, 'hot.cfg');
      writeFileSync(
        cfg,
        '#regions\nidle, 33554432\nhot, 4194304\n\n#phases\nrun\n3000\nhot, 1, 4096, 99, wo\nidle, 1, 4096, 1, ro\n',
      );
      const { feed, run } = await openSource({
        live: true,
        workload: cfg,
        speed: 1000,
        durationUs: 2_500_000,
        seed: 42,
        monitoring: { sample_primitives: ['page_fault'], exp_ops_write_only: true },
      });
      await run!.done;
      const f = parseExposition(await feedRegistry(feed).metrics());
      expect(f.get('damon_dirty_rate_bytes_per_second')?.type).toBe('gauge');
      expect(f.get('damon_written_wss_bytes')?.type).toBe('gauge');
      const labels = {
        kdamond: '0',
        context: '0',
        target: '0',
        pid: '100',
        comm: cfg,
        setup: 'damon-ts sim vaddr page_fault write-only',
      };
      const rate = one(f, 'damon_dirty_rate_bytes_per_second', 'damon_dirty_rate_bytes_per_second', labels);
      expect(Math.abs(rate - 4 * 2 ** 20) / (4 * 2 ** 20)).toBeLessThan(0.25);
      const wss = one(f, 'damon_written_wss_bytes', 'damon_written_wss_bytes', labels);
      expect(wss).toBeGreaterThan(3 * 2 ** 20);
      expect(wss).toBeLessThan(6 * 2 ** 20);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }, 180_000);

  it('only records with write samples get the dirty-rate gauges', () => {
    const withWrites = records.filter((r) => r.snapshots.at(-1)!.regions.some((g) => g.damon_ts));
    expect(withWrites.length).toBeLessThan(records.length);
    const targets = (name: string) =>
      fams
        .get(name)!
        .samples.map((s) => s.labels.kdamond)
        .sort();
    const expected = withWrites.map((r) => String(r.kdamond_idx)).sort();
    expect(targets('damon_dirty_rate_bytes_per_second')).toEqual(expected);
    expect(targets('damon_written_wss_bytes')).toEqual(expected);
  });
});
