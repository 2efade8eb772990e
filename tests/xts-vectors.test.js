// XTS-AES known answers: IEEE 1619 Annex B and NIST CAVP XTSGenAES128 (both tweak formats),
// on the SIMD and the scalar build of the wasm, and on node:crypto (backend 'native') where the
// runtime has it (Node; Deno's node:crypto has no XTS, browsers no node:crypto). See
// tests/vectors/README.md for sources and exclusions.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../dist/index.js';
import { loadVectors } from './_lib/vectors.js';
import { hexToBytes, bytesToHex } from './_lib/hex.js';

// Known numbers of vectors that this byte-oriented API cannot run (130-bit data units need
// bit-granular ciphertext stealing): 100 in each of the ENCRYPT and DECRYPT sections.
const EXPECTED_BITLENGTH_EXCLUDED = 200;
const EXPECTED_BYTE_ALIGNED = 800;

const ieee = await loadVectors('xts-ieee1619.json');
const cavpHex = await loadVectors('xts-cavp-aes128.json');
const cavpDusn = await loadVectors('xts-cavp-aes128-dusn.json');
const engines = [
  { build: 'simd', engine: await createEngine({ simd: true, backend: 'wasm' }) },
  { build: 'scalar', engine: await createEngine({ simd: false, backend: 'wasm' }) },
];
const auto = await createEngine();
if (auto.backend === 'auto') engines.push({ build: 'native', engine: await createEngine({ backend: 'native' }) });

const roundUp16 = (n) => Math.ceil(n / 16) * 16;

/** encryptUnit/decryptUnit of one vector, both directions (out-of-place, inputs untouched). */
function checkUnit(x, v, name) {
  const pt = hexToBytes(v.plaintext);
  const ct = hexToBytes(v.ciphertext);
  const tweak = hexToBytes(v.tweak);
  assert.is(bytesToHex(x.encryptUnit(pt, tweak)), v.ciphertext, `encryptUnit ${name}`);
  assert.is(bytesToHex(x.decryptUnit(ct, tweak)), v.plaintext, `decryptUnit ${name}`);
  assert.is(bytesToHex(pt), v.plaintext, `input modified ${name}`);
  assert.is(bytesToHex(tweak), v.tweak, `tweak modified ${name}`);
}

/** encrypt/decrypt of one vector as a single sector numbered dataUnitSeq (number and bigint). */
function checkSector(x, v, name) {
  const pt = hexToBytes(v.plaintext);
  const ct = hexToBytes(v.ciphertext);
  assert.is(bytesToHex(x.encrypt(pt, v.dataUnitSeq)), v.ciphertext, `encrypt ${name}`);
  assert.is(bytesToHex(x.decrypt(ct, v.dataUnitSeq)), v.plaintext, `decrypt ${name}`);
  const seq = BigInt(v.dataUnitSeq);
  assert.is(bytesToHex(x.encrypt(pt, seq)), v.ciphertext, `encrypt (bigint sector) ${name}`);
  assert.is(bytesToHex(x.decrypt(ct, seq)), v.plaintext, `decrypt (bigint sector) ${name}`);
}

function withXts(engine, keyHex, opts, fn) {
  const x = opts ? engine.xts(hexToBytes(keyHex), opts) : engine.xts(hexToBytes(keyHex));
  try {
    fn(x);
  } finally {
    x.dispose();
  }
}

/** Splits a CAVP file into runnable (byte-aligned) and excluded (bitLength) vectors. */
function partition(file) {
  const runnable = [];
  let excluded = 0;
  for (const v of file.vectors) {
    if (v.bitLength) {
      assert.ok(v.dataUnitBits % 8 !== 0, `bitLength flag inconsistent: COUNT=${v.count}`);
      excluded++;
    } else {
      assert.is(v.dataUnitBits % 8, 0);
      assert.is(v.plaintext.length * 4, v.dataUnitBits, `length/bits mismatch COUNT=${v.count}`);
      runnable.push(v);
    }
  }
  return { runnable, excluded };
}

const hexPart = partition(cavpHex);
const dusnPart = partition(cavpDusn);

