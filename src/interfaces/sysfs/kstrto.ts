/**
 * The kernel's string-to-number parsers as DAMON's sysfs store functions use them (lib/kstrtox.c):
 * base 0 (decimal, 0x hex, 0 octal), an optional '+' (and '-' for signed), one trailing newline;
 * -EINVAL for malformed input, -ERANGE for overflow. Values are bigint so that u64 round-trips.
 */
import { SysfsErrno } from './errno.js';

const U64_MAX = (1n << 64n) - 1n;

function stripNewline(s: string): string {
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

function parseUnsigned(raw: string, max: bigint): bigint {
  let s = stripNewline(raw);
  if (s.startsWith('+')) s = s.slice(1);
  let base = 10;
  if (/^0[xX]/.test(s)) {
    base = 16;
    s = s.slice(2);
  } else if (s.length > 1 && s.startsWith('0')) {
    base = 8;
    s = s.slice(1);
  }
  const digits = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digits.test(s)) throw new SysfsErrno('EINVAL');
  let v = 0n;
  const b = BigInt(base);
  for (const c of s) {
    v = v * b + BigInt(parseInt(c, base));
    if (v > U64_MAX) throw new SysfsErrno('ERANGE');
  }
  if (v > max) throw new SysfsErrno('ERANGE');
  return v;
}

/** kstrtoul (64-bit). */
export function kstrtoul(s: string): bigint {
  return parseUnsigned(s, U64_MAX);
}

/** kstrtouint. */
export function kstrtouint(s: string): bigint {
  return parseUnsigned(s, 0xffffffffn);
}

/** kstrtoint: a leading '-' negates; the result must fit in s32. */
export function kstrtoint(raw: string): bigint {
  const s = stripNewline(raw);
  if (s.startsWith('-')) {
    const v = parseUnsigned(s.slice(1), 1n << 63n);
    if (v > 1n << 31n) throw new SysfsErrno('ERANGE');
    return -v;
  }
  const v = parseUnsigned(s, U64_MAX);
  if (v > 0x7fffffffn) throw new SysfsErrno('ERANGE');
  return v;
}

/** kstrtobool: y/Y/1/on → true, n/N/0/off → false (only the first two characters matter). */
export function kstrtobool(s: string): boolean {
  const c = s[0];
  if (c === 'y' || c === 'Y' || c === '1') return true;
  if (c === 'n' || c === 'N' || c === '0') return false;
  if (c === 'o' || c === 'O') {
    const d = s[1];
    if (d === 'n' || d === 'N') return true;
    if (d === 'f' || d === 'F') return false;
  }
  throw new SysfsErrno('EINVAL');
}

/** sysfs_streq: equal ignoring one trailing newline on the written value. */
export function sysfsStreq(written: string, keyword: string): boolean {
  return stripNewline(written) === keyword;
}

/** The keyword the value names among `keywords`, or EINVAL. */
export function keyword<T extends string>(written: string, keywords: readonly T[]): T {
  const k = keywords.find((w) => sysfsStreq(written, w));
  if (k === undefined) throw new SysfsErrno('EINVAL');
  return k;
}
