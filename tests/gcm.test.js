// engine.gcm: every Wycheproof AES-GCM vector (valid ones must match both ways, invalid ones must
// be rejected), a small by-the-book JS GCM reference (SP 800-38D, GHASH bit by bit, CTR through
// engine.aes) for random and window-crossing lengths, tamper detection (AuthenticationError,
// nothing released), argument checks, dispose, memory hygiene, bounded memory, and the SIMD
// build against the scalar one. Portable (Node, Deno, Chromium).
//
// Random inputs come from a seeded PRNG; the seed is printed in every failure message. To
// replay a failure set globalThis.ATREST_SEED to that seed before this module loads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, AuthenticationError } from '../dist/index.js';
import { loadVectors } from './_lib/vectors.js';
import { hexToBytes, bytesToHex, runtimeName, concat } from './_lib/hex.js';
import { createPrng, randomSeed } from './_lib/prng.js';
import { byteAssertions, sameBytes, throwsLeaving } from './_lib/assert.js';

const SEED = String(globalThis.ATREST_SEED ?? randomSeed());
const MiB = 1024 * 1024;
const WINDOW = 128 * 1024;
const MARK = 0xa5;

// ------------------------------------------------------------------ helpers

const where = () => `[seed ${SEED}, ${runtimeName()}]`;

const { assertBytes } = byteAssertions(where);

/** `call` must throw an instance of Ctor whose message matches `re`; nothing in `watch` changes. */
function rejects(what, Ctor, re, call, watch = []) {
  return throwsLeaving(what, Ctor, re, call, watch, where());
}

/** open must fail with an AuthenticationError named so, and release nothing. */
function authFails(what, call, watch = []) {
  const err = rejects(
    what,
    AuthenticationError,
    /^gcm\.open: authentication failed \(wrong key, nonce or AAD, or modified ciphertext or tag\); no plaintext released$/,
    call,
    watch,
  );
  assert.is(err.name, 'AuthenticationError', `${what}: error name`);
  assert.ok(err instanceof Error, `${what}: an Error`);
}

const snapshot = (engine) => new Uint8Array(engine.memory.buffer).slice();

function memDiff(a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return i;
  return -1;
}

// ------------------------------------------------- a by-the-book GCM reference (SP 800-38D)
// GHASH bit by bit (Algorithm 1) on four big-endian 32-bit words; CTR through engine.aes (so
// AES-128/256 keys only). Slow and simple; validated against Wycheproof below before use.

function words(b, o = 0) {
  return [0, 4, 8, 12].map((k) => ((b[o + k] << 24) | (b[o + k + 1] << 16) | (b[o + k + 2] << 8) | b[o + k + 3]) >>> 0);
}

function gfMul(x, y) {
  const z = [0, 0, 0, 0];
  const v = y.slice();
  for (let i = 0; i < 128; i++) {
    if ((x[i >>> 5] >>> (31 - (i & 31))) & 1) for (let k = 0; k < 4; k++) z[k] = (z[k] ^ v[k]) >>> 0;
    const lsb = v[3] & 1;
    v[3] = ((v[3] >>> 1) | (v[2] << 31)) >>> 0;
    v[2] = ((v[2] >>> 1) | (v[1] << 31)) >>> 0;
    v[1] = ((v[1] >>> 1) | (v[0] << 31)) >>> 0;
    v[0] = (v[0] >>> 1) >>> 0;
    if (lsb) v[0] = (v[0] ^ 0xe1000000) >>> 0;
  }
  return z;
}

function ghash(h, y, data) {
  const padded = new Uint8Array(Math.ceil(data.length / 16) * 16);
  padded.set(data);
  for (let o = 0; o < padded.length; o += 16) {
    const x = words(padded, o);
    y = gfMul(
      [0, 1, 2, 3].map((k) => (y[k] ^ x[k]) >>> 0),
      h,
    );
  }
  return y;
}

function lengthBlock(a, b) {
  const out = new Uint8Array(16);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(a) * 8n);
  dv.setBigUint64(8, BigInt(b) * 8n);
  return out;
}

function wordsToBytes(w) {
  const out = new Uint8Array(16);
  new DataView(out.buffer).setUint32(0, w[0]);
  new DataView(out.buffer).setUint32(4, w[1]);
  new DataView(out.buffer).setUint32(8, w[2]);
  new DataView(out.buffer).setUint32(12, w[3]);
  return out;
}

