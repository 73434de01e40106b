/**
 * Parser of masim configuration files (github.com/sjp38/masim), with damon-ts's thread extension.
 *
 * Layout, as masim reads it: paragraphs separated by blank lines; lines starting with '#' are comments
 * (anywhere). The first paragraph lists regions, `name, size[, data file]` (the data file only sets
 * masim's initial content, which does not matter for access patterns: accepted and ignored). Every
 * further paragraph is a phase: a name line, a duration line in milliseconds, then access pattern
 * lines `region, random(1)/sequential(0), stride, probability weight[, ro|wo|rw]`.
 *
 * Extension (damon-ts): trailing `key=value` fields on a pattern line, `thread=N` (the thread that runs
 * the pattern, 0 = the process's main thread, the default) and `cpu=N` (pins that thread to CPU N; a
 * thread keeps one pin for the whole file). A thread's patterns in a phase share that thread's access
 * budget by weight; threads run in parallel. See docs/workloads.md.
 */

export type RwMode = 'ro' | 'wo' | 'rw';

export interface MasimRegion {
  name: string;
  /** Bytes, as written (masim allocates exactly this much). */
  size: number;
  line: number;
}

export interface MasimPattern {
  region: string;
  random: boolean;
  stride: number;
  weight: number;
  rw: RwMode;
  thread: number;
  line: number;
}

export interface MasimPhase {
  name: string;
  durationMs: number;
  patterns: MasimPattern[];
  line: number;
}

export interface MasimConfig {
  /** Where the text came from (file path or built-in name), used in error messages. */
  source: string;
  regions: MasimRegion[];
  phases: MasimPhase[];
  /** CPU pin of each thread that has one (thread index → CPU). */
  threadCpus: Map<number, number>;
  /** Number of threads: highest thread index + 1. */
  nrThreads: number;
}

interface Line {
  no: number;
  text: string;
}

function fail(source: string, line: Line | number, what: string): never {
  const no = typeof line === 'number' ? line : line.no;
  const text = typeof line === 'number' ? '' : `: '${line.text}'`;
  throw new Error(`${source}:${no}: ${what}${text}`);
}

function parseCount(source: string, line: Line, field: string, what: string, min: number): number {
  if (!/^\d+$/.test(field)) fail(source, line, `${what} must be an integer, got '${field}'`);
  const v = Number(field);
  if (!Number.isSafeInteger(v) || v < min)
    fail(source, line, `${what} must be an integer >= ${min}, got '${field}'`);
  return v;
}

/** Splits the text into paragraphs of non-comment lines, keeping line numbers. */
function paragraphs(text: string): Line[][] {
  const out: Line[][] = [];
  let cur: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t.startsWith('#')) return;
    if (t === '') {
      if (cur.length > 0) out.push(cur);
      cur = [];
      return;
    }
    cur.push({ no: i + 1, text: t });
  });
  if (cur.length > 0) out.push(cur);
  return out;
}

function parsePattern(
  source: string,
  line: Line,
  regions: Map<string, MasimRegion>,
  cfg: MasimConfig,
): MasimPattern {
  const fields = line.text.split(',').map((f) => f.trim());
  if (fields.length < 4) fail(source, line, 'access pattern needs "region, random, stride, probability"');
  const [region, rnd, stride, prob] = fields as [string, string, string, string];
  if (!regions.has(region)) fail(source, line, `unknown region '${region}'`);
  if (rnd !== '0' && rnd !== '1')
    fail(source, line, `randomness must be 0 (sequential) or 1 (random), got '${rnd}'`);
  const p: MasimPattern = {
    region,
    random: rnd === '1',
    stride: parseCount(source, line, stride, 'stride', 1),
    weight: parseCount(source, line, prob, 'probability', 1),
    rw: 'rw',
    thread: 0,
    line: line.no,
  };
  let sawRw = false;
  let cpu: number | undefined;
  for (const f of fields.slice(4)) {
    if (f === 'ro' || f === 'wo' || f === 'rw') {
      if (sawRw) fail(source, line, `access mode given twice ('${f}')`);
      p.rw = f;
      sawRw = true;
      continue;
    }
    const kv = /^(thread|cpu)\s*=\s*(\S+)$/.exec(f);
    if (!kv) fail(source, line, `unknown field '${f}' (expected ro, wo, rw, thread=N or cpu=N)`);
    if (kv[1] === 'thread') p.thread = parseCount(source, line, kv[2]!, 'thread', 0);
    else cpu = parseCount(source, line, kv[2]!, 'cpu', 0);
  }
  if (cpu !== undefined) {
    const prev = cfg.threadCpus.get(p.thread);
    if (prev !== undefined && prev !== cpu)
      fail(source, line, `thread ${p.thread} is already pinned to cpu ${prev}`);
    cfg.threadCpus.set(p.thread, cpu);
  }
  cfg.nrThreads = Math.max(cfg.nrThreads, p.thread + 1);
  return p;
}

/** Parses masim configuration text; `source` names it in errors (`source:line: what`). */
export function parseMasimConfig(text: string, source: string): MasimConfig {
  const paras = paragraphs(text);
  if (paras.length === 0) fail(source, 1, 'no regions paragraph');
  const cfg: MasimConfig = { source, regions: [], phases: [], threadCpus: new Map(), nrThreads: 1 };
  const byName = new Map<string, MasimRegion>();
  for (const line of paras[0]!) {
    const fields = line.text.split(',').map((f) => f.trim());
    if (fields.length < 2 || fields.length > 3) fail(source, line, 'region needs "name, size[, data file]"');
    const [name, size] = fields as [string, string];
    if (name === '') fail(source, line, 'empty region name');
    if (byName.has(name)) fail(source, line, `region '${name}' defined twice`);
    const r = { name, size: parseCount(source, line, size, 'region size', 1), line: line.no };
    byName.set(name, r);
    cfg.regions.push(r);
  }
  for (const para of paras.slice(1)) {
    const [nameLine, durLine, ...rest] = para as [Line, Line | undefined, ...Line[]];
    if (!durLine) fail(source, nameLine.no + 1, `phase '${nameLine.text}' has no duration line`);
    const durationMs = parseCount(source, durLine, durLine.text, 'phase duration (ms)', 1);
    const patterns = rest.map((l) => parsePattern(source, l, byName, cfg));
    cfg.phases.push({ name: nameLine.text, durationMs, patterns, line: nameLine.no });
  }
  if (cfg.phases.length === 0) fail(source, paras[0]![paras[0]!.length - 1]!.no + 1, 'no phases');
  return cfg;
}
