/**
 * kiln's counter-based random generator: element `i` of a random tensor with seed `s` is a
 * pure function of (s, i), so every backend, eager or compiled, gives the same values. The
 * mixer is murmur3's 32-bit finalizer over a Weyl-sequence counter, which needs only 32-bit
 * multiply, xor and shift, and so has exact equivalents in JS, WebAssembly and WGSL.
 */
export function randomBits(seed: number, counter: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b9) + Math.imul(counter | 0, 0x85ebca6b) + 0x632be5ab) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ (seed | 0), 0x27d4eb2f);
  h ^= h >>> 15;
  return h >>> 0;
}

/** A float32-exact uniform number in [0, 1): the top 24 bits of the hash. */
export function randomUniform01(seed: number, counter: number): number {
  return (randomBits(seed, counter) >>> 8) / 16777216;
}
