/**
 * Python's number formatting and damo's unit formatters (damo-report-math.md §0). damo's output is
 * produced by `%d`, `%.Nf` and `%s`, whose rounding and float rendering differ from JS's; these
 * functions reproduce them so that our text is byte-identical to damo's.
 */

/** Python `'%d' % x`: floats truncate toward zero. */
export function pyD(x: number | bigint): string {
  if (typeof x === 'bigint') return x.toString();
  if (!Number.isFinite(x)) throw new Error(`cannot format ${x} with %d`);
  const t = Math.trunc(x);
  // String() is exact below 2^53 (and prints -0 as 0, as Python's int does); BigInt above
  return Math.abs(t) <= Number.MAX_SAFE_INTEGER ? String(t) : BigInt(t).toString();
}

/** Python `'%.Nf' % x`: rounds the exact binary value half to even (JS toFixed rounds ties up). */
export function pyF(x: number | bigint, digits = 6): string {
  if (typeof x === 'bigint') return `${x}${digits > 0 ? '.' + '0'.repeat(digits) : ''}`;
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  // toFixed rounds correctly except on exact ties; a scaled value whose fraction is far from .5 is no tie
  const scaled = abs * 10 ** digits;
  if (scaled < 1e9 && Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-6)
    return (neg ? '-' : '') + abs.toFixed(digits);
  // toFixed(100) is the exact decimal expansion for the magnitudes damo prints (< 1e21).
  const exact = abs < 1e21 ? abs.toFixed(100) : BigInt(abs).toString() + '.' + '0'.repeat(100);
  const dot = exact.indexOf('.');
  const intPart = exact.slice(0, dot);
  const frac = exact.slice(dot + 1);
  let kept = intPart + frac.slice(0, digits);
  const next = frac.charCodeAt(digits) - 48;
  const rest = frac.slice(digits + 1);
  const lastDigit = kept.charCodeAt(kept.length - 1) - 48;
  const roundUp = next > 5 || (next === 5 && (/[1-9]/.test(rest) || lastDigit % 2 === 1));
  if (roundUp) kept = incrementDecimal(kept);
  const ip = kept.slice(0, kept.length - digits);
  const fp = kept.slice(kept.length - digits);
  return `${neg ? '-' : ''}${ip}${digits > 0 ? '.' + fp : ''}`;
}

function incrementDecimal(s: string): string {
  const d = s.split('');
  let i = d.length - 1;
  for (; i >= 0; i--) {
    if (d[i] === '9') d[i] = '0';
    else {
      d[i] = String.fromCharCode(d[i]!.charCodeAt(0) + 1);
      break;
    }
  }
  return i < 0 ? '1' + d.join('') : d.join('');
}

/** Python `repr(float)`: shortest round-trip digits, positional for exponents in [-4, 16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // where both print fixed notation, JS's shortest round-trip digits are Python's; only integral
  // values differ ('21' vs '21.0')
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e16) return Number.isInteger(x) ? `${x}.0` : String(x);
  const neg = x < 0;
  const [mant, expStr] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const e = Number(expStr);
  let body: string;
  if (e >= -4 && e < 16) {
    if (e < 0) body = '0.' + '0'.repeat(-e - 1) + digits;
    else if (digits.length <= e + 1) body = digits + '0'.repeat(e + 1 - digits.length) + '.0';
    else body = digits.slice(0, e + 1) + '.' + digits.slice(e + 1);
  } else {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    body = `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return neg ? '-' + body : body;
}

/** A Python number: an int (number or BigInt) or a float. Python prints them differently with %s. */
export interface PyNum {
  v: number;
  float: boolean;
}

/** Python `'%s' % x` for an int, a float (flagged) or None. */
export function pyS(x: number | bigint | null, isFloat = false): string {
  if (x === null) return 'None';
  if (typeof x === 'bigint') return x.toString();
  if (isFloat || !Number.isInteger(x)) return pyFloatRepr(x);
  return BigInt(x).toString();
}

function groupThousands(digits: string): string {
  const neg = digits.startsWith('-');
  const d = neg ? digits.slice(1) : digits;
  let out = '';
  for (let i = 0; i < d.length; i++) {
    if (i > 0 && (d.length - i) % 3 === 0) out += ',';
    out += d[i];
  }
  return neg ? '-' + out : out;
}

/** damo format_nr: `%d`, with comma thousands separators unless raw. */
export function fmtNr(n: number | bigint, raw: boolean): string {
  // damo puts the sign before formatting the magnitude: -0.5 prints as '-0'
  if (n < 0) return '-' + fmtNr(typeof n === 'bigint' ? -n : -n, raw);
  const s = pyD(n);
  return raw ? s : groupThousands(s);
}

