// Seeded, reproducible PRNG for tests (NOT for keys in production).
// xoshiro128** (Blackman & Vigna), state seeded by splitmix64 from a 64-bit seed.
// Portable: no node: imports. Every failure message should include `rng.seed`.

const M64 = (1n << 64n) - 1n;

function splitmix64(state) {
  // returns [nextState, output] as bigints
  const s = (state + 0x9e3779b97f4a7c15n) & M64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return [s, z ^ (z >> 31n)];
}

/** A fresh random 64-bit seed as a decimal string (from crypto.getRandomValues). */
export function randomSeed() {
  const w = crypto.getRandomValues(new Uint32Array(2));
  return ((BigInt(w[0]) << 32n) | BigInt(w[1])).toString();
}

/**
 * createPrng(seed) — seed: decimal string, number or bigint (taken mod 2^64).
 * Returns { seed, u32(), int(lo, hi), bool(p), bytes(n), fill(u8), big(lo, hi), pick(arr) }.
 */
export function createPrng(seed) {
  const seedBig = BigInt.asUintN(64, BigInt(seed));
  let st = seedBig;
  const s = new Uint32Array(4);
  for (let i = 0; i < 2; i++) {
    let out;
    [st, out] = splitmix64(st);
    s[2 * i] = Number(out & 0xffffffffn);
    s[2 * i + 1] = Number(out >> 32n);
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;

  function u32() {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
  function rotl(x, k) {
    return (x << k) | (x >>> (32 - k));
  }
  /** uniform integer in [lo, hi] (inclusive), hi - lo < 2^53 */
  function int(lo, hi) {
    const span = hi - lo + 1;
    if (span <= 0x100000000) return lo + Math.floor((u32() / 0x100000000) * span);
    const r = u32() * 0x200000 + (u32() >>> 11); // 53 bits
    return lo + Math.floor((r / 2 ** 53) * span);
  }
  /** uniform bigint in [lo, hi] (inclusive), up to 128-bit spans (slight bias is irrelevant here) */
  function big(lo, hi) {
    const span = hi - lo + 1n;
    let r = 0n;
    for (let i = 0; i < 5; i++) r = (r << 32n) | BigInt(u32());
    return lo + (r % span);
  }
  function fill(u8) {
    let i = 0;
    const n = u8.length;
    for (; i + 4 <= n; i += 4) {
      const w = u32();
      u8[i] = w;
      u8[i + 1] = w >>> 8;
      u8[i + 2] = w >>> 16;
      u8[i + 3] = w >>> 24;
    }
    for (; i < n; i++) u8[i] = u32();
    return u8;
  }
  return {
    seed: seedBig.toString(),
    u32,
    int,
    big,
    bool: (p = 0.5) => u32() / 0x100000000 < p,
    bytes: (n) => fill(new Uint8Array(n)),
    fill,
    pick: (arr) => arr[int(0, arr.length - 1)],
  };
}
