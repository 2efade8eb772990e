// Node only: differential tests of the engine against node's OpenSSL (node:crypto).
// - aes-256-xts / aes-128-xts, one OpenSSL call per sector (OpenSSL does one data unit per
//   call, IV = 16-byte little-endian sector number), random keys, sector sizes 512, 4096,
//   65536 and odd ones, partial last sectors (ciphertext stealing; the only coverage of
//   XTS-AES-256 stealing besides the JS reference), first sectors up to 2^64-1, both directions.
// - encryptUnit/decryptUnit with random full 128-bit tweaks.
// - aes-256-ecb / aes-128-ecb against engine.aes.
// Both builds. Seeded: ATREST_SEED=<decimal> node tests/node/xts-openssl.test.js replays a run;
// every assertion message carries the seed and the case.
import crypto from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../dist/index.js';
import { createPrng } from '../_lib/prng.js';
import { bytesToHex, le128 } from '../_lib/hex.js';
import { byteAssertions } from '../_lib/assert.js';

const SEED = process.env.ATREST_SEED ?? '1619';
const TWO64 = 1n << 64n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Per build and key size. Tuned so the file runs in well under 20 s in Node.
const SECTOR_CASES = 600;
const UNIT_CASES = 500;
const ECB_CASES = 200;

// ------------------------------------------------------------------ helpers

/** Byte equality with OpenSSL's output (the expected side), with a hex diff and the seed. */
const { assertBytes } = byteAssertions(() => `[ATREST_SEED=${SEED}]`);

