/**
 * The per-context seeded PRNG (newest mainline seeds one per ctx): xoshiro128** seeded through
 * splitmix32, so that the same seed gives the same sequence bit for bit on every platform.
 */
export class Prng {
  /**
   * xoshiro128** state words a, b, c, d as int32. An Int32Array rather than fields: the values are
   * never boxed, and the simulator's per-access path (src/backends/sim/access.ts) steps it inline.
   */
  readonly state = new Int32Array(4);

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    const st = this.state;
    for (let i = 0; i < 4; i++) st[i] = next();
    if ((st[0]! | st[1]! | st[2]! | st[3]!) === 0) st[0] = 1;
  }

  /** Next 32-bit unsigned value. */
  nextU32(): number {
    return this.nextI32() >>> 0;
  }

  /**
   * The raw draw as a signed int32: it stays a small integer across a call that V8 does not inline,
   * where an unsigned value above 2^31 would be boxed (one allocation per draw on the hot paths).
   */
  private nextI32(): number {
    const st = this.state;
    const a = st[0]!;
    const b = st[1]!;
    const c = st[2]! ^ a;
    const d = st[3]! ^ b;
    st[0] = a ^ d;
    st[1] = b ^ c;
    st[2] = c ^ (b << 9);
    st[3] = rotl(d, 11);
    return Math.imul(rotl(Math.imul(b, 5), 7), 9);
  }

  /**
   * damon_rand(l, r): uniform integer in [lo, hi). The kernel draws a u32 (get_random_u32_below),
   * which truncates spans above 4 GiB; we draw 53 bits for such spans instead so that large
   * physical ranges are sampled uniformly (documented deviation). hi <= lo returns lo.
   */
  rand(lo: number, hi: number): number {
    const span = hi - lo;
    if (span <= 1) return lo;
    if (span <= 0x100000000) return lo + Math.floor(((this.nextI32() >>> 0) / 0x100000000) * span);
    const x = (this.nextI32() >>> 6) * 0x8000000 + (this.nextI32() >>> 5);
    return lo + Math.min(span - 1, Math.floor((x / 2 ** 53) * span));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
