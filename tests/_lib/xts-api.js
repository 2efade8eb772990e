// Shared by the engine.xts / engine.aes API tests (xts-arguments, xts-lifecycle, xts-results,
// xts-builds): the pinned error messages, the assertion helpers bound to the seed, a small XTS
// reference on top of engine.aes, and the two engines. Portable (Node, Deno, Chromium).
//
// Random inputs come from a seeded PRNG; the seed is printed in every failure message. To
// replay a failure set globalThis.ATREST_SEED to that seed before these modules load.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../dist/index.js';
import { loadVectors } from './vectors.js';
import { runtimeName, concat, le128 } from './hex.js';

export { le128 };
import { createPrng, randomSeed } from './prng.js';
import { byteAssertions, sameBytes, throwsLeaving } from './assert.js';

export const SEED = String(globalThis.ATREST_SEED ?? randomSeed());
export const MiB = 1024 * 1024;
export const TWO64 = 1n << 64n;
export const MARK = 0xa5;

// Loose but specific: each names the rule that was broken.
// The engine's error messages (src/engine/checks.ts, xts.ts, aes.ts), pinned: a check that
// starts failing for another rule's reason shows up here.
export const RE = {
  u8: / must be a Uint8Array, got /,
  xtsKeyLen: /^xts: key must be 64 bytes \(XTS-AES-256\) or 32 bytes \(XTS-AES-128\), got \d+$/,
  aesKeyLen: /^aes: key must be 16 bytes \(AES-128\) or 32 bytes \(AES-256\), got \d+$/,
  halves: /^xts: the two key halves must differ \(NIST SP 800-38E: key1 ≠ key2\)$/,
  min16: /(must hold at least 16 bytes, got \d+|a partial last sector needs at least 16 \(ciphertext stealing\))$/,
  unitMax: /: a data unit holds at most 2\^20 blocks \(\d+ bytes\), got \d+$/,
  sectorType: / must be a number( or a bigint)?, got /,
  negative: / must not be negative, got -/,
  integer: / must be a whole number, got /,
  unsafe: / is not a safe integer \(above 2\^53−1\): pass it as a bigint$/,
  notFinite: / must be a whole number, got (NaN|-?Infinity)$/,
  past64: /(must be at most 2\^64−1, got \d+|pass the last sector number 2\^64−1)$/,
  outSmall: /: out holds \d+ bytes but the result needs \d+$/,
  overlap: /: out partly overlaps data; pass the same array for in-place work or a separate one$/,
  sectorSizeMax: /^xts: sectorSize must be a multiple of 16 from 16 to 2\^24 bytes, got /,
  block: /(data must be whole 16-byte blocks, got \d+ bytes|tweak must be 16 bytes, got \d+)$/,
  disposed: /: this object was disposed; create a new one$/,
};

// ------------------------------------------------------------------ helpers

export const where = () => `[seed ${SEED}, ${runtimeName()}]`;

export const { assertBytes, assertAll } = byteAssertions(where);

/**
 * Asserts `call` throws an instance of Ctor (or of one of an array of constructors) whose
 * message matches `re`, and that nothing in `watch` (outs, in-place data) changed, and that an
 * Array in `watch` still holds only MARK.
 */
export function rejects(what, Ctor, re, call, watch = []) {
  throwsLeaving(what, Ctor, re, call, watch, where());
  watch.forEach((o) => {
    if (Array.isArray(o) && !o.every((x) => x === MARK))
      assert.unreachable(`${what}: a rejected call wrote into an Array`);
  });
}

export const marked = (n) => new Uint8Array(n).fill(MARK);

/** Adjusts a length so that a partial last sector, if any, holds at least 16 bytes. */
export function legalLength(len, ss) {
  const rem = len % ss;
  if (rem === 0 || rem >= 16) return len;
  return ss === 16 ? len + 16 - rem : len + 16;
}

/** A random XTS key (32 or 64 bytes) whose halves differ. */
export function xtsKey(rng, len = 64) {
  const k = rng.bytes(len);
  if (sameBytes(k.subarray(0, len / 2), k.subarray(len / 2))) k[0] ^= 1;
  return k;
}

