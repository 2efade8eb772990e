// engine.keyWrap: RFC 3394 (KW) and RFC 5649 (KWP) known answers — the RFC examples, the NIST
// SP 800-38F worked examples, every Wycheproof KW and KWP vector (valid ones must match both
// ways, invalid ones must be rejected) — plus round trips, tamper detection, argument checks,
// dispose, memory hygiene, and the SIMD build against the scalar one. Portable.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { byteAssertions, sameBytes, throwsLeaving } from './_lib/assert.js';
import { createEngine, AuthenticationError } from '../dist/index.js';
import { loadVectors } from './_lib/vectors.js';
import { hexToBytes, bytesToHex, runtimeName } from './_lib/hex.js';
import { createPrng, randomSeed } from './_lib/prng.js';

const SEED = String(globalThis.ATREST_SEED ?? randomSeed());
const WINDOW = 128 * 1024;
const { assertBytes } = byteAssertions(() => where());
const where = () => `[seed ${SEED}, ${runtimeName()}]`;

/** `call` must throw one of `ctors` with a message matching `re` and leave `watch` unchanged;
 *  an AuthenticationError must also say so in its name. */
function rejects(what, ctors, re, call, watch = []) {
  const err = throwsLeaving(what, ctors, re, call, watch, where());
  if (err instanceof AuthenticationError) assert.is(err.name, 'AuthenticationError');
  return err;
}

const snapshot = (engine) => new Uint8Array(engine.memory.buffer).slice();
function memDiff(a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return i;
  return -1;
}

/** Is `len` bytes of key data allowed by RFC 3394 (KW)? */
const kwLengthOk = (len) => len >= 16 && len % 8 === 0;

const rfc3394 = await loadVectors('aes-kw-rfc3394.json');
const rfc5649 = await loadVectors('aes-kwp-rfc5649.json');
const nist = await loadVectors('aes-kw-nist-examples.json');
const wyKw = await loadVectors('wycheproof-aes-kw.json');
const wyKwp = await loadVectors('wycheproof-aes-kwp.json');
const engines = [await createEngine({ simd: true }), await createEngine({ simd: false })];