/** One XTS data unit through OpenSSL (key = key1 || key2, IV = tweak). */
function opensslUnit(key, tweak, data, decrypt) {
  const alg = `aes-${key.length * 4}-xts`;
  const c = decrypt ? crypto.createDecipheriv(alg, key, tweak) : crypto.createCipheriv(alg, key, tweak);
  const out = Buffer.concat([c.update(data), c.final()]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Consecutive sectors through OpenSSL, sector i with IV = LE(first + i). */
function opensslSectors(key, data, first, ss, decrypt) {
  const out = new Uint8Array(data.length);
  for (let off = 0, i = 0n; off < data.length; off += ss, i++) {
    const s = data.subarray(off, Math.min(off + ss, data.length));
    out.set(opensslUnit(key, le128(BigInt(first) + i), s, decrypt), off);
  }
  return out;
}

function opensslEcb(key, data, decrypt) {
  const alg = `aes-${key.length * 8}-ecb`;
  const c = decrypt ? crypto.createDecipheriv(alg, key, null) : crypto.createCipheriv(alg, key, null);
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(data), c.final()]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function xtsKey(rng, len) {
  const k = rng.bytes(len);
  if (Buffer.compare(k.subarray(0, len / 2), k.subarray(len / 2)) === 0) k[0] ^= 1;
  return k;
}

/** A sector size: the common ones, and random multiples of 16 (odd numbers of blocks too). */
function pickSectorSize(rng) {
  switch (rng.int(0, 5)) {
    case 0:
      return 512;
    case 1:
      return 4096;
    case 2:
      return 65536;
    case 3:
      return 16 * (2 * rng.int(0, 40) + 1); // odd block count, 16..1296
    case 4:
      return 16 * rng.int(1, 4);
    default:
      return 16 * rng.int(1, 600);
  }
}

/** First sector: small, around 2^32, around / above 2^53 (bigint), up to 2^64 - count. */
function pickFirst(rng, count) {
  const top = TWO64 - BigInt(count); // highest legal first sector
  let v;
  switch (rng.int(0, 6)) {
    case 0:
      v = BigInt(rng.int(0, 1000));
      break;
    case 1:
      v = BigInt(rng.u32());
      break;
    case 2:
      v = (1n << 32n) - BigInt(rng.int(0, 8));
      break;
    case 3:
      v = (1n << 53n) - BigInt(rng.int(0, 8));
      break; // crosses 2^53 inside the call
    case 4:
      v = rng.big(1n << 53n, top);
      break;
    case 5:
      v = top - BigInt(rng.int(0, 3));
      break; // last sector at or near 2^64-1
    default:
      v = BigInt(rng.int(0, Number.MAX_SAFE_INTEGER));
  }
  if (v > top) v = top;
  // pass a number when it is safe (half the time), else a bigint
  return v <= MAX_SAFE && rng.bool() ? Number(v) : v;
}

// ------------------------------------------------------------------ tests

const engines = [
  await createEngine({ simd: true, backend: 'wasm' }),
  await createEngine({ simd: false, backend: 'wasm' }),
];
let totalSectors = 0;

for (const engine of engines) {
  const simd = engine === engines[0];
  const build = simd ? 'simd' : 'scalar';
  const test = suite(`xts-openssl [${build}] (ATREST_SEED=${SEED})`);

  test('engine reports the requested build; OpenSSL has the ciphers', () => {
    assert.is(engine.simd, simd);
    for (const c of ['aes-128-xts', 'aes-256-xts', 'aes-128-ecb', 'aes-256-ecb']) {
      assert.ok(crypto.getCiphers().includes(c), `node:crypto lacks ${c}`);
    }
  });

  for (const klen of [64, 32]) {
    const alg = `XTS-AES-${klen * 4}`;

    test(`${alg}: ${SECTOR_CASES} multi-sector buffers vs OpenSSL per sector, both directions`, () => {
      const rng = createPrng(BigInt(SEED) * 8n + (simd ? 0n : 4n) + (klen === 64 ? 0n : 2n));
      let sectors = 0;
      for (let c = 0; c < SECTOR_CASES; c++) {
        const key = xtsKey(rng, klen);
        const ss = pickSectorSize(rng);
        const maxCount = ss >= 65536 ? 3 : ss >= 4096 ? 8 : 16;
        const whole = rng.int(ss === 16 ? 1 : 0, maxCount);
        const tail = ss > 16 && (whole === 0 || rng.bool()) ? rng.int(16, ss - 1) : 0;
        const len = whole * ss + tail;
        const count = whole + (tail ? 1 : 0);
        const first = pickFirst(rng, count);
        const data = rng.bytes(len);
        const what = `case ${c} ${alg} key=${bytesToHex(key)} ss=${ss} len=${len} first=${first}${typeof first === 'bigint' ? 'n' : ''}`;
        const x = engine.xts(key, { sectorSize: ss });
        try {
          const ct = x.encrypt(data, first);
          assertBytes(ct, opensslSectors(key, data, first, ss, false), `encrypt ${what}`);
          // data taken as ciphertext: decryption checked independently of our own encryption
          assertBytes(x.decrypt(data, first), opensslSectors(key, data, first, ss, true), `decrypt ${what}`);
          assertBytes(x.decrypt(ct, first), data, `round trip ${what}`);
        } finally {
          x.dispose();
        }
        sectors += count;
      }
      totalSectors += sectors;
      assert.ok(sectors >= SECTOR_CASES, 'cases ran');
    });

    test(`${alg}: ${UNIT_CASES} units with random 128-bit tweaks vs OpenSSL, both directions`, () => {
      const rng = createPrng(BigInt(SEED) * 8n + 1n + (simd ? 0n : 4n) + (klen === 64 ? 0n : 2n));
      for (let c = 0; c < UNIT_CASES; c++) {
        const key = xtsKey(rng, klen);
        // mostly short units (all stealing shapes), some long ones
        const len = c % 10 === 0 ? rng.int(16, 70000) : rng.int(16, 600);
        const tweak = rng.bytes(16);
        const data = rng.bytes(len);
        const what = `case ${c} ${alg} key=${bytesToHex(key)} tweak=${bytesToHex(tweak)} len=${len}`;
        const x = engine.xts(key);
        try {
          assertBytes(x.encryptUnit(data, tweak), opensslUnit(key, tweak, data, false), `encryptUnit ${what}`);
          assertBytes(x.decryptUnit(data, tweak), opensslUnit(key, tweak, data, true), `decryptUnit ${what}`);
        } finally {
          x.dispose();
        }
      }
      totalSectors += UNIT_CASES;
    });

    test(`${alg}: every length 16..300 at one key (all ciphertext-stealing tails)`, () => {
      const rng = createPrng(BigInt(SEED) * 8n + 3n + (simd ? 0n : 4n) + (klen === 64 ? 0n : 2n));
      const key = xtsKey(rng, klen);
      const x = engine.xts(key, { sectorSize: 304 });
      try {
        for (let len = 16; len <= 300; len++) {
          const data = rng.bytes(len);
          const first = pickFirst(rng, 1);
          const what = `${alg} key=${bytesToHex(key)} len=${len} first=${first}`;
          assertBytes(x.encrypt(data, first), opensslUnit(key, le128(first), data, false), `encrypt ${what}`);
          assertBytes(x.decrypt(data, first), opensslUnit(key, le128(first), data, true), `decrypt ${what}`);
        }
      } finally {
        x.dispose();
      }
      totalSectors += 285;
    });
  }

  test('long units and sectors (past any I/O window, lengths around 2^16..2^20 multiples) vs OpenSSL', () => {
    const rng = createPrng(BigInt(SEED) * 8n + 6n + (simd ? 0n : 4n));
    let c = 0;
    for (const base of [2 ** 16, 2 ** 17, 2 ** 18]) {
      for (const k of [1, 2, 3]) {
        for (const r of [-17, -16, -1, 0, 1, 15, 16, 17]) {
          const klen = c++ % 2 ? 32 : 64;
          const key = xtsKey(rng, klen);
          const len = k * base + r;
          const tweak = rng.bytes(16);
          const data = rng.bytes(len);
          const what = `XTS-AES-${klen * 4} key=${bytesToHex(key)} tweak=${bytesToHex(tweak)} unit len=${k}·${base}${r < 0 ? r : '+' + r}`;
          const x = engine.xts(key);
          try {
            assertBytes(x.encryptUnit(data, tweak), opensslUnit(key, tweak, data, false), `encryptUnit ${what}`);
            assertBytes(x.decryptUnit(data, tweak), opensslUnit(key, tweak, data, true), `decryptUnit ${what}`);
          } finally {
            x.dispose();
          }
        }
      }
    }
    for (let i = 0; i < 12; i++) {
      const klen = i % 2 ? 32 : 64;
      const key = xtsKey(rng, klen);
      const ss = 16 * rng.int(2 ** 13, 2 ** 16); // 128 KiB .. 1 MiB
      const tail = rng.bool() ? 0 : rng.int(16, ss - 1);
      const whole = rng.int(tail ? 0 : 1, 2);
      const data = rng.bytes(whole * ss + tail);
      const first = pickFirst(rng, whole + (tail ? 1 : 0));
      const what = `XTS-AES-${klen * 4} key=${bytesToHex(key)} ss=${ss} len=${data.length} first=${first}`;
      const x = engine.xts(key, { sectorSize: ss });
      try {
        assertBytes(x.encrypt(data, first), opensslSectors(key, data, first, ss, false), `encrypt ${what}`);
        assertBytes(x.decrypt(data, first), opensslSectors(key, data, first, ss, true), `decrypt ${what}`);
      } finally {
        x.dispose();
      }
    }
  });

  for (const klen of [32, 16]) {
    test(`AES-${klen * 8}-ECB: ${ECB_CASES} random keys and block counts vs OpenSSL`, () => {
      const rng = createPrng(BigInt(SEED) * 8n + 7n + (simd ? 0n : 4n) + (klen === 32 ? 0n : 2n));
      for (let c = 0; c < ECB_CASES; c++) {
        const key = rng.bytes(klen);
        const data = rng.bytes(16 * (c % 5 === 0 ? rng.int(1, 2000) : rng.int(1, 40)));
        const what = `case ${c} AES-${klen * 8} key=${bytesToHex(key)} blocks=${data.length / 16}`;
        const a = engine.aes(key);
        try {
          assertBytes(a.encryptBlocks(data), opensslEcb(key, data, false), `encryptBlocks ${what}`);
          assertBytes(a.decryptBlocks(data), opensslEcb(key, data, true), `decryptBlocks ${what}`);
        } finally {
          a.dispose();
        }
      }
    });
  }

  test.run();
}

{
  const test = suite('xts-openssl [summary]');
  test('differential cases ran', () => {
    // 2 builds × 2 key sizes × (multi-sector sectors + units + 285 lengths)
    assert.ok(totalSectors >= 4 * (SECTOR_CASES + UNIT_CASES + 285), `only ${totalSectors} sectors compared`);
  });
  test.run();
}
