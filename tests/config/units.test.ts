import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  U64_MAX,
  UnitError,
  textToBp,
  textToBytes,
  textToMs,
  textToNr,
  textToPercent,
  textToPermil,
  textToUs,
} from '../../src/config/units.js';

describe('configuration units (damo text_to_*)', () => {
  it('parses damo unit strings and plain numbers', () => {
    expect(textToUs('5 ms')).toBe(5000);
    expect(textToUs('1 s')).toBe(1_000_000);
    expect(textToUs('1 m 30 s')).toBe(90_000_000);
    expect(textToUs(7)).toBe(7);
    expect(textToUs('250')).toBe(250);
    expect(textToMs('1 s')).toBe(1000);
    expect(textToMs('100')).toBe(100);
    expect(textToBytes('4 KiB')).toBe(4096);
    expect(textToBytes('1.5 GiB')).toBe(1.5 * 2 ** 30);
    expect(textToBytes('128M')).toBe(128 * 2 ** 20);
    expect(textToBytes('min')).toBe(0);
    expect(textToNr('1,000')).toBe(1000);
    expect(textToBp('4%')).toBe(400);
    expect(textToBp('4 %')).toBe(400);
    expect(textToBp(400)).toBe(400);
    expect(textToPermil('10 %')).toBe(100);
    expect(textToPercent('50 %')).toBe(50);
  });

  it('"max" is 2^64-1, held as U64_MAX', () => {
    for (const f of [textToNr, textToBytes, textToUs, textToMs]) expect(f('max')).toBe(U64_MAX);
    expect(textToBytes('18446744073709551615')).toBe(U64_MAX);
  });

  it('rejects garbage with what was expected', () => {
    expect(() => textToUs('5 parsecs')).toThrow(UnitError);
    expect(() => textToUs('5 parsecs')).toThrow(/expected a time .*"5 parsecs"/);
    expect(() => textToBytes('lots')).toThrow(/expected bytes/);
    expect(() => textToBp('x%')).toThrow(/basis points/);
  });

  it('byte counts with binary units round trip (property)', () => {
    const units = [
      ['B', 1],
      ['KiB', 2 ** 10],
      ['MiB', 2 ** 20],
      ['GiB', 2 ** 30],
      ['K', 2 ** 10],
      ['MB', 2 ** 20],
    ] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 20 }),
        fc.constantFrom(...units),
        fc.boolean(),
        (n, [u, mult], space) => {
          expect(textToBytes(`${n}${space ? ' ' : ''}${u}`)).toBe(n * mult);
        },
      ),
      { seed: 42 },
    );
  });

  it('times with units are floored to whole µs (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), (ns) => {
        expect(textToUs(`${ns} ns`)).toBe(Math.floor(ns / 1000));
        expect(textToUs(`${ns} ms`)).toBe(ns * 1000);
      }),
      { seed: 7 },
    );
  });
});