for (const engine of engines) {
  const simd = engine === engines[0];
  const other = simd ? engines[1] : engines[0];
  const build = simd ? 'simd' : 'scalar';
  const test = suite(`keywrap [${build}] (seed ${SEED})`);
  const rng = createPrng(BigInt(SEED) ^ (simd ? 21n : 22n));

  /** Checks one known answer both ways; returns nothing. */
  function known(what, kek, pt, ct, pad) {
    const kw = engine.keyWrap(hexToBytes(kek));
    try {
      assertBytes(pad ? kw.wrapPad(hexToBytes(pt)) : kw.wrap(hexToBytes(pt)), hexToBytes(ct), `${what}: wrap`);
      assertBytes(pad ? kw.unwrapPad(hexToBytes(ct)) : kw.unwrap(hexToBytes(ct)), hexToBytes(pt), `${what}: unwrap`);
    } finally {
      kw.dispose();
    }
  }

  test('RFC 3394 section 4 (6 vectors, KEK 128/192/256) both ways', () => {
    assert.is(rfc3394.vectors.length, 6);
    for (const v of rfc3394.vectors) known(`RFC 3394 ${v.section}`, v.key, v.plaintext, v.ciphertext, false);
  });

  test('RFC 5649 section 6 (2 vectors) both ways', () => {
    assert.is(rfc5649.vectors.length, 2);
    for (const v of rfc5649.vectors) known(`RFC 5649 ${v.comment}`, v.key, v.plaintext, v.ciphertext, true);
  });

  test('NIST SP 800-38F examples (KW 1.1-1.6, KWP 2.1-2.9) both ways', () => {
    let kw = 0,
      kwp = 0;
    for (const v of nist.vectors) {
      known(`NIST example ${v.example}`, v.key, v.plaintext, v.ciphertext, v.mode === 'KWP');
      if (v.mode === 'KWP') kwp++;
      else kw++;
    }
    assert.is(kw, 6);
    assert.is(kwp, 9);
  });

  test('Wycheproof AES-KW: 36 valid match both ways, 126 invalid and 3 acceptable rejected', () => {
    let valid = 0,
      invalid = 0,
      acceptable = 0;
    for (const v of wyKw.vectors) {
      const what = `KW tcId ${v.tcId} (${v.flags.join(',')}${v.comment ? ': ' + v.comment : ''})`;
      const pt = hexToBytes(v.plaintext),
        ct = hexToBytes(v.ciphertext);
      const kw = engine.keyWrap(hexToBytes(v.key));
      try {
        if (v.result === 'valid') {
          assertBytes(kw.wrap(pt), ct, `${what}: wrap`);
          assertBytes(kw.unwrap(ct), pt, `${what}: unwrap`);
          valid++;
        } else {
          // Rejected: a length RFC 3394 forbids → RangeError; otherwise the integrity check.
          const lengthBad = ct.length < 24 || ct.length % 8 !== 0;
          rejects(`${what}: unwrap`, lengthBad ? RangeError : AuthenticationError, null, () => kw.unwrap(ct), [ct]);
          if (!kwLengthOk(pt.length))
            rejects(`${what}: wrap`, RangeError, /multiple of 8|at least 16/, () => kw.wrap(pt), [pt]);
          if (v.result === 'invalid') invalid++;
          else acceptable++;
        }
      } finally {
        kw.dispose();
      }
    }
    assert.is(valid, 36);
    assert.is(invalid, 126);
    assert.is(acceptable, 3, 'acceptable (8-byte key data, RFC 3394 needs 16+): rejected, as allowed');
  });

  test('Wycheproof AES-KWP: 77 valid match both ways, 177 invalid rejected', () => {
    let valid = 0,
      invalid = 0;
    for (const v of wyKwp.vectors) {
      const what = `KWP tcId ${v.tcId} (${v.flags.join(',')}${v.comment ? ': ' + v.comment : ''})`;
      const pt = hexToBytes(v.plaintext),
        ct = hexToBytes(v.ciphertext);
      const kw = engine.keyWrap(hexToBytes(v.key));
      try {
        if (v.result === 'valid') {
          assertBytes(kw.wrapPad(pt), ct, `${what}: wrapPad`);
          assertBytes(kw.unwrapPad(ct), pt, `${what}: unwrapPad`);
          valid++;
        } else {
          const lengthBad = ct.length < 16 || ct.length % 8 !== 0;
          rejects(`${what}: unwrapPad`, lengthBad ? RangeError : AuthenticationError, null, () => kw.unwrapPad(ct), [
            ct,
          ]);
          invalid++;
        }
      } finally {
        kw.dispose();
      }
    }
    assert.is(valid, 77);
    assert.is(invalid, 177);
  });

  test('round trips of many lengths; KW and KWP outputs differ; builds agree', () => {
    for (const klen of [16, 24, 32]) {
      const kek = rng.bytes(klen);
      const a = engine.keyWrap(kek),
        b = other.keyWrap(kek);
      for (const len of [
        1,
        2,
        7,
        8,
        9,
        15,
        16,
        17,
        23,
        24,
        31,
        32,
        33,
        40,
        64,
        100,
        512,
        4096,
        ...(klen === 32 ? [WINDOW - 8] : []),
      ]) {
        const d = rng.bytes(len);
        const p = a.wrapPad(d);
        assert.is(p.length, Math.ceil(len / 8) * 8 + 8, `wrapPad length for ${len}`);
        assertBytes(p, b.wrapPad(d), `wrapPad ${len}: builds agree`);
        assertBytes(b.unwrapPad(p), d, `unwrapPad ${len} on the other build`);
        if (kwLengthOk(len)) {
          const w = a.wrap(d);
          assert.is(w.length, len + 8);
          assertBytes(w, b.wrap(d), `wrap ${len}: builds agree`);
          assertBytes(b.unwrap(w), d, `unwrap ${len} on the other build`);
          assert.not.ok(sameBytes(w, p), `KW and KWP differ for ${len}`);
          rejects(`KWP blob through unwrap (${len})`, AuthenticationError, /integrity/, () => a.unwrap(p));
          rejects(`KW blob through unwrapPad (${len})`, AuthenticationError, /integrity/, () => a.unwrapPad(w));
        }
      }
      a.dispose();
      b.dispose();
    }
  });

  test('tampering, a wrong KEK, truncation: AuthenticationError, nothing released', () => {
    for (const klen of [16, 24, 32]) {
      const kek = rng.bytes(klen);
      const kw = engine.keyWrap(kek);
      const wrong = engine.keyWrap(kek.map((x, i) => (i === 0 ? x ^ 1 : x)));
      for (const len of [16, 24, 32, 64]) {
        const d = rng.bytes(len);
        const w = kw.wrap(d);
        for (let i = 0; i < w.length; i += 3) {
          const t = w.slice();
          t[i] ^= 1 << (i & 7);
          rejects(`KW flip byte ${i}`, AuthenticationError, /integrity/, () => kw.unwrap(t), [t]);
        }
        rejects('KW wrong KEK', AuthenticationError, /integrity/, () => wrong.unwrap(w));
        if (len > 16)
          rejects('KW truncated by a block', AuthenticationError, /integrity/, () =>
            kw.unwrap(w.subarray(0, w.length - 8)),
          );
      }
      for (const len of [1, 5, 8, 9, 20, 33]) {
        const d = rng.bytes(len);
        const w = kw.wrapPad(d);
        for (let i = 0; i < w.length; i += 2) {
          const t = w.slice();
          t[i] ^= 0x80 >> (i & 7);
          rejects(`KWP ${len} flip byte ${i}`, AuthenticationError, /integrity/, () => kw.unwrapPad(t), [t]);
        }
        rejects(`KWP ${len} wrong KEK`, AuthenticationError, /integrity/, () => wrong.unwrapPad(w));
      }
      kw.dispose();
      wrong.dispose();
    }
  });

  test('bad arguments: TypeError / RangeError naming the rule', () => {
    const notBytes = [undefined, null, 'abc', 7, [1, 2, 3], new ArrayBuffer(16), new Uint32Array(4), {}];
    for (const k of notBytes) rejects(`kek ${String(k)}`, TypeError, /kek.*Uint8Array/, () => engine.keyWrap(k));
    for (const n of [0, 8, 15, 17, 23, 25, 31, 33, 64]) {
      rejects(`kek ${n} bytes`, RangeError, /16, 24 or 32/, () => engine.keyWrap(new Uint8Array(n)));
    }
    const kw = engine.keyWrap(rng.bytes(32));
    for (const m of ['wrap', 'unwrap', 'wrapPad', 'unwrapPad']) {
      for (const x of notBytes) rejects(`${m}(${String(x)})`, TypeError, /Uint8Array/, () => kw[m](x));
    }
    for (const n of [0, 1, 8, 15, 17, 20, 31]) {
      const d = new Uint8Array(n);
      rejects(`wrap ${n} bytes`, RangeError, /multiple of 8 bytes and at least 16/, () => kw.wrap(d), [d]);
    }
    for (const n of [0, 8, 16, 23, 25, 39]) {
      const d = new Uint8Array(n);
      rejects(`unwrap ${n} bytes`, RangeError, /multiple of 8 bytes and at least 24/, () => kw.unwrap(d), [d]);
    }
    rejects('wrapPad empty', RangeError, /empty/, () => kw.wrapPad(new Uint8Array(0)));
    for (const n of [0, 8, 15, 17, 23]) {
      const d = new Uint8Array(n);
      rejects(`unwrapPad ${n} bytes`, RangeError, /multiple of 8 bytes and at least 16/, () => kw.unwrapPad(d), [d]);
    }
    rejects('wrap too long', RangeError, /at most 131064 bytes/, () => kw.wrap(new Uint8Array(WINDOW)));
    rejects('wrapPad too long', RangeError, /at most 131064 bytes/, () => kw.wrapPad(new Uint8Array(WINDOW - 7)));
    rejects('unwrap too long', RangeError, /at most 131064 bytes/, () => kw.unwrap(new Uint8Array(WINDOW + 8)));
    rejects('unwrapPad too long', RangeError, /at most 131064 bytes/, () => kw.unwrapPad(new Uint8Array(WINDOW + 8)));
    kw.dispose();
  });

  test('dispose: later calls throw; idempotent; other objects unaffected', () => {
    const kek = rng.bytes(16);
    const a = engine.keyWrap(kek),
      b = engine.keyWrap(kek);
    const d = rng.bytes(32);
    const w = a.wrap(d),
      wp = a.wrapPad(d);
    a.dispose();
    a.dispose();
    rejects('disposed wrap', Error, /: this object was disposed; create a new one$/, () => a.wrap(d));
    rejects('disposed unwrap', Error, /: this object was disposed; create a new one$/, () => a.unwrap(w));
    rejects('disposed wrapPad', Error, /: this object was disposed; create a new one$/, () => a.wrapPad(d));
    rejects('disposed unwrapPad', Error, /: this object was disposed; create a new one$/, () => a.unwrapPad(wp));
    assertBytes(b.unwrap(w), d, 'b unaffected');
    b.dispose();
  });

  test('memory: creating, using (incl. failed unwraps) and disposing leaves wasm memory as it was', () => {
    for (const klen of [16, 24, 32]) {
      const before = snapshot(engine);
      const kw = engine.keyWrap(rng.bytes(klen));
      const alive = snapshot(engine);
      assert.ok(memDiff(before, alive) >= 0, `kek ${klen}: no key schedule visible (test could not fail)`);
      const d = rng.bytes(40);
      const w = kw.wrap(d),
        wp = kw.wrapPad(d.subarray(0, 13));
      kw.unwrap(w);
      kw.unwrapPad(wp);
      w[9] ^= 1;
      wp[0] ^= 1;
      rejects('failed unwrap', AuthenticationError, null, () => kw.unwrap(w));
      rejects('failed unwrapPad', AuthenticationError, null, () => kw.unwrapPad(wp));
      assert.is(memDiff(alive, snapshot(engine)), -1, `kek ${klen}: scratch/I-O not wiped after calls`);
      kw.dispose();
      assert.is(memDiff(before, snapshot(engine)), -1, `kek ${klen}: memory differs after dispose`);
    }
  });

  test.run();
}