function refSeal(engine, key, nonce, pt, aad) {
  const aes = engine.aes(key);
  try {
    const h = words(aes.encryptBlocks(new Uint8Array(16)));
    let j0;
    if (nonce.length === 12) j0 = concat([nonce, Uint8Array.of(0, 0, 0, 1)]);
    else j0 = wordsToBytes(ghash(h, ghash(h, [0, 0, 0, 0], nonce), lengthBlock(0, nonce.length)));
    const blocks = Math.ceil(pt.length / 16);
    const ctrs = new Uint8Array(16 * (blocks + 1));
    const dv = new DataView(ctrs.buffer);
    for (let i = 0; i <= blocks; i++) {
      ctrs.set(j0.subarray(0, 12), 16 * i);
      dv.setUint32(16 * i + 12, (new DataView(j0.buffer, j0.byteOffset).getUint32(12) + i) >>> 0);
    }
    const ks = aes.encryptBlocks(ctrs);
    const ct = pt.map((b, i) => b ^ ks[16 + i]);
    let y = ghash(h, [0, 0, 0, 0], aad);
    y = ghash(h, y, ct);
    y = ghash(h, y, lengthBlock(aad.length, ct.length));
    const tag = wordsToBytes(y).map((b, i) => b ^ ks[i]);
    return concat([ct, tag]);
  } finally {
    aes.dispose();
  }
}

// ------------------------------------------------------------------ setup

const wy = await loadVectors('wycheproof-aes-gcm.json');
const engines = [await createEngine({ simd: true }), await createEngine({ simd: false })];
const rngFor = (tag) => createPrng(BigInt(SEED) ^ BigInt(tag));

