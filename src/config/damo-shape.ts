/**
 * damo's own JSON (`damo args damon`, `damo report damon --json`) read into damon-ts's shape before
 * validation. damo writes the sample control as `sample_control: {primitives_enabled,
 * sample_filters}` with `filter_type` and kernel-style cpumask/tid strings ("0-3,6"), access
 * pattern units inside the values ("5 samples", "3 aggr_intervals"), hugepage_size as a [min, max]
 * list, indexes as strings ("0"), and node-memcg quota goal metric names. Anything not in one of
 * those forms is left as it is, for the schema to accept or to refuse with its path.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "0-3,6" → [0, 1, 2, 3, 6], "" → []; anything else unchanged. Ranges are bounded to keep it cheap. */
function idList(v: unknown): unknown {
  if (typeof v === 'string' && v.trim() === '') return [];
  if (typeof v !== 'string' || !/^\s*\d+(-\d+)?(\s*,\s*\d+(-\d+)?)*\s*$/.test(v)) return v;
  const out: number[] = [];
  for (const part of v.split(',')) {
    const [a, b = a] = part.trim().split('-').map(Number) as [number, number?];
    if (b! < a || b! - a > 65536) return v;
    for (let x = a; x <= b!; x++) out.push(x);
  }
  return out;
}

/** "12" or "1,000" → a number, for index-like values damo writes as text. */
function index(v: unknown): unknown {
  return typeof v === 'string' && /^\s*\d[\d,]*\s*$/.test(v) ? Number(v.replaceAll(',', '')) : v;
}

function sampleFilter(f: unknown): unknown {
  if (!isObj(f)) return f;
  const { filter_type, cpumask, tid_arr, ...rest } = f;
  const out: Obj = { ...rest };
  if (filter_type !== undefined && out.type === undefined) out.type = filter_type;
  else if (filter_type !== undefined) out.filter_type = filter_type;
  if (cpumask !== null && cpumask !== undefined) out.cpumask = idList(cpumask);
  if (tid_arr !== null && tid_arr !== undefined) out.tid_arr = idList(tid_arr);
  return out;
}

/** A {min, max} range whose strings carry a unit suffix: the numbers and the unit, or null. */
function unitRange(r: unknown, suffix: string): Obj | null {
  if (!isObj(r)) return null;
  const strip = (v: unknown) =>
    typeof v === 'string' && v.trim().endsWith(suffix) ? v.trim().slice(0, -suffix.length).trim() : null;
  const min = strip(r.min);
  const max = strip(r.max);
  return min !== null && max !== null ? { ...r, min, max } : null;
}

const GOAL_METRICS: Record<string, string> = {
  node_memcg_used_bp: 'memcg_mem_used_bp',
  node_memcg_free_bp: 'memcg_mem_free_bp',
};

function scheme(s: unknown): unknown {
  if (!isObj(s)) return s;
  const out: Obj = { ...s };
  const ap = s.access_pattern;
  if (isObj(ap)) {
    const a: Obj = { ...ap };
    const samples = unitRange(ap.nr_accesses, 'samples');
    if (samples && ap.nr_accesses_unit === undefined) {
      a.nr_accesses = samples;
      a.nr_accesses_unit = 'sample_intervals';
    }
    const aggrs = unitRange(ap.age, 'aggr_intervals');
    if (aggrs && ap.age_unit === undefined) {
      a.age = aggrs;
      a.age_unit = 'aggr_intervals';
    }
    out.access_pattern = a;
  }
  const q = s.quotas;
  if (isObj(q) && Array.isArray(q.goals))
    out.quotas = {
      ...q,
      goals: q.goals.map((g) =>
        isObj(g)
          ? {
              ...g,
              ...(typeof g.metric === 'string' && GOAL_METRICS[g.metric]
                ? { metric: GOAL_METRICS[g.metric] }
                : {}),
              ...(g.nid !== undefined ? { nid: index(g.nid) } : {}),
            }
          : g,
      ),
    };
  for (const key of ['filters', 'core_filters', 'ops_filters'] as const) {
    const list = s[key];
    if (!Array.isArray(list)) continue;
    out[key] = list.map((f) => {
      if (!isObj(f)) return f;
      const g: Obj = { ...f };
      if (Array.isArray(f.hugepage_size) && f.hugepage_size.length === 2)
        g.hugepage_size = { min: f.hugepage_size[0], max: f.hugepage_size[1] };
      if (f.damon_target_idx !== undefined) g.damon_target_idx = index(f.damon_target_idx);
      return g;
    });
  }
  if (s.target_nid !== undefined) out.target_nid = index(s.target_nid);
  return out;
}

function context(c: unknown): unknown {
  if (!isObj(c)) return c;
  const { sample_control, ...rest } = c;
  const out: Obj = { ...rest };
  if (isObj(sample_control) && c.sample === undefined) {
    const { primitives_enabled, sample_filters, ...other } = sample_control;
    out.sample = {
      ...other,
      ...(primitives_enabled !== undefined ? { primitives: primitives_enabled } : {}),
      ...(sample_filters !== undefined
        ? { filters: Array.isArray(sample_filters) ? sample_filters.map(sampleFilter) : sample_filters }
        : {}),
    };
  } else if (sample_control !== undefined) out.sample_control = sample_control;
  if (isObj(out.sample) && Array.isArray(out.sample.filters))
    out.sample = { ...out.sample, filters: out.sample.filters.map(sampleFilter) };
  if (Array.isArray(c.schemes)) out.schemes = c.schemes.map(scheme);
  return out;
}

/** The kdamonds configuration with damo's forms rewritten; other input unchanged. */
export function fromDamoKdamonds(input: unknown): unknown {
  if (!isObj(input) || !Array.isArray(input.kdamonds)) return input;
  return {
    ...input,
    kdamonds: input.kdamonds.map((k) =>
      isObj(k) && Array.isArray(k.contexts) ? { ...k, contexts: k.contexts.map(context) } : k,
    ),
  };
}

/** A list of schemes (damo's --schemes) with damo's forms rewritten. */
export function fromDamoSchemes(input: unknown): unknown {
  return Array.isArray(input) ? input.map(scheme) : input;
}