for (const { build, engine } of engines) {
  const test = suite(`xts-vectors [${build}]`);

  test('engine reports the requested build and backend', () => {
    if (build === 'native') assert.is(engine.backend, 'native');
    else {
      assert.is(engine.simd, build === 'simd');
      assert.is(engine.backend, 'wasm');
    }
  });

  // ---------------------------------------------------------------- IEEE 1619
  test('IEEE 1619: file has 19 vectors, only vector 1 has equal key halves', () => {
    assert.is(ieee.vectors.length, 19);
    assert.equal(
      ieee.vectors.filter((v) => v.keyHalvesEqual).map((v) => v.vector),
      [1],
    );
  });

  test('IEEE 1619 vector 1 (key1 == key2) is rejected with a RangeError', () => {
    const v = ieee.vectors.find((w) => w.vector === 1);
    const key = hexToBytes(v.key);
    const k = key.length / 2;
    assert.is(bytesToHex(key.subarray(0, k)), bytesToHex(key.subarray(k)), 'halves really are equal');
    let err;
    try {
      engine.xts(key).dispose();
    } catch (e) {
      err = e;
    }
    assert.ok(err, 'engine.xts accepted a key with equal halves');
    assert.instance(err, RangeError);
    assert.match(err.message, /equal|same|identical|distinct|differ|duplicat/i);
  });

  test('IEEE 1619 vectors 2-19 through encryptUnit/decryptUnit', () => {
    let n = 0;
    for (const v of ieee.vectors) {
      if (v.vector === 1) continue;
      withXts(engine, v.key, null, (x) => checkUnit(x, v, `IEEE vector ${v.vector} (${v.variant})`));
      n++;
    }
    assert.is(n, 18);
  });

  test('IEEE 1619 vectors 2-19 through encrypt/decrypt(firstSector = dataUnitSeq)', () => {
    for (const v of ieee.vectors) {
      if (v.vector === 1) continue;
      const len = v.plaintext.length / 2;
      const name = `IEEE vector ${v.vector} (${v.variant}, ${len} bytes)`;
      // default sector size (4096): the unit is one (possibly partial) sector
      withXts(engine, v.key, null, (x) => {
        assert.is(x.sectorSize, 4096);
        checkSector(x, v, `${name} sectorSize=4096`);
      });
      // smallest legal sector size holding the unit: whole sector, or partial (17-20 bytes in 32)
      withXts(engine, v.key, { sectorSize: roundUp16(len) }, (x) => {
        assert.is(x.sectorSize, roundUp16(len));
        checkSector(x, v, `${name} sectorSize=${roundUp16(len)}`);
      });
    }
  });

  // ---------------------------------------------------------------- CAVP, 128-bit hex tweak
  test(`CAVP XTSGenAES128 (hex tweak): ${EXPECTED_BITLENGTH_EXCLUDED} bitLength vectors excluded, ${EXPECTED_BYTE_ALIGNED} run`, () => {
    assert.is(cavpHex.vectors.length, 1000);
    assert.is(hexPart.excluded, EXPECTED_BITLENGTH_EXCLUDED);
    assert.is(hexPart.runnable.length, EXPECTED_BYTE_ALIGNED);
  });

  for (const direction of ['encrypt', 'decrypt']) {
    for (const bits of [128, 256, 200]) {
      const vs = hexPart.runnable.filter((v) => v.direction === direction && v.dataUnitBits === bits);
      test(`CAVP hex tweak [${direction.toUpperCase()}] ${bits}-bit units (${vs.length}): encryptUnit/decryptUnit`, () => {
        assert.ok(vs.length >= 100, 'vectors present');
        for (const v of vs) {
          withXts(engine, v.key, null, (x) => checkUnit(x, v, `CAVP hex ${direction} COUNT=${v.count} bits=${bits}`));
        }
      });
    }
  }

  // ---------------------------------------------------------------- CAVP, data unit seq no
  test(`CAVP XTSGenAES128 (data unit seq no): ${EXPECTED_BITLENGTH_EXCLUDED} bitLength vectors excluded, ${EXPECTED_BYTE_ALIGNED} run`, () => {
    assert.is(cavpDusn.vectors.length, 1000);
    assert.is(dusnPart.excluded, EXPECTED_BITLENGTH_EXCLUDED);
    assert.is(dusnPart.runnable.length, EXPECTED_BYTE_ALIGNED);
  });

  for (const direction of ['encrypt', 'decrypt']) {
    for (const bits of [128, 256, 200]) {
      const vs = dusnPart.runnable.filter((v) => v.direction === direction && v.dataUnitBits === bits);
      test(`CAVP data unit seq [${direction.toUpperCase()}] ${bits}-bit units (${vs.length}): unit and sector APIs`, () => {
        assert.ok(vs.length >= 100, 'vectors present');
        for (const v of vs) {
          const name = `CAVP dusn ${direction} COUNT=${v.count} bits=${bits} seq=${v.dataUnitSeq}`;
          const len = bits / 8;
          withXts(engine, v.key, null, (x) => {
            checkUnit(x, v, name);
            checkSector(x, v, `${name} sectorSize=4096`);
          });
          // 16 and 32 bytes: exactly one sector; 25 bytes: a partial sector of a 32-byte sector size
          withXts(engine, v.key, { sectorSize: roundUp16(len) }, (x) =>
            checkSector(x, v, `${name} sectorSize=${roundUp16(len)}`),
          );
        }
      });
    }
  }

  test.run();
}
