import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fmtNr,
  fmtSz,
  fmtSzAccurate,
  fmtTimeNs,
  fmtTimeNsExact,
  pyD,
  pyF,
  pyFloatRepr,
} from '../../src/records/pyformat.js';
import { textToBytes, textToNr, textToNs, textToUs } from '../../src/records/textnum.js';

describe('Python number formatting (damo-report-math §0)', () => {
  it('%.Nf rounds exact ties half to even, unlike toFixed', () => {
    expect(pyF(1.0625, 3)).toBe('1.062');
    expect(pyF(1.1875, 3)).toBe('1.188');
    expect(pyF(2.5, 0)).toBe('2');
    expect(pyF(0.125, 2)).toBe('0.12');
    expect(pyF(-0.375, 2)).toBe('-0.38');
    expect(pyF(9.9996, 3)).toBe('10.000');
    // an odd multiple of 64 KiB in MiB is an exact tie
    expect(fmtSz(5 * 64 * 1024 + 1024 * 1024, false)).toBe('1.312 MiB');
  });
  it('%.3f agrees with the exact half-even rounding of the decimal expansion (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 16 }), (m, e) => {
        const x = m / 2 ** e;
        // exact decimal expansion, rounded half to even at 3 digits, by BigInt arithmetic
        const num = BigInt(m) * 1000n;
        const den = 2n ** BigInt(e);
        let q = num / den;
        const r2 = (num % den) * 2n;
        if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
        const want = `${q / 1000n}.${(q % 1000n).toString().padStart(3, '0')}`;
        expect(pyF(x, 3)).toBe(want);
      }),
      { seed: 5, numRuns: 2000 },
    );
  });
  it('%s of a float is Python repr', () => {
    expect(pyFloatRepr(20)).toBe('20.0');
    expect(pyFloatRepr(0)).toBe('0.0');
    expect(pyFloatRepr(-0)).toBe('-0.0');
    expect(pyFloatRepr(0.0001)).toBe('0.0001');
    expect(pyFloatRepr(1e-5)).toBe('1e-05');
    expect(pyFloatRepr(1.5e-5)).toBe('1.5e-05');
    expect(pyFloatRepr(1e16)).toBe('1e+16');
    expect(pyFloatRepr(12345678901234568)).toBe('1.2345678901234568e+16');
    expect(pyFloatRepr(20.999999999999996)).toBe('20.999999999999996');
    expect(pyFloatRepr(-0.03125)).toBe('-0.03125');
    expect(pyFloatRepr(112926860.96875)).toBe('112926860.96875');
    expect(pyFloatRepr(NaN)).toBe('nan');
    expect(pyFloatRepr(-Infinity)).toBe('-inf');
  });
  it('%d truncates floats and keeps BigInt exact', () => {
    expect(pyD(-2.7)).toBe('-2');
    expect(pyD(18446623435582458880n)).toBe('18446623435582458880');
  });
  it('format_sz thresholds are strict', () => {
    expect(fmtSz(1024 * 1024, false)).toBe('1024.000 KiB');
    expect(fmtSz(1024, false)).toBe('1024 B');
    expect(fmtSz(1025, false)).toBe('1.001 KiB');
    expect(fmtSz(2 ** 64 - 1, false)).toBe('max');
    expect(fmtSz(123.9, true)).toBe('123');
    expect(fmtSzAccurate(2 ** 40 + 8 * 2 ** 30, false)).toBe('1.007812 TiB');
  });
  it('format_nr groups thousands', () => {
    expect(fmtNr(94827419009024, false)).toBe('94,827,419,009,024');
    expect(fmtNr(-1234, false)).toBe('-1,234');
    expect(fmtNr(999, false)).toBe('999');
    expect(fmtNr(1234, true)).toBe('1234');
  });
  it('format_time_ns matches the spec examples', () => {
    expect(fmtTimeNs(104599000, false)).toBe('104.599 ms');
    expect(fmtTimeNs(539809434100, false)).toBe('8 m 59.809 s');
    expect(fmtTimeNs(23 * 3.6e12 + 20852000000, false)).toBe('23 h 20.852 s');
    expect(fmtTimeNs(23 * 3.6e12 + 77316000000, false)).toBe('23 h 1 m 17.316 s');
    expect(fmtTimeNs(3e9, false)).toBe('3 s');
    expect(fmtTimeNs(0, false)).toBe('0 ns');
    expect(fmtTimeNs(120e9, false)).toBe('2 m');
    expect(fmtTimeNs(125e9, false)).toBe('2 m 5 s');
    expect(fmtTimeNs(-1500, false)).toBe('-1.500 us');
    expect(fmtTimeNs(56797184551, false)).toBe('56.797 s');
  });
  it('format_time_ns_exact splits into units', () => {
    expect(fmtTimeNsExact(0, false)).toBe('0 ns');
    expect(fmtTimeNsExact(90061001001001, false)).toBe('1 d 1 h 1 m 1 s 1 ms 1 us 1 ns');
    expect(fmtTimeNsExact(100000000, false)).toBe('100 ms');
  });
});

