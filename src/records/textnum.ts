/**
 * damo's text-to-number rules for record fields (damo-report-math.md §1.2): values may be JSON numbers
 * or strings such as "94,827,419,009,024", "4 KiB", "8 m 59.809 s" or "max". Integers above 2^53 come
 * back as BigInt (Python ints are unbounded); everything else as a JS number.
 */

const U64_MAX = 18446744073709551615n;
/** The longest text read as an integer: far above any 64-bit value, even with spaces and a sign. */
const MAX_INT_TEXT = 64;
const INT_RE = /^\s*[+-]?\d+\s*$/;
/** Digits alone, ≤ 15 of them: exact as a double, read without BigInt. */
const DIGITS_RE = /^\d+$/;
const FLOAT_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const SPECIAL_RE = /^\s*([+-]?)(inf|infinity|nan)\s*$/i;

/** An exact integer as a number when it is safe, else as a BigInt. */
export function normInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Python int(text), or null. */
export function pyInt(text: string): number | bigint | null {
  // BigInt() of a huge digit string takes long, and nothing in a record exceeds 2^64 (20 digits)
  if (text.length > MAX_INT_TEXT) return null;
  if (text.length <= 15 && DIGITS_RE.test(text)) return Number(text);
  return INT_RE.test(text) ? normInt(BigInt(text.trim())) : null;
}

/** Python float(text), or null. */
export function pyFloat(text: string): number | null {
  if (FLOAT_RE.test(text)) return Number(text.trim());
  const m = SPECIAL_RE.exec(text);
  if (!m) return null;
  if (m[2]!.toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

function bad(kind: string, v: unknown): Error {
  return new Error(`invalid ${kind} value ${JSON.stringify(typeof v === 'bigint' ? v.toString() : v)}`);
}

/** textToNr, or null where it would throw (no Error built: sizes such as "4 KiB" try it first). */
function nrOrNull(v: unknown): number | bigint | null {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v !== 'string') return null;
  if (v === 'max') return U64_MAX;
  const s = v.replaceAll(',', '');
  return pyInt(s) ?? pyFloat(s);
}

/** text_to_nr: numbers pass through; `max` = 2^64-1; commas are ignored; int, else float. */
export function textToNr(v: unknown): number | bigint {
  const n = nrOrNull(v);
  if (n === null) throw bad('number', v);
  return n;
}

const BYTE_UNITS: Record<string, number> = {};
for (const [i, letter] of ['K', 'M', 'G', 'T', 'P', 'E'].entries()) {
  const mult = 1024 ** (i + 1);
  BYTE_UNITS[letter] = mult;
  BYTE_UNITS[letter + 'B'] = mult;
  BYTE_UNITS[letter + 'iB'] = mult;
}
BYTE_UNITS['B'] = 1;

/** text_to_bytes: `min`/`max`, a number, or a number with a B/K/KB/KiB/.../EiB suffix (powers of 1024). */
export function textToBytes(v: unknown): number {
  if (v === 'min') return 0;
  if (v === 'max') return Number(U64_MAX);
  const n = nrOrNull(v);
  if (n !== null) return Number(n);
  if (typeof v !== 'string') throw bad('bytes', v);
  for (const len of [3, 2, 1]) {
    const unit = BYTE_UNITS[v.slice(-len)];
    if (unit === undefined || v.length <= len) continue;
    const num = pyFloat(v.slice(0, -len).replaceAll(',', ''));
    if (num === null) continue;
    return Math.min(Number(U64_MAX), Math.trunc(num * unit));
  }
  throw bad('bytes', v);
}

const NS_UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

/** text_to_ns: numbers, `min`/`max`, digit strings (ints), `<n><unit>` and space-separated sums. */
export function textToNs(v: unknown): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v !== 'string') throw bad('time', v);
  if (v === 'min') return 0;
  if (v === 'max') return U64_MAX;
  const fields = v.trim().split(/\s+/);
  if (fields.length > 1) {
    if (fields.length % 2 !== 0) throw bad('time', v);
    let sum: number | bigint = 0;
    for (let i = 0; i < fields.length; i += 2) sum = addNum(sum, textToNs(fields[i]! + fields[i + 1]!));
    return sum;
  }
  const i = pyInt(v.replaceAll(',', ''));
  if (i !== null) return i;
  for (const len of [2, 1]) {
    const unit = NS_UNITS[v.slice(-len)];
    if (unit === undefined || (len === 1 && /[nmu]s$/.test(v))) continue;
    const num = pyFloat(v.slice(0, -len));
    if (num !== null) return num * unit;
  }
  const f = pyFloat(v);
  if (f === null) throw bad('time', v);
  return f;
}

function addNum(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'bigint' && typeof b === 'bigint') return normInt(a + b);
  if (typeof a === 'bigint' || typeof b === 'bigint') return Number(a) + Number(b);
  return a + b;
}

/** text_to_us: text_to_ns/1000 for strings with units; plain numbers are already µs. */
export function textToUs(v: unknown): number {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const i = pyInt(v.replaceAll(',', ''));
    if (i !== null) return Number(i);
    const f = pyFloat(v);
    if (f !== null) return f;
  }
  return Number(textToNs(v)) / 1000;
}

/** text_to_percent: a number or `<n>%`. */
export function textToPercent(v: unknown): number {
  if (typeof v === 'string' && v.endsWith('%')) return Number(textToNr(v.slice(0, -1)));
  return Number(textToNr(v));
}
