/** `--seed` of the commands that run the simulated machine: its PRNG seed, 1 by default. */
import { UsageError } from '../../../config/errors.js';

export function parseSeed(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1)
    throw new UsageError(`--seed: expected an integer in [0, 2^32-1], got "${value}"`);
  return n;
}