const SZ_UNITS: readonly [number, string][] = [
  [2 ** 60, 'EiB'],
  [2 ** 50, 'PiB'],
  [2 ** 40, 'TiB'],
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
];
const U64_MAX_FLOAT = 2 ** 64;

function fmtSzWith(v: number | bigint, raw: boolean, digits: number): string {
  if (raw) return pyD(v);
  const f = Number(v);
  if (f === U64_MAX_FLOAT) return 'max';
  for (const [unit, name] of SZ_UNITS) if (f > unit) return `${pyF(f / unit, digits)} ${name}`;
  return `${pyD(f)} B`;
}

/** damo format_sz: `%.3f <unit>` at the first unit strictly below the value. */
export function fmtSz(v: number | bigint, raw: boolean): string {
  return fmtSzWith(v, raw, 3);
}

/** damo format_sz_accurate: as fmtSz with `%f`. */
export function fmtSzAccurate(v: number | bigint, raw: boolean): string {
  return fmtSzWith(v, raw, 6);
}

const NS_H = 3.6e12;
const NS_M = 60e9;

/** damo format_time_ns. */
export function fmtTimeNs(t: number | bigint, raw: boolean): string {
  if (raw) return pyD(t);
  let f = Number(t);
  if (f < 0) return '-' + fmtTimeNs(-f, raw);
  if (f >= U64_MAX_FLOAT - 1) return 'max';
  if (f >= NS_H) {
    const h = Math.trunc(f / NS_H);
    const r = f - h * NS_H;
    return r === 0 ? `${h} h` : `${h} h ${fmtTimeNs(r, raw)}`;
  }
  if (f >= NS_M) {
    if (f % NS_M === 0) return `${pyD(f / NS_M)} m`;
    if (f % 1e9 === 0) return `${pyD(f / NS_M)} m ${pyD((f % NS_M) / 1e9)} s`;
    return `${pyD(f / NS_M)} m ${pyF((f % NS_M) / 1e9, 3)} s`;
  }
  for (const [unit, name] of [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'us'],
  ] as const) {
    if (f >= unit) return f % unit === 0 ? `${pyD(f / unit)} ${name}` : `${pyF(f / unit, 3)} ${name}`;
  }
  f = Math.trunc(f);
  return `${pyD(f)} ns`;
}

const EXACT_UNITS: readonly [bigint, string][] = [
  [86400n * 10n ** 9n, 'd'],
  [3600n * 10n ** 9n, 'h'],
  [60n * 10n ** 9n, 'm'],
  [10n ** 9n, 's'],
  [10n ** 6n, 'ms'],
  [10n ** 3n, 'us'],
];

/** damo format_time_ns_exact (used only in the JSON damo writes). */
export function fmtTimeNsExact(t: number | bigint, raw: boolean): string {
  if (raw) return pyD(t);
  const v = typeof t === 'bigint' ? t : BigInt(Math.trunc(t));
  for (const [unit, name] of EXACT_UNITS) {
    if (unit <= v) {
      const rem = v % unit;
      const head = `${fmtNr(v / unit, false)} ${name}`;
      return rem === 0n ? head : `${head} ${fmtTimeNsExact(rem, raw)}`;
    }
  }
  return `${v} ns`;
}

/** damo format_time_us: raw prints the µs, otherwise format_time_ns of the ns. */
export function fmtTimeUs(us: number, raw: boolean): string {
  return raw ? pyD(us) : fmtTimeNs(us * 1000, false);
}

/** Python `x % 1.0` (non-negative for a positive divisor, unlike JS's remainder). */
function pyModOne(x: number): number {
  const m = x % 1;
  return m !== 0 && m < 0 ? m + 1 : m;
}

/** damo format_ratio: whole percents with thousands separators, then up to 7 fraction digits. */
export function fmtRatio(ratio: number, raw: boolean): string {
  if (raw) return pyF(ratio);
  const over = fmtNr(Math.trunc(ratio * 100), false);
  const under = pyF(pyModOne(ratio * 100), 7)
    .replace(/0+$/, '')
    .slice(2);
  return under === '' ? `${over} %` : `${over}.${under} %`;
}

/** damo format_percent. */
export function fmtPercent(percent: number, raw: boolean): string {
  return raw ? pyF(percent) : fmtRatio(percent / 100, false);
}

/** damo format_bp. */
export function fmtBp(bp: number, raw: boolean): string {
  return raw ? pyF(bp) : fmtRatio(bp / 10000, false);
}

/** damo format_hz: three decimals below 10 hz (but not 0), whole hz with separators otherwise. */
export function fmtHz(hz: number, raw: boolean, noSuffix = false): string {
  if (raw) return pyF(hz);
  const suffix = noSuffix ? '' : ' hz';
  return hz < 10 && hz !== 0 ? `${pyF(hz, 3)}${suffix}` : `${fmtNr(hz, false)}${suffix}`;
}
