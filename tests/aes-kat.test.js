// AES known-answer tests through engine.aes (raw ECB), on the SIMD and the scalar build.
// Vectors: tests/vectors/aes256-kat.json (FIPS-197 C.3 + NIST CAVP AESAVS ECB*256.rsp, see
// tests/vectors/README.md) and FIPS-197 Appendix B / C.1 (AES-128) written inline below.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../dist/index.js';
import { loadVectors } from './_lib/vectors.js';
import { hexToBytes, bytesToHex, concat } from './_lib/hex.js';

// FIPS-197 (Nov 2001), Appendix C.1 "AES-128 (Nk=4, Nr=10)" and Appendix B (cipher example).
const AES128_FIPS197 = [
  {
    name: 'FIPS-197 C.1',
    key: '000102030405060708090a0b0c0d0e0f',
    plaintext: '00112233445566778899aabbccddeeff',
    ciphertext: '69c4e0d86a7b0430d8cdb78070b4c55a',
  },
  {
    name: 'FIPS-197 Appendix B',
    key: '2b7e151628aed2a6abf7158809cf4f3c',
    plaintext: '3243f6a8885a308d313198a2e0370734',
    ciphertext: '3925841d02dc09fbdc118597196a0b32',
  },
];

const EXPECTED_SETS = {
  'FIPS-197 C.3': 1,
  ECBGFSbox256: 10,
  ECBKeySbox256: 32,
  ECBVarKey256: 512,
  ECBVarTxt256: 256,
};

const kat = await loadVectors('aes256-kat.json');
const engines = [await createEngine({ simd: true }), await createEngine({ simd: false })];

const label = (v) => `${v.set} ${v.direction} COUNT=${v.count} key=${v.key}`;

/** Runs one single-block vector both ways under a fresh key object. */
function checkBlock(engine, v, name) {
  const aes = engine.aes(hexToBytes(v.key));
  try {
    const pt = hexToBytes(v.plaintext);
    const ct = hexToBytes(v.ciphertext);
    assert.is(bytesToHex(aes.encryptBlocks(pt)), v.ciphertext, `encrypt ${name}`);
    assert.is(bytesToHex(aes.decryptBlocks(ct)), v.plaintext, `decrypt ${name}`);
    // inputs must not be modified by an out-of-place call
    assert.is(bytesToHex(pt), v.plaintext, `plaintext input modified ${name}`);
    assert.is(bytesToHex(ct), v.ciphertext, `ciphertext input modified ${name}`);
  } finally {
    aes.dispose();
  }
}

// All vectors that share the all-zero key (GFSbox + VarTxt, both sections): 266 blocks.
const zeroKey = '00'.repeat(32);
const zeroKeyVectors = kat.vectors.filter((v) => v.key === zeroKey);

