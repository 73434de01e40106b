/** Growable typed-array storage of the machine: one copy-on-grow helper for every column. */

type Column = Int32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array;

/** A copy of `a` with `n` elements: the old ones first, the new ones set to `fill`. */
export function grown<T extends Column>(a: T, n: number, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}
