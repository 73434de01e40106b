/**
 * The DAMOS filters a record was taken with (its `scheme_filters`, in damo's JSON form), as `report
 * access` names the memory that passed them ("# damos filters (df): ..."). Only the filters the
 * operations set handles decide sz_filter_passed; address and target filters are the core's.
 */
import { fmtSz } from '../records/pyformat.js';
import { textToBytes } from '../records/textnum.js';

const OPS_FILTER_TYPES = ['anon', 'active', 'memcg', 'young', 'hugepage_size', 'unmapped'];

type Kv = Record<string, unknown>;

const isKv = (v: unknown): v is Kv => typeof v === 'object' && v !== null && !Array.isArray(v);

/** damo's text_to_bool for the JSON's matching/allow values (booleans or y/yes/true/n/no/false). */
function bool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  const t = String(v).toLowerCase();
  if (['y', 'yes', 'true'].includes(t)) return true;
  if (['n', 'no', 'false'].includes(t)) return false;
  throw new Error(`scheme_filters: ${what} '${String(v)}' is not a boolean`);
}

function filterText(f: Kv): string {
  const allow =
    f.allow !== undefined
      ? bool(f.allow, 'allow')
      : f.filter_pass !== undefined
        ? bool(f.filter_pass, 'filter_pass')
        : false;
  const words = [allow ? 'allow' : 'reject'];
  if (!bool(f.matching, 'matching')) words.push('none');
  const type = String(f.filter_type);
  words.push(type);
  if (type === 'memcg') words.push(String(f.memcg_path));
  if (type === 'hugepage_size' && Array.isArray(f.hugepage_size))
    words.push(`[${f.hugepage_size.map((x) => fmtSz(textToBytes(x), false)).join(', ')}]`);
  return words.join(' ');
}

export function isOpsFilter(f: unknown): boolean {
  return isKv(f) && OPS_FILTER_TYPES.includes(String(f.filter_type));
}

/** `<filters passed type>`: the ops-handled filters, or 'n/a'. */
export function filtersPassType(schemeFilters: unknown[]): string {
  const ops = schemeFilters.filter(isOpsFilter) as Kv[];
  return ops.length === 0 ? 'n/a' : ops.map(filterText).join(', ');
}