/** Per-sector reference: each sector through encryptUnit/decryptUnit with tweak LE(first + i). */
export function perSector(x, data, first, sectorSize, decrypt) {
  const parts = [];
  for (let off = 0, i = 0n; off < data.length; off += sectorSize, i++) {
    const s = data.subarray(off, Math.min(off + sectorSize, data.length));
    const tw = le128(BigInt(first) + i);
    parts.push(decrypt ? x.decryptUnit(s, tw) : x.encryptUnit(s, tw));
  }
  return concat(parts);
}

/** Whole memory snapshot. */
export const snapshot = (engine) => new Uint8Array(engine.memory.buffer).slice();

/** Index of the first differing byte (bytes past the shorter length compare to 0), or -1. */
export function memDiff(a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return i;
  return -1;
}

// ----- a tiny XTS reference in JS on top of engine.aes (AES itself is checked by aes-kat) -----

/** multiply the tweak by x in GF(2^128), little-endian (IEEE 1619 §5.2) */
export function gfDouble(t) {
  let carry = 0;
  for (let i = 0; i < 16; i++) {
    const b = t[i];
    t[i] = ((b << 1) | carry) & 0xff;
    carry = b >>> 7;
  }
  if (carry) t[0] ^= 0x87;
}

export function xorBytes(a, b) {
  const o = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i] ^ b[i];
  return o;
}

/** XTS data unit by the book (IEEE 1619 §5.3), with every AES call through engine.aes. */
export function refXtsUnit(engine, key, tweak, data, decrypt) {
  const h = key.length / 2;
  const a1 = engine.aes(key.subarray(0, h));
  const a2 = engine.aes(key.subarray(h));
  try {
    const m = Math.floor(data.length / 16);
    const r = data.length % 16;
    // tweaks T_j = E_K2(i) · α^j for j = 0..m
    const T = new Uint8Array(16 * (m + 1));
    T.set(a2.encryptBlocks(tweak.slice()), 0);
    for (let j = 1; j <= m; j++) {
      T.copyWithin(16 * j, 16 * (j - 1), 16 * j);
      gfDouble(T.subarray(16 * j, 16 * j + 16));
    }
    const tw = (j) => T.subarray(16 * j, 16 * j + 16);
    const op = (blocks, t) =>
      xorBytes(decrypt ? a1.decryptBlocks(xorBytes(blocks, t)) : a1.encryptBlocks(xorBytes(blocks, t)), t);
    const out = new Uint8Array(data.length);
    const plain = r ? m - 1 : m; // blocks without stealing, done in one batch
    if (plain > 0) out.set(op(data.subarray(0, 16 * plain), T.subarray(0, 16 * plain)), 0);
    if (r) {
      const last = data.subarray(16 * m);
      const full = data.subarray(16 * (m - 1), 16 * m);
      const x = op(full, decrypt ? tw(m) : tw(m - 1));
      const y = op(concat([last, x.subarray(r)]), decrypt ? tw(m - 1) : tw(m));
      out.set(y, 16 * (m - 1));
      out.set(x.subarray(0, r), 16 * m);
    }
    return out;
  } finally {
    a1.dispose();
    a2.dispose();
  }
}

// ------------------------------------------------------------------ setup

export const ieee = await loadVectors('xts-ieee1619.json');
// The wasm kernel itself: backend 'wasm', or 'auto' would hand sectors of 4 KiB and more to
// node:crypto in Node (tests/xts-native.test.js compares the backends).
export const engines = [
  await createEngine({ simd: true, backend: 'wasm' }),
  await createEngine({ simd: false, backend: 'wasm' }),
];
export const rngFor = (tag) => createPrng(BigInt(SEED) ^ BigInt(tag));

/** One uvu suite per engine build, named `<topic> [simd|scalar] (seed …)`, each with its own
 *  seeded PRNG (`tag` keeps the files' random streams apart). */
export function buildSuites(topic, tag) {
  return engines.map((engine, i) => {
    const simd = i === 0;
    return {
      engine,
      simd,
      test: suite(`${topic} [${simd ? 'simd' : 'scalar'}] (seed ${SEED})`),
      rng: rngFor(tag + (simd ? 1 : 2)),
    };
  });
}
