/**
 * Configuration values as damo writes them: JSON numbers or strings with units ("5 ms", "4 KiB",
 * "max", "4 %"). The text_to_* rules are damo's, implemented once in src/records/textnum.ts; here they
 * are adapted to configuration: results are integers (floor, as the kernel takes them) and "max"
 * (2^64-1, which a JS number cannot hold exactly) is U64_MAX = 2^64, the nearest double. The sysfs
 * writer prints every value >= U64_MAX as 18446744073709551615.
 */
import * as tn from '../records/textnum.js';

export const U64_MAX = 2 ** 64;
export const U32_MAX = 4294967295;

export type NumberText = number | string;

/** A value that does not parse; the message says what was expected, the caller adds where. */
export class UnitError extends Error {
  override name = 'UnitError';
}

const U64_MAX_EXACT = 18446744073709551615n;

/** A decimal integer written out (commas as separators, an optional " B"), exactly; else null. */
function exactInteger(text: NumberText): bigint | null {
  if (typeof text !== 'string') return null;
  const m = /^\s*([\d,]+)\s*B?\s*$/.exec(text);
  return m && /\d/.test(m[1]!) ? BigInt(m[1]!.replaceAll(',', '')) : null;
}

/**
 * A non-negative integer no larger than 2^64-1 (the kernel's u64), floored. Larger values are
 * refused, not clamped to "max": a typo must not become "no limit". A JSON number of 2^64 is taken
 * as "max" (2^64-1 has no exact double; JSON.parse rounds it to 2^64).
 */
function integer(text: NumberText, what: string, parse: () => number | bigint): number {
  if (typeof text === 'string' && text.trim() === 'max') return U64_MAX;
  const exact = exactInteger(text);
  // damo's raw output writes an unlimited age or reset interval as 2^64-1 scaled to ns (×1000, ×10^6).
  if (exact !== null && (exact === U64_MAX_EXACT * 1000n || exact === U64_MAX_EXACT * 1000000n))
    return U64_MAX;
  if (exact !== null && exact > U64_MAX_EXACT)
    throw new UnitError(`${JSON.stringify(text)} is larger than 2^64-1 (18446744073709551615, "max")`);
  let v: number | bigint;
  try {
    v = parse();
  } catch {
    throw new UnitError(`expected ${what}, got ${JSON.stringify(text)}`);
  }
  if (typeof v === 'bigint') {
    if (v > U64_MAX_EXACT)
      throw new UnitError(`${JSON.stringify(text)} is larger than 2^64-1 (18446744073709551615, "max")`);
    if (v < 0n) throw new UnitError(`expected a non-negative value, got ${JSON.stringify(text)}`);
    return v === U64_MAX_EXACT ? U64_MAX : Number(v);
  }
  if (!Number.isFinite(v)) throw new UnitError(`expected ${what}, got ${JSON.stringify(text)}`);
  if (v < 0) throw new UnitError(`expected a non-negative value, got ${JSON.stringify(text)}`);
  if (v > U64_MAX || (v === U64_MAX && exact === null && typeof text !== 'number'))
    throw new UnitError(`${JSON.stringify(text)} is larger than 2^64-1 (18446744073709551615, "max")`);
  return Math.floor(v);
}

/** text_to_nr: a number, "max" (2^64-1), commas as digit separators. */
export function textToNr(text: NumberText): number {
  return integer(text, 'a number or "max"', () => tn.textToNr(text));
}

/** text_to_bytes: "min", "max", or a number with an optional binary unit (K = KiB). */
export function textToBytes(text: NumberText): number {
  return integer(text, 'bytes (e.g. 4096, "4 KiB", "max")', () => tn.textToBytes(text));
}

/** text_to_us: plain numbers are µs; strings with units convert ("5 ms" = 5000). */
export function textToUs(text: NumberText): number {
  return integer(text, 'a time (e.g. 5000, "5 ms", "1 s", "max")', () => tn.textToUs(text));
}

/** Milliseconds: plain numbers are ms; strings with units convert ("1 s" = 1000). */
export function textToMs(text: NumberText): number {
  return integer(text, 'a time in ms (e.g. 100, "1 s", "max")', () =>
    typeof text === 'string' && !/^[\s\d.,+-]+$/.test(text)
      ? Number(tn.textToNs(text)) / 1e6
      : tn.textToNr(text),
  );
}

function scaled(text: NumberText, scale: number, what: string, unitName: string): number {
  return integer(text, `${what} (a number, "N %" or "N ${unitName}")`, () => {
    if (typeof text === 'number') return text;
    const t = text.trim();
    if (t.endsWith('%')) return Number(tn.textToNr(t.slice(0, -1).trim())) * scale;
    return tn.textToNr(t.endsWith(unitName) ? t.slice(0, -unitName.length).trim() : t);
  });
}

/** Basis points: plain numbers are bp, "4 %" is 400. */
export function textToBp(text: NumberText): number {
  return scaled(text, 100, 'basis points', 'bp');
}

/** Per-mille: plain numbers are permil, "10 %" is 100. */
export function textToPermil(text: NumberText): number {
  return scaled(text, 10, 'per-mille', 'permil');
}

/** Percent: a number or "N %" (may be fractional, as damo's text_to_percent). */
export function textToPercent(text: NumberText): number {
  let n = NaN;
  try {
    n = tn.textToPercent(typeof text === 'string' ? text.trim() : text);
  } catch {
    // reported below
  }
  if (n > U64_MAX) throw new UnitError(`${JSON.stringify(text)} is larger than 2^64-1 percent ("max")`);
  if (Number.isFinite(n)) return n;
  throw new UnitError(`expected a percentage (e.g. 50 or "50 %"), got ${JSON.stringify(text)}`);
}
