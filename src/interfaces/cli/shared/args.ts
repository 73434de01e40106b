/** The CLI's argument parsers: option values to numbers, choices, seeds and files, or a UsageError naming the option. */
import { existsSync } from 'node:fs';
import { imageFormat } from '../../../reports/plot.js';
import { UsageError } from '../../../config/errors.js';
import { RECORD_FORMATS, type RecordFormat } from '../../../records/types.js';

/** An integer option value, or a UsageError naming the option. */
export function intArg(v: string, option: string): number {
  if (!/^[+-]?\d+$/.test(v.trim())) throw new UsageError(`${option}: '${v}' is not an integer`);
  return Number(v);
}

export function numArg(v: string, option: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${option}: '${v}' is not a number`);
  return n;
}

/** Checks that a variadic option got between min and max values. */
export function countArgs(v: string[], option: string, min: number, max: number): string[] {
  if (v.length < min || v.length > max)
    throw new UsageError(`${option} takes ${min === max ? min : `${min} to ${max}`} values, got ${v.length}`);
  return v;
}

/** An image name the plotter can write (checked before any work), or a usage error naming the option. */
export function checkImageName(path: string, option: string): void {
  try {
    imageFormat(path);
  } catch (e) {
    throw new UsageError(`${option} ${(e as Error).message}`);
  }
}

export function inputFile(path: string): string {
  if (!existsSync(path)) throw new Error(`input file ${path} does not exist`);
  return path;
}

export function choice<T extends string>(v: string, allowed: readonly T[], option: string): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`${option}: '${v}' is not one of ${allowed.join(', ')}`);
  return v as T;
}

/** `--seed` of the commands that run the simulated machine: its PRNG seed, 1 by default. */

export function parseSeed(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1)
    throw new UsageError(`--seed: expected an integer in [0, 2^32-1], got "${value}"`);
  return n;
}

/** --output_type and --output_permission of commands that write records. */
export function outputOptions(o: { output_type: string; output_permission: string }): {
  format: RecordFormat;
  mode: number;
} {
  if (!(RECORD_FORMATS as readonly string[]).includes(o.output_type))
    throw new UsageError(`--output_type: '${o.output_type}' is not one of ${RECORD_FORMATS.join(', ')}`);
  if (!/^[0-7]{3,4}$/.test(o.output_permission))
    throw new UsageError(`--output_permission: '${o.output_permission}' is not an octal mode`);
  return { format: o.output_type as RecordFormat, mode: parseInt(o.output_permission, 8) };
}