describe('text_to_* parsers', () => {
  it('parse damo strings', () => {
    expect(textToNr('94,827,419,009,024')).toBe(94827419009024);
    expect(textToNr('max')).toBe(18446744073709551615n);
    expect(textToNr('18446623435582458880')).toBe(18446623435582458880n);
    expect(textToNr('1.5')).toBe(1.5);
    expect(textToBytes('4 KiB')).toBe(4096);
    expect(textToBytes('4KiB')).toBe(4096);
    expect(textToBytes('1.5 M')).toBe(1572864);
    expect(textToBytes('0 B')).toBe(0);
    expect(textToBytes('min')).toBe(0);
    expect(textToNs('8 m 59.809 s')).toBeCloseTo(539809000000, 0);
    expect(textToNs('5ms')).toBe(5e6);
    expect(textToNs('1700000000123456789')).toBe(1700000000123456789n);
    expect(textToUs('100 ms')).toBe(100000);
    expect(textToUs('5000')).toBe(5000);
    expect(() => textToBytes('12 XB')).toThrow(/invalid bytes value "12 XB"/);
    expect(() => textToNs('soon')).toThrow(/invalid time/);
  });
  it('text_to_nr inverts format_nr (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (n) => {
        const back = textToNr(fmtNr(n, false));
        expect(BigInt(back)).toBe(n);
      }),
    );
  });
  it('text_to_bytes reads sizes with units (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.constantFrom('K', 'KB', 'KiB', 'M', 'MiB', 'G'),
        (n, u) => {
          const mult = u.startsWith('K') ? 1024 : u.startsWith('M') ? 1024 ** 2 : 1024 ** 3;
          expect(textToBytes(`${n} ${u}`)).toBe(Math.min(2 ** 64, n * mult));
        },
      ),
    );
  });
  it('text_to_ns reads back format_time_ns of whole milliseconds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 3600 * 1000 }), (ms) => {
        const ns = ms * 1e6;
        expect(Math.round(Number(textToNs(fmtTimeNs(ns, false))))).toBe(ns);
      }),
    );
  });
});

const hasPython = spawnSync('python3', ['-c', '1']).status === 0;
if (!hasPython) console.log('skipping the pyFloatRepr comparison with Python: python3 is missing');

describe('pyFloatRepr against Python', () => {
  it.skipIf(!hasPython)('prints what Python 3 repr() prints, around the fixed-notation bounds too', () => {
    const values = [
      1e-4, 9.999999999999999e-5, 1e16, 9999999999999998, 21, 20.999999999999996, -1e15, 5e-324,
    ];
    values.push(
      ...fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), { numRuns: 20000, seed: 3 }),
    );
    // JSON numbers round-trip exactly between JS and Python floats
    const py = spawnSync(
      'python3',
      ['-c', 'import json,sys\nfor v in json.load(sys.stdin): print(repr(float(v)))'],
      {
        input: JSON.stringify(values.map((v) => (Object.is(v, -0) ? 0 : v))),
        encoding: 'utf8',
      },
    );
    const expected = py.stdout.trimEnd().split('\n');
    expect(expected).toHaveLength(values.length);
    values.forEach((v, i) => expect(pyFloatRepr(Object.is(v, -0) ? 0 : v)).toBe(expected[i]));
  });
});
