// A small seeded PRNG (mulberry32) so a torture run is reproducible from one
// number: the same seed always generates the same C++ text.

/** Random choices drawn from one 32-bit seed, in a fixed order. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32 random bits (mulberry32). */
  next32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + (this.next32() % (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)];
  }

  /** `bits` random bits (up to 128) as a bigint. */
  bits(bits: number): bigint {
    let v = 0n;
    for (let have = 0; have < bits; have += 32) v = (v << 32n) | BigInt(this.next32());
    return v & ((1n << BigInt(bits)) - 1n);
  }
}
