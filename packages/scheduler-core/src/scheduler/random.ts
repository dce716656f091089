/** A small seedable PRNG (mulberry32) so tie-breaking is reproducible in tests and benchmarks. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  intn(n: number): number;
}

export function createRandom(seed: number = Math.floor(Math.random() * 2 ** 32)): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, intn: (n) => Math.floor(next() * n) };
}