for (const engine of engines) {
  const simd = engine === engines[0];
  const build = simd ? 'simd' : 'scalar';
  const test = suite(`aes-kat [${build}]`);

  test('engine reports the requested build', () => {
    assert.is(engine.simd, simd);
  });

  test('vector file has the expected sets and counts', () => {
    const counts = {};
    for (const v of kat.vectors) counts[v.set] = (counts[v.set] || 0) + 1;
    assert.equal(counts, EXPECTED_SETS);
    assert.is(kat.vectors.length, 811);
    assert.is(zeroKeyVectors.length, 266);
  });

  test('AES-128 FIPS-197 C.1 and Appendix B, both directions', () => {
    for (const v of AES128_FIPS197) checkBlock(engine, v, v.name);
  });

  for (const set of Object.keys(EXPECTED_SETS)) {
    for (const direction of ['encrypt', 'decrypt']) {
      const vs = kat.vectors.filter((v) => v.set === set && v.direction === direction);
      if (vs.length === 0) continue; // FIPS-197 C.3 has only an encrypt vector
      test(`AES-256 ${set} [${direction.toUpperCase()}] section (${vs.length}), both directions`, () => {
        for (const v of vs) checkBlock(engine, v, label(v));
      });
    }
  }

  test('multi-block calls (1..20, 31..33, 63..65, 127..129, 266 blocks) under one key', () => {
    const aes = engine.aes(new Uint8Array(32));
    try {
      const sizes = [];
      for (let n = 1; n <= 20; n++) sizes.push(n);
      sizes.push(31, 32, 33, 63, 64, 65, 127, 128, 129, 266);
      for (const n of sizes) {
        const pick = [];
        for (let i = 0; i < n; i++) pick.push(zeroKeyVectors[(n * 7 + i * 13) % zeroKeyVectors.length]);
        const P = concat(pick.map((v) => hexToBytes(v.plaintext)));
        const C = concat(pick.map((v) => hexToBytes(v.ciphertext)));
        const what = `${n} blocks, first ${label(pick[0])}`;
        assert.is(bytesToHex(aes.encryptBlocks(P)), bytesToHex(C), `encrypt ${what}`);
        assert.is(bytesToHex(aes.decryptBlocks(C)), bytesToHex(P), `decrypt ${what}`);
      }
    } finally {
      aes.dispose();
    }
  });

  test('out parameter, in place, and unaligned views', () => {
    const aes = engine.aes(new Uint8Array(32));
    try {
      const pick = zeroKeyVectors.slice(0, 11);
      const P = concat(pick.map((v) => hexToBytes(v.plaintext)));
      const C = concat(pick.map((v) => hexToBytes(v.ciphertext)));

      // explicit out: returned as is, filled with the result
      const out = new Uint8Array(P.length).fill(0xa5);
      const r = aes.encryptBlocks(P, out);
      assert.ok(r === out, 'encryptBlocks(data, out) returns out');
      assert.is(bytesToHex(out), bytesToHex(C));

      // no out: a new array, not the input
      const fresh = aes.encryptBlocks(P);
      assert.ok(fresh !== P && fresh.buffer !== P.buffer, 'a new array when out is omitted');

      // in place
      const buf = P.slice();
      assert.ok(aes.encryptBlocks(buf, buf) === buf);
      assert.is(bytesToHex(buf), bytesToHex(C), 'in-place encrypt');
      assert.ok(aes.decryptBlocks(buf, buf) === buf);
      assert.is(bytesToHex(buf), bytesToHex(P), 'in-place decrypt');

      // views at odd byte offsets into a larger buffer; bytes around them untouched
      const big = new Uint8Array(P.length + 10).fill(0x5a);
      const view = big.subarray(3, 3 + P.length);
      view.set(P);
      const outBig = new Uint8Array(P.length + 10).fill(0x3c);
      const outView = outBig.subarray(5, 5 + P.length);
      aes.encryptBlocks(view, outView);
      assert.is(bytesToHex(outView), bytesToHex(C), 'unaligned view encrypt');
      assert.is(bytesToHex(outBig.subarray(0, 5)), '3c'.repeat(5), 'bytes before out view untouched');
      assert.is(bytesToHex(outBig.subarray(5 + P.length)), '3c'.repeat(5), 'bytes after out view untouched');
      assert.is(bytesToHex(view), bytesToHex(P), 'input view untouched');
      aes.decryptBlocks(outView, view);
      assert.is(bytesToHex(view), bytesToHex(P), 'unaligned view decrypt');
      assert.is(bytesToHex(big.subarray(0, 3)), '5a'.repeat(3));
      assert.is(bytesToHex(big.subarray(3 + P.length)), '5a'.repeat(7));
    } finally {
      aes.dispose();
    }
  });

  test('two live key objects do not share state', () => {
    const v128 = AES128_FIPS197[0];
    const c3 = kat.vectors.find((v) => v.set === 'FIPS-197 C.3');
    const a = engine.aes(hexToBytes(v128.key));
    const b = engine.aes(hexToBytes(c3.key));
    try {
      assert.is(bytesToHex(a.encryptBlocks(hexToBytes(v128.plaintext))), v128.ciphertext);
      assert.is(bytesToHex(b.encryptBlocks(hexToBytes(c3.plaintext))), c3.ciphertext);
      a.dispose();
      assert.is(
        bytesToHex(b.encryptBlocks(hexToBytes(c3.plaintext))),
        c3.ciphertext,
        'b still works after a.dispose()',
      );
      assert.is(bytesToHex(b.decryptBlocks(hexToBytes(c3.ciphertext))), c3.plaintext);
    } finally {
      b.dispose();
    }
  });

  test.run();
}
