// engine.xts / engine.aes API: argument checks, dispose, memory hygiene, bounded memory,
// in-place work, multi-sector calls, sector numbers up to 2^64-1, round trips, and a
// differential between the SIMD and the scalar build. Portable (Node, Deno, Chromium).
//
// Random inputs come from a seeded PRNG; the seed is printed in every failure message. To
// replay a failure set globalThis.ATREST_SEED to that seed before this module loads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../dist/index.js';
import { loadVectors } from './_lib/vectors.js';
import { hexToBytes, bytesToHex, runtimeName } from './_lib/hex.js';
import { createPrng, randomSeed } from './_lib/prng.js';
import { byteAssertions, sameBytes, throwsLeaving } from './_lib/assert.js';

const SEED = String(globalThis.ATREST_SEED ?? randomSeed());
const MiB = 1024 * 1024;
const TWO64 = 1n << 64n;
const MARK = 0xa5;

// Loose but specific: each names the rule that was broken.
// The engine's error messages (src/engine/checks.ts, xts.ts, aes.ts), pinned: a check that
// starts failing for another rule's reason shows up here.
const RE = {
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

const where = () => `[seed ${SEED}, ${runtimeName()}]`;

const { assertBytes, assertAll } = byteAssertions(where);




/**
 * Asserts `call` throws an instance of Ctor (or of one of an array of constructors) whose
 * message matches `re`, and that nothing in `watch` (outs, in-place data) changed, and that an
 * Array in `watch` still holds only MARK.
 */
function rejects(what, Ctor, re, call, watch = []) {
  throwsLeaving(what, Ctor, re, call, watch, where());
  watch.forEach((o) => {
    if (Array.isArray(o) && !o.every((x) => x === MARK)) assert.unreachable(`${what}: a rejected call wrote into an Array`);
  });
}

const marked = (n) => new Uint8Array(n).fill(MARK);

/** 16-byte little-endian encoding of a sector number (dm-crypt plain64 / OpenSSL IV). */
function le128(n) {
  let v = BigInt(n);
  const t = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    t[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return t;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Adjusts a length so that a partial last sector, if any, holds at least 16 bytes. */
function legalLength(len, ss) {
  const rem = len % ss;
  if (rem === 0 || rem >= 16) return len;
  return ss === 16 ? len + 16 - rem : len + 16;
}

/** A random XTS key (32 or 64 bytes) whose halves differ. */
function xtsKey(rng, len = 64) {
  const k = rng.bytes(len);
  if (sameBytes(k.subarray(0, len / 2), k.subarray(len / 2))) k[0] ^= 1;
  return k;
}

/** Per-sector reference: each sector through encryptUnit/decryptUnit with tweak LE(first + i). */
function perSector(x, data, first, sectorSize, decrypt) {
  const parts = [];
  for (let off = 0, i = 0n; off < data.length; off += sectorSize, i++) {
    const s = data.subarray(off, Math.min(off + sectorSize, data.length));
    const tw = le128(BigInt(first) + i);
    parts.push(decrypt ? x.decryptUnit(s, tw) : x.encryptUnit(s, tw));
  }
  return concat(parts);
}

/** Whole memory snapshot. */
const snapshot = (engine) => new Uint8Array(engine.memory.buffer).slice();

/** Index of the first differing byte (bytes past the shorter length compare to 0), or -1. */
function memDiff(a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return i;
  return -1;
}

// ----- a tiny XTS reference in JS on top of engine.aes (AES itself is checked by aes-kat) -----

/** multiply the tweak by x in GF(2^128), little-endian (IEEE 1619 §5.2) */
function gfDouble(t) {
  let carry = 0;
  for (let i = 0; i < 16; i++) {
    const b = t[i];
    t[i] = ((b << 1) | carry) & 0xff;
    carry = b >>> 7;
  }
  if (carry) t[0] ^= 0x87;
}

function xorBytes(a, b) {
  const o = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i] ^ b[i];
  return o;
}

/** XTS data unit by the book (IEEE 1619 §5.3), with every AES call through engine.aes. */
function refXtsUnit(engine, key, tweak, data, decrypt) {
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
    const op = (blocks, t) => xorBytes(decrypt ? a1.decryptBlocks(xorBytes(blocks, t)) : a1.encryptBlocks(xorBytes(blocks, t)), t);
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

const ieee = await loadVectors('xts-ieee1619.json');
const engines = [await createEngine({ simd: true }), await createEngine({ simd: false })];
const rngFor = (tag) => createPrng(BigInt(SEED) ^ BigInt(tag));

for (const engine of engines) {
  const simd = engine === engines[0];
  const build = simd ? 'simd' : 'scalar';
  const test = suite(`xts-api [${build}] (seed ${SEED})`);
  const rng = rngFor(simd ? 1 : 2);

  test('engine reports the requested build and exposes its memory', () => {
    assert.is(engine.simd, simd);
    assert.instance(engine.memory, WebAssembly.Memory);
  });

  test('JS XTS reference (on engine.aes) reproduces IEEE 1619 vectors 2-19 (validates the reference)', () => {
    for (const v of ieee.vectors) {
      if (v.keyHalvesEqual) continue;
      const key = hexToBytes(v.key);
      const tw = hexToBytes(v.tweak);
      assert.is(bytesToHex(refXtsUnit(engine, key, tw, hexToBytes(v.plaintext), false)), v.ciphertext, `ref enc ${v.vector}`);
      assert.is(bytesToHex(refXtsUnit(engine, key, tw, hexToBytes(v.ciphertext), true)), v.plaintext, `ref dec ${v.vector}`);
    }
  });

  // -------------------------------------------------------------- key and options
  test('engine.xts: key of the wrong type → TypeError', () => {
    for (const [name, key] of [
      ['string', 'k'.repeat(64)],
      ['Array', new Array(64).fill(1)],
      ['ArrayBuffer', new ArrayBuffer(64)],
      ['Uint16Array', new Uint16Array(32)],
      ['Uint8ClampedArray', new Uint8ClampedArray(64)],
      ['DataView', new DataView(new ArrayBuffer(64))],
      ['undefined', undefined],
      ['null', null],
      ['number', 64],
    ]) {
      rejects(`xts(key: ${name})`, TypeError, RE.u8, () => engine.xts(key));
    }
  });

  test('engine.xts: key length other than 32/64 → RangeError', () => {
    for (const n of [0, 1, 16, 24, 31, 33, 48, 63, 65, 96, 128]) {
      rejects(`xts(key of ${n} bytes)`, RangeError, RE.xtsKeyLen, () => engine.xts(xtsKey(rng, n + (n % 2)).subarray(0, n)));
    }
  });

  test('engine.xts: equal key halves → RangeError (32- and 64-byte keys)', () => {
    for (const len of [32, 64]) {
      const half = rng.bytes(len / 2);
      rejects(`xts(${len}-byte key, equal halves)`, RangeError, RE.halves, () => engine.xts(concat([half, half])));
      rejects(`xts(${len}-byte zero key)`, RangeError, RE.halves, () => engine.xts(new Uint8Array(len)));
      // a single differing bit is enough
      const k = concat([half, half]);
      k[len - 1] ^= 0x80;
      const x = engine.xts(k);
      assert.is(x.encrypt(rng.bytes(32)).length, 32);
      x.dispose();
    }
  });

  test('engine.xts: sectorSize rules (multiple of 16, 16 ≤ size ≤ 2^24)', () => {
    const key = xtsKey(rng);
    for (const [size, re] of [
      [0, RE.sectorSizeMax],
      [8, RE.sectorSizeMax],
      [15, RE.sectorSizeMax],
      [-16, RE.sectorSizeMax],
      [24, RE.sectorSizeMax],
      [4100, RE.sectorSizeMax],
      [512.5, RE.sectorSizeMax],
      [2 ** 24 + 16, RE.sectorSizeMax],
      [2 ** 25, RE.sectorSizeMax],
      [2 ** 32, RE.sectorSizeMax],
    ]) {
      rejects(`xts(key, { sectorSize: ${size} })`, RangeError, re, () => engine.xts(key, { sectorSize: size }));
    }
    for (const size of [NaN, Infinity]) {
      rejects(`xts(key, { sectorSize: ${size} })`, RangeError, null, () => engine.xts(key, { sectorSize: size }));
    }
    rejects(`xts(key, { sectorSize: '4096' })`, [TypeError, RangeError], null, () => engine.xts(key, { sectorSize: '4096' }));

    for (const [opts, expect] of [
      [undefined, 4096],
      [{}, 4096],
      [{ sectorSize: 16 }, 16],
      [{ sectorSize: 512 }, 512],
      [{ sectorSize: 2 ** 24 }, 2 ** 24],
    ]) {
      const x = opts === undefined ? engine.xts(key) : engine.xts(key, opts);
      assert.is(x.sectorSize, expect, `sectorSize for ${JSON.stringify(opts)}`);
      // 48 bytes: 3 whole 16-byte sectors, or one partial sector of a larger size
      const pt = rng.bytes(48);
      assertBytes(x.decrypt(x.encrypt(pt, 7), 7), pt, `round trip with sectorSize ${expect}`);
      x.dispose();
    }
  });

  // -------------------------------------------------------------- data, tweak, sector, out
  test('encrypt/decrypt/encryptUnit/decryptUnit: data of the wrong type → TypeError, out untouched', () => {
    const x = engine.xts(xtsKey(rng), { sectorSize: 512 });
    const tw = rng.bytes(16);
    const methods = {
      encrypt: (d, o) => x.encrypt(d, 0, o),
      decrypt: (d, o) => x.decrypt(d, 0, o),
      encryptUnit: (d, o) => x.encryptUnit(d, tw, o),
      decryptUnit: (d, o) => x.decryptUnit(d, tw, o),
    };
    for (const [m, call] of Object.entries(methods)) {
      for (const [name, data] of [
        ['string', 'd'.repeat(32)],
        ['Array', new Array(32).fill(0)],
        ['ArrayBuffer', new ArrayBuffer(32)],
        ['Uint16Array', new Uint16Array(16)],
        ['Int8Array', new Int8Array(32)],
        ['DataView', new DataView(new ArrayBuffer(32))],
        ['null', null],
        ['undefined', undefined],
      ]) {
        const out = marked(32);
        rejects(`${m}(data: ${name})`, TypeError, RE.u8, () => call(data, out), [out]);
      }
    }
    x.dispose();
  });

  test('data shorter than 16 bytes → RangeError, out untouched', () => {
    const x = engine.xts(xtsKey(rng), { sectorSize: 512 });
    const tw = rng.bytes(16);
    for (const n of [0, 1, 8, 15]) {
      for (const [m, call] of [
        ['encrypt', (d, o) => x.encrypt(d, 0, o)],
        ['decrypt', (d, o) => x.decrypt(d, 0, o)],
        ['encryptUnit', (d, o) => x.encryptUnit(d, tw, o)],
        ['decryptUnit', (d, o) => x.decryptUnit(d, tw, o)],
      ]) {
        const out = marked(32);
        const data = rng.bytes(n);
        rejects(`${m}(${n} bytes)`, RangeError, RE.min16, () => call(data, out), [out]);
        rejects(`${m}(${n} bytes, in place)`, RangeError, RE.min16, () => call(data, data), [data]);
      }
    }
    x.dispose();
  });

  test('encrypt/decrypt: a last partial sector under 16 bytes → RangeError, out untouched', () => {
    for (const ss of [16, 32, 512, 4096]) {
      const x = engine.xts(xtsKey(rng), { sectorSize: ss });
      for (const tail of [1, 8, 15]) {
        for (const whole of [1, 3]) {
          const data = rng.bytes(whole * ss + tail);
          const out = marked(data.length);
          rejects(`encrypt(${whole}×${ss}+${tail})`, RangeError, RE.min16, () => x.encrypt(data, 5, out), [out]);
          rejects(`decrypt(${whole}×${ss}+${tail})`, RangeError, RE.min16, () => x.decrypt(data, 5, out), [out]);
          rejects(`encrypt(${whole}×${ss}+${tail}, in place)`, RangeError, RE.min16, () => x.encrypt(data, 5, data), [data]);
        }
      }
      x.dispose();
    }
  });

  test('encryptUnit/decryptUnit: up to 2^20 blocks accepted, more → RangeError', () => {
    const x = engine.xts(xtsKey(rng));
    const tw = rng.bytes(16);
    const big = new Uint8Array(16 * MiB + 16);
    rng.fill(big.subarray(0, 4096));
    for (const n of [16 * MiB + 1, 16 * MiB + 15, 16 * MiB + 16]) {
      const data = big.subarray(0, n);
      const out = marked(n);
      rejects(`encryptUnit(${n} bytes)`, RangeError, RE.unitMax, () => x.encryptUnit(data, tw, out), [out]);
      rejects(`decryptUnit(${n} bytes)`, RangeError, RE.unitMax, () => x.decryptUnit(data, tw, out), [out]);
    }
    // exactly 2^20 blocks is a legal unit; XTS is blockwise, so its first 4 KiB equal the
    // encryption of the first 4 KiB alone; the whole unit round-trips.
    const max = big.subarray(0, 16 * MiB);
    const ct = x.encryptUnit(max, tw);
    assertBytes(ct.subarray(0, 4096), x.encryptUnit(max.subarray(0, 4096), tw), '2^20-block unit prefix');
    assertBytes(x.decryptUnit(ct, tw), max, '2^20-block unit round trip');
    x.dispose();
  });

  test('tweak: wrong type → TypeError, not 16 bytes → RangeError, out untouched', () => {
    const x = engine.xts(xtsKey(rng, 32));
    const data = rng.bytes(48);
    for (const m of ['encryptUnit', 'decryptUnit']) {
      for (const [name, tw] of [
        ['Array', new Array(16).fill(0)],
        ['string', '0'.repeat(16)],
        ['ArrayBuffer', new ArrayBuffer(16)],
        ['Uint32Array', new Uint32Array(4)],
        ['number', 0],
        ['bigint', 0n],
        ['undefined', undefined],
        ['null', null],
      ]) {
        const out = marked(48);
        rejects(`${m}(data, tweak: ${name})`, TypeError, RE.u8, () => x[m](data, tw, out), [out]);
      }
      for (const n of [0, 8, 15, 17, 32]) {
        const out = marked(48);
        rejects(`${m}(data, ${n}-byte tweak)`, RangeError, RE.block, () => x[m](data, rng.bytes(n), out), [out]);
      }
    }
    x.dispose();
  });

  test('firstSector: wrong type → TypeError, bad value → RangeError, out untouched', () => {
    const x = engine.xts(xtsKey(rng), { sectorSize: 32 });
    const data = rng.bytes(96); // 3 sectors
    for (const m of ['encrypt', 'decrypt']) {
      for (const [name, s] of [
        ['string', '0'],
        ['null', null],
        ['object', {}],
        ['Array', [0]],
        ['boolean', true],
        ['Uint8Array', new Uint8Array(8)],
      ]) {
        const out = marked(96);
        rejects(`${m}(data, sector: ${name})`, TypeError, RE.sectorType, () => x[m](data, s, out), [out]);
      }
      for (const [s, re] of [
        [-1, RE.negative],
        [-1n, RE.negative],
        [-(2 ** 40), RE.negative],
        [1.5, RE.integer],
        [2 ** 40 + 0.5, RE.integer],
        [NaN, RE.notFinite],
        [Infinity, RE.notFinite],
        [-Infinity, null],
        [2 ** 53, RE.unsafe],
        [Number.MAX_SAFE_INTEGER + 2, RE.unsafe],
        [2 ** 64, null],
        [TWO64, RE.past64],
        [TWO64 + 1n, RE.past64],
        [1n << 70n, RE.past64],
        [1n << 128n, RE.past64],
      ]) {
        const out = marked(96);
        rejects(`${m}(data, sector ${String(s)})`, RangeError, re, () => x[m](data, s, out), [out]);
        const inplace = data.slice();
        rejects(`${m}(data, sector ${String(s)}, in place)`, RangeError, re, () => x[m](inplace, s, inplace), [inplace]);
      }
    }
    x.dispose();
  });

  test('last sector of a call past 2^64-1 → RangeError before anything is written', () => {
    const ss = 512;
    const x = engine.xts(xtsKey(rng), { sectorSize: ss });
    for (const [first, bytes] of [
      [TWO64 - 1n, 2 * ss], // 2 sectors from the last one
      [TWO64 - 1n, ss + 16], // a partial second sector counts too
      [TWO64 - 3n, 4 * ss],
      [TWO64 - 3n, 3 * ss + 100],
      [TWO64 - 100n, 101 * ss],
    ]) {
      const data = rng.bytes(bytes);
      for (const m of ['encrypt', 'decrypt']) {
        const out = marked(bytes);
        rejects(`${m}(${bytes} bytes at ${first})`, RangeError, RE.past64, () => x[m](data, first, out), [out]);
        const inplace = data.slice();
        rejects(`${m}(${bytes} bytes at ${first}, in place)`, RangeError, RE.past64, () => x[m](inplace, first, inplace), [inplace]);
      }
    }
    x.dispose();
  });

  test('out: wrong type → TypeError, too small → RangeError, nothing written', () => {
    const x = engine.xts(xtsKey(rng), { sectorSize: 32 });
    const tw = rng.bytes(16);
    const data = rng.bytes(80);
    const calls = {
      encrypt: (o) => x.encrypt(data, 0, o),
      decrypt: (o) => x.decrypt(data, 0, o),
      encryptUnit: (o) => x.encryptUnit(data, tw, o),
      decryptUnit: (o) => x.decryptUnit(data, tw, o),
    };
    for (const [m, call] of Object.entries(calls)) {
      for (const [name, mk] of [
        ['Array', () => new Array(80).fill(MARK)],
        ['ArrayBuffer', () => new ArrayBuffer(80)],
        ['Uint16Array', () => new Uint16Array(40).fill(MARK * 257)],
        ['DataView', () => new DataView(marked(80).buffer)],
        ['string', () => 'x'.repeat(80)],
        ['number', () => 80],
      ]) {
        const out = mk();
        rejects(`${m}(data, out: ${name})`, TypeError, RE.u8, () => call(out), typeof out === 'object' ? [out] : []);
      }
      for (const n of [0, 16, 79]) {
        const out = marked(n);
        rejects(`${m}(80 bytes, out of ${n})`, RangeError, RE.outSmall, () => call(out), [out]);
      }
    }
    assertBytes(data, data.slice(), 'data untouched');
    x.dispose();
  });

  test('out partly overlapping data → RangeError, buffer untouched; identical/adjacent ranges work', () => {
    const x = engine.xts(xtsKey(rng), { sectorSize: 32 });
    const tw = rng.bytes(16);
    const buf = rng.bytes(256);
    const calls = {
      encrypt: (d, o) => x.encrypt(d, 3, o),
      decrypt: (d, o) => x.decrypt(d, 3, o),
      encryptUnit: (d, o) => x.encryptUnit(d, tw, o),
      decryptUnit: (d, o) => x.decryptUnit(d, tw, o),
    };
    for (const [m, call] of Object.entries(calls)) {
      for (const [dOff, oOff] of [
        [0, 16],
        [16, 0],
        [32, 1],
        [1, 32],
        [0, 79],
        [79, 0],
        [100, 101],
      ]) {
        const data = buf.subarray(dOff, dOff + 80);
        const out = new Uint8Array(buf.buffer, buf.byteOffset + oOff, 80);
        rejects(`${m}: data [${dOff},+80) out [${oOff},+80) of one buffer`, RangeError, RE.overlap, () => call(data, out), [buf]);
      }
      // identical range through another view object = in place
      const src = buf.slice(0, 80);
      const expected = call(src);
      const work = buf.slice();
      const same = new Uint8Array(work.buffer, 0, 80);
      const r = call(work.subarray(0, 80), same);
      assert.ok(r === same, `${m}: returns the out view`);
      assertBytes(work.subarray(0, 80), expected, `${m}: in place through a second view`);
      assertBytes(work.subarray(80), buf.subarray(80), `${m}: bytes after the range untouched`);
      // adjacent, non-overlapping ranges of one buffer
      const work2 = buf.slice();
      call(work2.subarray(0, 80), work2.subarray(80, 160));
      assertBytes(work2.subarray(80, 160), expected, `${m}: adjacent out`);
      assertBytes(work2.subarray(0, 80), buf.subarray(0, 80), `${m}: adjacent data untouched`);
      assertBytes(work2.subarray(160), buf.subarray(160), `${m}: tail untouched`);
      // out longer than data, starting at data's offset: either refused as an overlap (and
      // nothing written) or computed correctly in place; never a corrupt result
      const work3 = buf.slice();
      const longer = work3.subarray(0, 96);
      let refused = false;
      try {
        call(work3.subarray(0, 80), longer);
      } catch (e) {
        refused = true;
        assert.instance(e, RangeError);
        assertBytes(work3, buf, `${m}: refused longer out wrote nothing`);
      }
      if (!refused) {
        assertBytes(work3.subarray(0, 80), expected, `${m}: longer out at same offset`);
        assertBytes(work3.subarray(80), buf.subarray(80), `${m}: bytes past data.length untouched`);
      }
    }
    x.dispose();
  });

  test('a key object still works correctly after every kind of rejected call', () => {
    const key = xtsKey(rng);
    const x = engine.xts(key, { sectorSize: 64 });
    const pt = rng.bytes(64 * 5 + 17);
    const want = x.encrypt(pt, 9);
    const bad = [
      () => x.encrypt(pt, -1),
      () => x.encrypt(pt.subarray(0, 8)),
      () => x.encrypt(pt, TWO64 - 2n),
      () => x.encrypt(pt, 0, new Uint8Array(3)),
      () => x.encryptUnit(pt, new Uint8Array(3)),
      () => x.decrypt(pt.subarray(0, 64 + 3)),
    ];
    for (const b of bad) {
      try {
        b();
      } catch {
        /* expected */
      }
    }
    assertBytes(x.encrypt(pt, 9), want, 'same ciphertext after rejected calls');
    assertBytes(x.decrypt(want, 9), pt, 'decrypts after rejected calls');
    x.dispose();
  });

  // -------------------------------------------------------------- engine.aes arguments
  test('engine.aes: bad key, data and out → TypeError/RangeError, out untouched', () => {
    for (const [name, key] of [
      ['string', 'k'.repeat(32)],
      ['Array', new Array(32).fill(0)],
      ['ArrayBuffer', new ArrayBuffer(32)],
      ['Uint32Array', new Uint32Array(8)],
      ['null', null],
    ]) {
      rejects(`aes(key: ${name})`, TypeError, RE.u8, () => engine.aes(key));
    }
    for (const n of [0, 8, 15, 17, 24, 31, 33, 64]) {
      rejects(`aes(${n}-byte key)`, RangeError, RE.aesKeyLen, () => engine.aes(rng.bytes(n)));
    }
    for (const klen of [16, 32]) {
      const a = engine.aes(rng.bytes(klen));
      for (const m of ['encryptBlocks', 'decryptBlocks']) {
        for (const [name, d] of [
          ['Array', new Array(16).fill(0)],
          ['ArrayBuffer', new ArrayBuffer(16)],
          ['Uint16Array', new Uint16Array(8)],
          ['string', 'x'.repeat(16)],
        ]) {
          const out = marked(16);
          rejects(`aes.${m}(data: ${name})`, TypeError, RE.u8, () => a[m](d, out), [out]);
        }
        for (const n of [1, 15, 17, 31, 33, 100]) {
          const out = marked(112);
          rejects(`aes.${m}(${n} bytes)`, RangeError, RE.block, () => a[m](rng.bytes(n), out), [out]);
        }
        const d = rng.bytes(48);
        rejects(`aes.${m}(out: Array)`, TypeError, RE.u8, () => a[m](d, new Array(48).fill(MARK)));
        const small = marked(32);
        rejects(`aes.${m}(48 bytes, out of 32)`, RangeError, RE.outSmall, () => a[m](d, small), [small]);
        const buf = rng.bytes(96);
        rejects(`aes.${m} overlapping out`, RangeError, RE.overlap, () => a[m](buf.subarray(0, 48), buf.subarray(16, 64)), [buf]);
      }
      a.dispose();
    }
  });

  // -------------------------------------------------------------- dispose
  test('dispose: later calls throw an Error and write nothing; other objects unaffected', () => {
    const k1 = xtsKey(rng);
    const k2 = xtsKey(rng, 32);
    const x1 = engine.xts(k1, { sectorSize: 512 });
    const x2 = engine.xts(k2, { sectorSize: 512 });
    const pt = rng.bytes(1024 + 40);
    const tw = rng.bytes(16);
    const want2 = x2.encrypt(pt, 77);
    const want2u = x2.encryptUnit(pt, tw);
    assert.not.ok(sameBytes(x1.encrypt(pt, 77), want2), 'different keys give different ciphertexts');
    x1.dispose();
    for (const [m, call] of [
      ['encrypt', (o) => x1.encrypt(pt, 77, o)],
      ['decrypt', (o) => x1.decrypt(pt, 77, o)],
      ['encryptUnit', (o) => x1.encryptUnit(pt, tw, o)],
      ['decryptUnit', (o) => x1.decryptUnit(pt, tw, o)],
      ['encrypt (no out)', () => x1.encrypt(pt)],
    ]) {
      const out = marked(pt.length);
      rejects(`disposed xts.${m}`, Error, RE.disposed, () => call(out), [out]);
    }
    assertBytes(x2.encrypt(pt, 77), want2, 'x2 unaffected by x1.dispose()');
    assertBytes(x2.encryptUnit(pt, tw), want2u, 'x2 unit unaffected');
    // a fresh object with x1's key still computes the same as before
    const x1b = engine.xts(k1, { sectorSize: 512 });
    assertBytes(x1b.decrypt(x1b.encrypt(pt, 77), 77), pt, 'new object after dispose');
    x1b.dispose();
    x2.dispose();
    rejects('disposed xts.encrypt (second object)', Error, RE.disposed, () => x2.encrypt(pt));

    const a = engine.aes(rng.bytes(32));
    a.dispose();
    for (const m of ['encryptBlocks', 'decryptBlocks']) {
      const out = marked(32);
      rejects(`disposed aes.${m}`, Error, RE.disposed, () => a[m](rng.bytes(32), out), [out]);
    }
  });

  test('many create/dispose cycles and several live objects', () => {
    const pt = rng.bytes(64);
    const ref = engine.xts(xtsKey(rng), { sectorSize: 32 });
    const want = ref.encrypt(pt, 1);
    const memBefore = engine.memory.buffer.byteLength;
    for (let i = 0; i < 2000; i++) {
      const x = engine.xts(xtsKey(rng, i % 2 ? 32 : 64), { sectorSize: 32 });
      x.encrypt(pt, i);
      x.dispose();
      const a = engine.aes(rng.bytes(i % 2 ? 16 : 32));
      a.encryptBlocks(pt);
      a.dispose();
    }
    assertBytes(ref.encrypt(pt, 1), want, 'long-lived object unaffected by 2000 cycles');
    assert.is(engine.memory.buffer.byteLength, memBefore, 'key slots are reused: memory did not grow over 2000 cycles');
    ref.dispose();
    const keys = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => xtsKey(rng, i % 2 ? 32 : 64));
    const live = keys.map((k) => engine.xts(k, { sectorSize: 32 }));
    const cts = live.map((x, i) => x.encrypt(pt, i));
    for (let i = 0; i < live.length; i++) {
      const unit0 = refXtsUnit(engine, keys[i], le128(i), pt.subarray(0, 32), false);
      const unit1 = refXtsUnit(engine, keys[i], le128(i + 1), pt.subarray(32), false);
      assertBytes(cts[i], concat([unit0, unit1]), `live object ${i} matches the reference`);
    }
    live.forEach((x) => x.dispose());
  });

  // -------------------------------------------------------------- memory hygiene
  test('memory: creating, using and disposing an xts object leaves wasm memory as it was', () => {
    for (const klen of [64, 32]) {
      const key = xtsKey(rng, klen);
      const pt = rng.bytes(3 * 4096 + 100);
      const tw = rng.bytes(16);
      const before = snapshot(engine);
      const x = engine.xts(key);
      const alive = snapshot(engine);
      assert.ok(memDiff(before, alive) >= 0, `${klen}-byte key: memory did not change while a key is alive (test could not fail)`);
      const ct = x.encrypt(pt, 123456789);
      x.decrypt(ct, 123456789);
      x.encrypt(pt, 5, pt.slice());
      x.encryptUnit(pt, tw);
      x.decryptUnit(ct, tw);
      const used = snapshot(engine);
      const d1 = memDiff(alive, used);
      assert.is(d1, -1, `${klen}-byte key: scratch/I-O not wiped after calls (first dirty byte ${d1})`);
      x.dispose();
      const after = snapshot(engine);
      const d2 = memDiff(before, after);
      assert.is(d2, -1, `${klen}-byte key: memory differs after dispose (first dirty byte ${d2})`);
    }
  });

  test('memory: creating, using and disposing an aes object leaves wasm memory as it was', () => {
    for (const klen of [16, 32]) {
      const before = snapshot(engine);
      const a = engine.aes(rng.bytes(klen));
      const alive = snapshot(engine);
      assert.ok(memDiff(before, alive) >= 0, `aes-${klen * 8}: no key schedule visible in memory`);
      const ct = a.encryptBlocks(rng.bytes(16 * 37));
      a.decryptBlocks(ct);
      assert.is(memDiff(alive, snapshot(engine)), -1, `aes-${klen * 8}: scratch not wiped after calls`);
      a.dispose();
      assert.is(memDiff(before, snapshot(engine)), -1, `aes-${klen * 8}: memory differs after dispose`);
    }
  });

  test(`memory: one ${simd ? 256 : 64} MiB call keeps wasm memory under 4 MiB`, () => {
    const size = (simd ? 256 : 64) * MiB;
    const ss = 4096;
    const x = engine.xts(xtsKey(rng));
    const alive = snapshot(engine);
    assert.ok(engine.memory.buffer.byteLength < 4 * MiB, `memory already ${engine.memory.buffer.byteLength} bytes`);
    const data = new Uint8Array(size); // zeros: every sector's plaintext is the same
    const r = x.encrypt(data, 1000, data);
    assert.ok(r === data, 'in place returns data');
    const len = engine.memory.buffer.byteLength;
    assert.ok(len < 4 * MiB, `wasm memory grew to ${len} bytes for a ${size}-byte call`);
    assert.is(memDiff(alive, snapshot(engine)), -1, 'memory wiped after the large call');
    const zero = new Uint8Array(ss);
    const n = size / ss;
    for (const i of [0, 1, 2, 7, 8, 9, 255, 256, n / 2 - 1, n / 2, n - 2, n - 1]) {
      assertBytes(data.subarray(i * ss, (i + 1) * ss), x.encryptUnit(zero, le128(1000 + i)), `sector ${i} of the large call`);
    }
    x.decrypt(data, 1000, data);
    const words = new Uint32Array(data.buffer);
    for (let i = 0; i < words.length; i++) {
      if (words[i] !== 0) assert.unreachable(`large round trip: byte ${i * 4} not restored`);
    }
    assert.ok(engine.memory.buffer.byteLength < 4 * MiB, 'still under 4 MiB after decrypt');
    x.dispose();
  });

  // -------------------------------------------------------------- behaviour
  test('return value: new array without out, out itself with out, in place equals out-of-place', () => {
    for (const klen of [64, 32]) {
      const x = engine.xts(xtsKey(rng, klen), { sectorSize: 512 });
      const tw = rng.bytes(16);
      const data = rng.bytes(512 * 6 + 33);
      for (const [m, call] of [
        ['encrypt', (d, o) => x.encrypt(d, 42, o)],
        ['decrypt', (d, o) => x.decrypt(d, 42, o)],
        ['encryptUnit', (d, o) => x.encryptUnit(d, tw, o)],
        ['decryptUnit', (d, o) => x.decryptUnit(d, tw, o)],
      ]) {
        const input = data.slice();
        const fresh = call(input);
        assert.ok(fresh instanceof Uint8Array && fresh !== input && fresh.buffer !== input.buffer, `${m}: new array`);
        assert.is(fresh.length, data.length);
        assertBytes(input, data, `${m}: input not modified`);
        assert.not.ok(sameBytes(fresh, data), `${m}: output differs from input`);

        const out = marked(data.length);
        assert.ok(call(input, out) === out, `${m}: returns out`);
        assertBytes(out, fresh, `${m}: out equals fresh result`);

        const bigger = marked(data.length + 40);
        assert.ok(call(input, bigger) === bigger, `${m}: returns a longer out`);
        assertBytes(bigger.subarray(0, data.length), fresh, `${m}: longer out`);
        assertAll(bigger.subarray(data.length), MARK, `${m}: bytes past data.length in out`);

        const inplace = data.slice();
        assert.ok(call(inplace, inplace) === inplace, `${m}: in place returns data`);
        assertBytes(inplace, fresh, `${m}: in place equals out-of-place`);

        // unaligned views inside larger buffers
        const host = rng.bytes(data.length + 7);
        const view = host.subarray(3, 3 + data.length);
        view.set(data);
        const hostCopy = host.slice();
        const outHost = marked(data.length + 9);
        call(view, outHost.subarray(5, 5 + data.length));
        assertBytes(outHost.subarray(5, 5 + data.length), fresh, `${m}: unaligned views`);
        assertAll(outHost.subarray(0, 5), MARK, `${m}: before out view`);
        assertAll(outHost.subarray(5 + data.length), MARK, `${m}: after out view`);
        assertBytes(host, hostCopy, `${m}: input host buffer untouched`);
      }
      x.dispose();
    }
  });

  test('multi-sector calls equal per-sector encryptUnit/decryptUnit with tweak LE(first + i)', () => {
    for (const ss of [16, 32, 48, 512, 528, 4096, 65536]) {
      for (const klen of [64, 32]) {
        const x = engine.xts(xtsKey(rng, klen), { sectorSize: ss });
        const maxSectors = ss >= 65536 ? 3 : ss >= 4096 ? 6 : 20;
        const firsts = [0, 1, 255, 2 ** 32 - 2, rng.int(0, 2 ** 32), Number.MAX_SAFE_INTEGER - 1, rng.big(0n, TWO64 - 100n), TWO64 - 25n];
        for (const first of firsts) {
          const n = rng.int(1, maxSectors);
          const tails = ss > 16 ? [0, 16, 17, ss - 1, rng.int(16, ss - 1)] : [0];
          for (const tail of tails) {
            const data = rng.bytes(n * ss + tail);
            const what = `ss=${ss} key=${klen} first=${first} sectors=${n} tail=${tail}`;
            assertBytes(x.encrypt(data, first), perSector(x, data, first, ss, false), `encrypt ${what}`);
            assertBytes(x.decrypt(data, first), perSector(x, data, first, ss, true), `decrypt ${what}`);
          }
        }
        x.dispose();
      }
    }
  });

  test('XTS-AES-256/128 units with stealing match the JS reference (no public AES-256 CTS vectors)', () => {
    for (const klen of [64, 32]) {
      const key = xtsKey(rng, klen);
      const x = engine.xts(key);
      for (const len of [16, 17, 18, 23, 31, 32, 33, 47, 48, 49, 127, 128, 129, 143, 255, 511, 513, 1000, 4095]) {
        const tw = rng.bytes(16);
        const data = rng.bytes(len);
        const what = `key=${klen} len=${len} tweak=${bytesToHex(tw)}`;
        assertBytes(x.encryptUnit(data, tw), refXtsUnit(engine, key, tw, data, false), `encryptUnit ${what}`);
        assertBytes(x.decryptUnit(data, tw), refXtsUnit(engine, key, tw, data, true), `decryptUnit ${what}`);
      }
      x.dispose();
    }
  });

  // The engine moves data through a fixed wasm I/O window (size not part of the API), so units
  // and sectors longer than any plausible window, with lengths just around its multiples, must
  // still match the reference (stealing must not be split across two window fills).
  test('long units and large sectors around power-of-two lengths (I/O window edges) match the reference', () => {
    const key = xtsKey(rng, 64);
    const x = engine.xts(key);
    const shapes = [];
    for (const r of [-17, -16, -1, 0, 1, 15, 16, 17, 31]) {
      shapes.push([1, 16, r], [1, 17, r], [2, 17, r], [3, 17, r]);
    }
    shapes.push([1, 20, -1], [1, 20, 0], [1, 20, 17]);
    for (const [k, p, r] of shapes) {
      const len = k * 2 ** p + r;
      const tw = rng.bytes(16);
      const data = rng.bytes(len);
      const what = `unit len=${k}·2^${p}${r < 0 ? r : '+' + r}`;
      assertBytes(x.encryptUnit(data, tw), refXtsUnit(engine, key, tw, data, false), `encryptUnit ${what}`);
      assertBytes(x.decryptUnit(data, tw), refXtsUnit(engine, key, tw, data, true), `decryptUnit ${what}`);
    }
    x.dispose();
    for (const ss of [2 ** 17 + 16, 2 ** 18, 2 ** 20 + 16 * 3]) {
      const k2 = xtsKey(rng, 32);
      const y = engine.xts(k2, { sectorSize: ss });
      for (const tail of ss > 2 ** 18 ? [17] : [0, 17, ss - 1]) {
        const data = rng.bytes(2 * ss + tail);
        const first = rng.big(0n, TWO64 - 4n);
        const expectEnc = [];
        const expectDec = [];
        for (let off = 0, i = 0n; off < data.length; off += ss, i++) {
          const s = data.subarray(off, Math.min(off + ss, data.length));
          expectEnc.push(refXtsUnit(engine, k2, le128(first + i), s, false));
          expectDec.push(refXtsUnit(engine, k2, le128(first + i), s, true));
        }
        const what = `sectorSize=${ss} len=${data.length} first=${first}`;
        assertBytes(y.encrypt(data, first), concat(expectEnc), `encrypt ${what}`);
        assertBytes(y.decrypt(data, first), concat(expectDec), `decrypt ${what}`);
      }
      y.dispose();
    }
  });

  test('sector numbers up to 2^64-1 (bigint), number and bigint agree', () => {
    const ss = 512;
    const x = engine.xts(xtsKey(rng), { sectorSize: ss });
    // 2^64-3 with 3 sectors reaches exactly 2^64-1
    const d3 = rng.bytes(3 * ss);
    assertBytes(x.encrypt(d3, TWO64 - 3n), perSector(x, d3, TWO64 - 3n, ss, false), 'encrypt 3 sectors at 2^64-3');
    assertBytes(x.decrypt(d3, TWO64 - 3n), perSector(x, d3, TWO64 - 3n, ss, true), 'decrypt 3 sectors at 2^64-3');
    const d3p = rng.bytes(2 * ss + 100); // partial third sector
    assertBytes(x.encrypt(d3p, TWO64 - 3n), perSector(x, d3p, TWO64 - 3n, ss, false), '2 sectors + partial at 2^64-3');
    const last = rng.bytes(ss);
    const maxTweak = new Uint8Array(16).fill(0xff, 0, 8); // LE(2^64-1) = ff×8 00×8
    assertBytes(x.encrypt(last, TWO64 - 1n), x.encryptUnit(last, maxTweak), 'sector 2^64-1');
    // ... and 4 sectors are refused
    rejects('4 sectors at 2^64-3', RangeError, RE.past64, () => x.encrypt(rng.bytes(4 * ss), TWO64 - 3n));

    const data = rng.bytes(3 * ss + 48);
    for (const s of [0, 1, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER - 3, Number.MAX_SAFE_INTEGER]) {
      const e1 = x.encrypt(data, s);
      const e2 = x.encrypt(data, BigInt(s));
      assertBytes(e1, e2, `encrypt number ${s} vs bigint`);
      assertBytes(e1, perSector(x, data, BigInt(s), ss, false), `encrypt sector ${s} vs per-sector LE(${s}+i)`);
      assertBytes(x.decrypt(data, s), x.decrypt(data, BigInt(s)), `decrypt number ${s} vs bigint`);
    }
    // default first sector is 0
    assertBytes(x.encrypt(data), x.encrypt(data, 0n), 'default firstSector = 0');
    assertBytes(x.encrypt(data, undefined), x.encrypt(data, 0), 'undefined firstSector = 0');
    assertBytes(x.encrypt(data, -0), x.encrypt(data, 0), '-0 is sector 0');
    assert.not.ok(sameBytes(x.encrypt(data, 1), x.encrypt(data, 0)), 'sector number matters');
    x.dispose();
  });

  test('round trips for random sizes, sector sizes, sector numbers (seeded)', () => {
    for (let c = 0; c < 60; c++) {
      const klen = rng.bool() ? 64 : 32;
      const ss = 16 * rng.int(1, c % 10 === 0 ? 4096 : 300);
      const x = engine.xts(xtsKey(rng, klen), { sectorSize: ss });
      const len = legalLength(rng.int(16, Math.min(ss * 8, 200_000)), ss);
      const pt = rng.bytes(len);
      const first = rng.bool() ? rng.int(0, Number.MAX_SAFE_INTEGER) : rng.big(0n, TWO64 - 1n - BigInt(Math.ceil(len / ss)));
      const what = `case ${c}: key=${klen} ss=${ss} len=${len} first=${first}`;
      const ct = x.encrypt(pt, first);
      assert.not.ok(sameBytes(ct, pt), `${what}: ciphertext equals plaintext`);
      assertBytes(x.decrypt(ct, first), pt, `${what}: round trip`);
      const tw = rng.bytes(16);
      const ulen = rng.int(16, 5000);
      const u = pt.subarray(0, Math.min(ulen, len));
      assertBytes(x.decryptUnit(x.encryptUnit(u, tw), tw), u, `${what}: unit round trip (${u.length})`);
      x.dispose();
    }
  });

  test.run();
}

// ------------------------------------------------------------------ SIMD vs scalar
{
  const test = suite(`xts-api [simd vs scalar] (seed ${SEED})`);
  const [vec, sca] = engines;
  const rng = rngFor(3);

  test('the two builds are distinct', () => {
    assert.is(vec.simd, true);
    assert.is(sca.simd, false);
    assert.ok(vec.memory !== sca.memory, 'separate instances');
  });

  test('identical output on random input (xts multi-sector, units, aes)', () => {
    for (let c = 0; c < 40; c++) {
      const klen = rng.bool() ? 64 : 32;
      const key = xtsKey(rng, klen);
      const ss = rng.pick([16, 512, 4096, 16 * rng.int(1, 1024)]);
      const len = legalLength(rng.int(16, 150_000), ss);
      const data = rng.bytes(len);
      const first = rng.bool() ? rng.int(0, 2 ** 40) : rng.big(0n, TWO64 - 1n - BigInt(Math.ceil(len / ss)));
      const tw = rng.bytes(16);
      const what = `case ${c}: key=${klen} ss=${ss} len=${len} first=${first}`;
      const a = vec.xts(key, { sectorSize: ss });
      const b = sca.xts(key, { sectorSize: ss });
      assertBytes(a.encrypt(data, first), b.encrypt(data, first), `encrypt ${what}`);
      assertBytes(a.decrypt(data, first), b.decrypt(data, first), `decrypt ${what}`);
      const u = data.subarray(0, Math.min(len, rng.int(16, 70_000)));
      assertBytes(a.encryptUnit(u, tw), b.encryptUnit(u, tw), `encryptUnit ${what}`);
      assertBytes(a.decryptUnit(u, tw), b.decryptUnit(u, tw), `decryptUnit ${what}`);
      a.dispose();
      b.dispose();

      const akey = rng.bytes(rng.bool() ? 32 : 16);
      const blocks = data.subarray(0, 16 * rng.int(1, Math.floor(len / 16)));
      const ea = vec.aes(akey);
      const eb = sca.aes(akey);
      assertBytes(ea.encryptBlocks(blocks), eb.encryptBlocks(blocks), `aes encrypt case ${c}`);
      assertBytes(ea.decryptBlocks(blocks), eb.decryptBlocks(blocks), `aes decrypt case ${c}`);
      ea.dispose();
      eb.dispose();
    }
  });

  test.run();
}