for (const engine of engines) {
  const simd = engine === engines[0];
  const other = simd ? engines[1] : engines[0];
  const build = simd ? 'simd' : 'scalar';
  const test = suite(`gcm [${build}] (seed ${SEED})`);
  const rng = rngFor(simd ? 11 : 12);

  // -------------------------------------------------------------- known answers
  test('Wycheproof AES-GCM: all 316 vectors (229 valid match both ways, 87 invalid rejected, none excluded)', () => {
    let valid = 0,
      invalid = 0,
      excluded = 0;
    const byKey = { 128: 0, 192: 0, 256: 0 };
    for (const v of wy.vectors) {
      const what = `tcId ${v.tcId} (${v.comment || v.flags.join(',')})`;
      assert.is(v.tagSize, 128, `${what}: tag size`);
      const key = hexToBytes(v.key),
        iv = hexToBytes(v.iv),
        aad = hexToBytes(v.aad);
      const pt = hexToBytes(v.plaintext);
      const sealed = concat([hexToBytes(v.ciphertext), hexToBytes(v.tag)]);
      const g = engine.gcm(key);
      try {
        if (v.result === 'valid') {
          assertBytes(g.seal(iv, pt, aad), sealed, `${what}: seal`);
          assertBytes(g.open(iv, sealed, aad), pt, `${what}: open`);
          if (aad.length === 0) assertBytes(g.open(iv, sealed), pt, `${what}: open without aad argument`);
          valid++;
          byKey[v.keySize]++;
        } else if (v.result === 'invalid') {
          if (iv.length === 0) {
            // SP 800-38D: len(IV) ≥ 1 bit. Refused on both sides before any work.
            rejects(`${what}: open`, RangeError, /nonce.*1 byte/, () => g.open(iv, sealed, aad));
            rejects(`${what}: seal`, RangeError, /nonce.*1 byte/, () => g.seal(iv, pt, aad));
          } else {
            authFails(`${what}: open`, () => g.open(iv, sealed, aad), [sealed, aad]);
          }
          invalid++;
        } else {
          excluded++;
        }
      } finally {
        g.dispose();
      }
    }
    assert.is(valid, 229, 'valid vectors matched');
    assert.is(invalid, 87, 'invalid vectors rejected');
    assert.is(excluded, 0, 'no vector excluded (AES-192 is supported by gcm)');
    assert.equal(byKey, { 128: 79, 192: 74, 256: 76 }, 'valid vectors per key size');
  });

  test('JS reference reproduces the Wycheproof valid vectors with 128- and 256-bit keys (validates the reference)', () => {
    let n = 0;
    for (const v of wy.vectors) {
      if (v.result !== 'valid' || v.keySize === 192) continue;
      const got = refSeal(engine, hexToBytes(v.key), hexToBytes(v.iv), hexToBytes(v.plaintext), hexToBytes(v.aad));
      assert.is(bytesToHex(got), v.ciphertext + v.tag, `reference tcId ${v.tcId}`);
      n++;
    }
    assert.is(n, 155);
  });

  // -------------------------------------------------------------- against the reference
  test('random lengths, nonce lengths and AAD against the JS reference, both directions', () => {
    for (let c = 0; c < 120; c++) {
      const key = rng.bytes(rng.bool() ? 32 : 16);
      const nonce = rng.bytes(rng.pick([12, 12, 12, 1, 8, 15, 16, 17, 32, 60, 100]));
      const pt = rng.bytes(rng.pick([0, 1, 15, 16, 17, 127, 128, 129, rng.int(0, 1100)]));
      const aad = rng.bytes(rng.pick([0, 0, 1, 13, 16, 20, 64, rng.int(0, 300)]));
      const what = `case ${c}: key ${key.length} nonce ${nonce.length} pt ${pt.length} aad ${aad.length}`;
      const want = refSeal(engine, key, nonce, pt, aad);
      const g = engine.gcm(key);
      assertBytes(g.seal(nonce, pt, aad), want, `seal ${what}`);
      assertBytes(g.open(nonce, want, aad), pt, `open ${what}`);
      g.dispose();
    }
  });

  test('inputs around and beyond the 128 KiB window (plaintext, AAD, nonce) against the JS reference', () => {
    const cases = [
      [12, WINDOW - 16, 0],
      [12, WINDOW - 15, 0],
      [12, WINDOW, 3],
      [12, WINDOW + 1, 0],
      [12, WINDOW + 16, 17],
      [12, 2 * WINDOW + 33, 0],
      [12, 100, WINDOW + 5],
      [12, 0, 2 * WINDOW + 16],
      [WINDOW + 7, 50, 10],
      [13, WINDOW - 17, WINDOW + 1],
    ];
    for (const [nl, pl, al] of cases) {
      const key = rng.bytes(32);
      const nonce = rng.bytes(nl),
        pt = rng.bytes(pl),
        aad = rng.bytes(al);
      const what = `nonce ${nl} pt ${pl} aad ${al}`;
      const want = refSeal(engine, key, nonce, pt, aad);
      const g = engine.gcm(key);
      assertBytes(g.seal(nonce, pt, aad), want, `seal ${what}`);
      assertBytes(g.open(nonce, want, aad), pt, `open ${what}`);
      const bad = want.slice();
      bad[rng.int(0, bad.length - 1)] ^= 1 << rng.int(0, 7);
      authFails(`open tampered ${what}`, () => g.open(nonce, bad, aad), [bad]);
      g.dispose();
    }
  });

  test('empty plaintext and empty AAD: 16-byte tag, empty plaintext back', () => {
    for (const klen of [16, 24, 32]) {
      const g = engine.gcm(rng.bytes(klen));
      const nonce = rng.bytes(12);
      const t1 = g.seal(nonce, new Uint8Array(0));
      assert.is(t1.length, 16);
      assertBytes(g.seal(nonce, new Uint8Array(0), new Uint8Array(0)), t1, 'aad omitted = empty aad');
      const back = g.open(nonce, t1);
      assert.ok(back instanceof Uint8Array && back.length === 0, 'empty plaintext');
      const aad = rng.bytes(40);
      const t2 = g.seal(nonce, new Uint8Array(0), aad);
      assert.not.ok(sameBytes(t1, t2), 'AAD changes the tag');
      assert.is(g.open(nonce, t2, aad).length, 0);
      authFails('empty: AAD dropped', () => g.open(nonce, t2));
      authFails('empty: wrong AAD', () => g.open(nonce, t1, aad));
      g.dispose();
    }
  });

  // -------------------------------------------------------------- authentication
  test('open rejects every kind of tampering with AuthenticationError and returns nothing', () => {
    for (const klen of [16, 24, 32]) {
      const key = rng.bytes(klen);
      const g = engine.gcm(key);
      for (const nl of [12, 16]) {
        const nonce = rng.bytes(nl),
          pt = rng.bytes(rng.int(1, 300)),
          aad = rng.bytes(rng.int(1, 50));
        const sealed = g.seal(nonce, pt, aad);
        const flip = (u8, i, bit = 0) => {
          const c = u8.slice();
          c[i] ^= 1 << bit;
          return c;
        };
        const what = `aes-${klen * 8} nonce ${nl}`;
        authFails(`${what}: first ciphertext byte`, () => g.open(nonce, flip(sealed, 0), aad));
        authFails(`${what}: last ciphertext byte`, () => g.open(nonce, flip(sealed, pt.length - 1, 7), aad));
        for (let i = 0; i < 16; i++)
          authFails(`${what}: tag byte ${i}`, () => g.open(nonce, flip(sealed, pt.length + i, i & 7), aad));
        authFails(`${what}: aad bit`, () => g.open(nonce, sealed, flip(aad, aad.length - 1)));
        authFails(`${what}: aad dropped`, () => g.open(nonce, sealed));
        authFails(`${what}: aad extended`, () => g.open(nonce, sealed, concat([aad, new Uint8Array(1)])));
        authFails(`${what}: nonce bit`, () => g.open(flip(nonce, 0), sealed, aad));
        authFails(`${what}: truncated`, () => g.open(nonce, sealed.subarray(0, sealed.length - 1), aad));
        authFails(`${what}: extended`, () => g.open(nonce, concat([sealed, new Uint8Array(1)]), aad));
        authFails(`${what}: ciphertext dropped`, () => g.open(nonce, sealed.subarray(pt.length), aad));
        const g2 = engine.gcm(flip(key, 3));
        authFails(`${what}: other key`, () => g2.open(nonce, sealed, aad));
        g2.dispose();
        assertBytes(g.open(nonce, sealed, aad), pt, `${what}: intact still opens`);
      }
      g.dispose();
    }
  });

  test('AuthenticationError: exported class, extends Error, name "AuthenticationError"', () => {
    const e = new AuthenticationError('x');
    assert.ok(e instanceof Error);
    assert.is(e.name, 'AuthenticationError');
    assert.is(e.message, 'x');
    assert.ok(String(e).startsWith('AuthenticationError'));
  });

  // -------------------------------------------------------------- argument checks
  test('bad arguments: TypeError / RangeError naming the rule, before any work', () => {
    const notBytes = [undefined, null, 'abc', 7, [1, 2, 3], new ArrayBuffer(16), new Uint16Array(8), {}];
    for (const k of notBytes) rejects(`gcm key ${String(k)}`, TypeError, /Uint8Array/, () => engine.gcm(k));
    for (const n of [0, 8, 15, 17, 31, 33, 64]) {
      rejects(`gcm key ${n} bytes`, RangeError, /16, 24 or 32/, () => engine.gcm(new Uint8Array(n)));
    }
    const g = engine.gcm(rng.bytes(32));
    const nonce = rng.bytes(12),
      pt = rng.bytes(40);
    const sealed = g.seal(nonce, pt);
    for (const x of notBytes.filter((v) => v !== undefined)) {
      rejects(`seal nonce ${String(x)}`, TypeError, /nonce.*Uint8Array/, () => g.seal(x, pt));
      rejects(`seal plaintext ${String(x)}`, TypeError, /plaintext.*Uint8Array/, () => g.seal(nonce, x));
      rejects(`seal aad ${String(x)}`, TypeError, /aad.*Uint8Array/, () => g.seal(nonce, pt, x));
      rejects(`open nonce ${String(x)}`, TypeError, /nonce.*Uint8Array/, () => g.open(x, sealed));
      rejects(`open sealed ${String(x)}`, TypeError, /sealed.*Uint8Array/, () => g.open(nonce, x));
      rejects(`open aad ${String(x)}`, TypeError, /aad.*Uint8Array/, () => g.open(nonce, sealed, x));
    }
    rejects('seal without nonce', TypeError, /nonce.*Uint8Array/, () => g.seal(undefined, pt));
    rejects('seal without plaintext', TypeError, /plaintext.*Uint8Array/, () => g.seal(nonce));
    rejects('open without sealed', TypeError, /sealed.*Uint8Array/, () => g.open(nonce));
    rejects('seal empty nonce', RangeError, /nonce.*at least 1 byte/, () => g.seal(new Uint8Array(0), pt));
    rejects('open empty nonce', RangeError, /nonce.*at least 1 byte/, () => g.open(new Uint8Array(0), sealed));
    for (const n of [0, 1, 15]) {
      const short = sealed.slice(0, n);
      rejects(`open ${n}-byte sealed`, RangeError, /16-byte tag/, () => g.open(nonce, short), [short]);
    }
    // Inputs are never modified.
    const p2 = pt.slice(),
      s2 = sealed.slice(),
      n2 = nonce.slice();
    g.seal(n2, p2);
    g.open(n2, s2);
    assertBytes(p2, pt, 'seal leaves plaintext alone');
    assertBytes(s2, sealed, 'open leaves sealed alone');
    assertBytes(n2, nonce, 'nonce untouched');
    g.dispose();
  });

  test('subarray views at odd offsets work as inputs', () => {
    const key = rng.bytes(16);
    const g = engine.gcm(key);
    const buf = rng.bytes(1000);
    const nonce = buf.subarray(3, 15),
      pt = buf.subarray(17, 517),
      aad = buf.subarray(519, 530);
    const sealed = g.seal(nonce, pt, aad);
    assertBytes(sealed, refSeal(engine, key, nonce.slice(), pt.slice(), aad.slice()), 'views match the reference');
    assertBytes(g.open(nonce, sealed, aad), pt, 'views round trip');
    g.dispose();
  });

  // -------------------------------------------------------------- dispose, memory
  test('dispose: later calls throw and return nothing; other objects unaffected; idempotent', () => {
    const key = rng.bytes(32);
    const g1 = engine.gcm(key),
      g2 = engine.gcm(key);
    const nonce = rng.bytes(12),
      pt = rng.bytes(100);
    const sealed = g1.seal(nonce, pt);
    g1.dispose();
    g1.dispose();
    rejects('disposed seal', Error, /: this object was disposed; create a new one$/, () => g1.seal(nonce, pt));
    rejects('disposed open', Error, /: this object was disposed; create a new one$/, () => g1.open(nonce, sealed));
    assertBytes(g2.open(nonce, sealed), pt, 'g2 unaffected');
    g2.dispose();
  });

  test('memory: creating, using (incl. failed opens, long nonces, > window) and disposing leaves wasm memory as it was', () => {
    for (const klen of [16, 24, 32]) {
      const before = snapshot(engine);
      const g = engine.gcm(rng.bytes(klen));
      const alive = snapshot(engine);
      assert.ok(
        memDiff(before, alive) >= 0,
        `aes-${klen * 8}: memory did not change while a key is alive (test could not fail)`,
      );
      const nonce = rng.bytes(12),
        pt = rng.bytes(WINDOW + 100),
        aad = rng.bytes(33);
      const sealed = g.seal(nonce, pt, aad);
      g.open(nonce, sealed, aad);
      const small = g.seal(rng.bytes(40), pt.subarray(0, 77));
      const bad = sealed.slice();
      bad[5] ^= 1;
      authFails('failed large open', () => g.open(nonce, bad, aad));
      authFails('failed small open', () => g.open(nonce, small));
      assert.is(memDiff(alive, snapshot(engine)), -1, `aes-${klen * 8}: scratch/I-O not wiped after calls`);
      g.dispose();
      assert.is(memDiff(before, snapshot(engine)), -1, `aes-${klen * 8}: memory differs after dispose`);
    }
  });

  test(`memory: sealing and opening ${simd ? 32 : 8} MiB keeps wasm memory under 4 MiB`, () => {
    const size = (simd ? 32 : 8) * MiB + 5;
    const g = engine.gcm(rng.bytes(32));
    const pt = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) pt[i] = i >>> 12;
    const nonce = rng.bytes(12);
    const sealed = g.seal(nonce, pt);
    assert.ok(engine.memory.buffer.byteLength < 4 * MiB, `wasm memory grew to ${engine.memory.buffer.byteLength}`);
    const back = g.open(nonce, sealed);
    assertBytes(back, pt, 'large round trip');
    sealed[size - 3] ^= 0x80;
    authFails('large tampered', () => g.open(nonce, sealed));
    assert.ok(engine.memory.buffer.byteLength < 4 * MiB, 'still under 4 MiB');
    g.dispose();
  });

  // -------------------------------------------------------------- builds agree
  test(`the ${build} build agrees with the ${simd ? 'scalar' : 'simd'} build on random inputs`, () => {
    for (let c = 0; c < 40; c++) {
      const key = rng.bytes(rng.pick([16, 24, 32]));
      const nonce = rng.bytes(rng.pick([12, 12, 7, 16, 99]));
      const pt = rng.bytes(rng.pick([rng.int(0, 3000), rng.int(WINDOW - 200, WINDOW + 200)]));
      const aad = rng.bytes(rng.int(0, 100));
      const a = engine.gcm(key),
        b = other.gcm(key);
      const sa = a.seal(nonce, pt, aad);
      assertBytes(sa, b.seal(nonce, pt, aad), `case ${c}: seal`);
      assertBytes(b.open(nonce, sa, aad), pt, `case ${c}: open on the other build`);
      a.dispose();
      b.dispose();
    }
  });

  test.run();
}
