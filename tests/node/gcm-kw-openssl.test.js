// Node only: differential tests of engine.gcm and engine.keyWrap against node's OpenSSL.
// - aes-{128,192,256}-gcm: random keys, nonces of 12 bytes and of other lengths (1..128, OpenSSL's
//   cap), plaintext and AAD from empty to past the 128 KiB window; seal must equal OpenSSL's
//   ciphertext ‖ tag, open must accept OpenSSL's output, and a tag OpenSSL rejects must be
//   rejected with AuthenticationError.
// - id-aes{128,192,256}-wrap (IV a6a6a6a6a6a6a6a6) and -wrap-pad (IV a65959a6): wrap/unwrap and
//   wrapPad/unwrapPad both ways.
// Both builds. Seeded: ATREST_SEED=<decimal> node tests/node/gcm-kw-openssl.test.js replays a run.
import crypto from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, AuthenticationError } from '../../dist/index.js';
import { createPrng } from '../_lib/prng.js';
import { byteAssertions } from '../_lib/assert.js';

const SEED = process.env.ATREST_SEED ?? '38';
const WINDOW = 128 * 1024;
const GCM_CASES = 150;
const KW_CASES = 150;

const u8 = (b) => new Uint8Array(b.buffer, b.byteOffset, b.length);

/** Byte equality with OpenSSL's output (the expected side), with a hex diff and the seed. */
const { assertBytes } = byteAssertions(() => `[ATREST_SEED=${SEED}]`);

function opensslSeal(key, nonce, pt, aad) {
  const c = crypto.createCipheriv(`aes-${key.length * 8}-gcm`, key, nonce);
  if (aad.length) c.setAAD(aad);
  return u8(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

function opensslOpen(key, nonce, sealed, aad) {
  const d = crypto.createDecipheriv(`aes-${key.length * 8}-gcm`, key, nonce);
  if (aad.length) d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return u8(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]));
  } catch {
    return null;
  }
}

function opensslWrap(kek, data, pad, unwrap) {
  const alg = `id-aes${kek.length * 8}-wrap${pad ? '-pad' : ''}`;
  const iv = Buffer.from(pad ? 'a65959a6' : 'a6a6a6a6a6a6a6a6', 'hex');
  const c = unwrap ? crypto.createDecipheriv(alg, kek, iv) : crypto.createCipheriv(alg, kek, iv);
  return u8(Buffer.concat([c.update(data), c.final()]));
}

const engines = [await createEngine({ simd: true }), await createEngine({ simd: false })];

for (const engine of engines) {
  const build = engine.simd ? 'simd' : 'scalar';
  const test = suite(`gcm-kw-openssl [${build}] (ATREST_SEED=${SEED})`);
  const rng = createPrng(BigInt(SEED) ^ (engine.simd ? 1n : 2n));

  for (const klen of [16, 24, 32]) {
    test(`aes-${klen * 8}-gcm: ${GCM_CASES} random cases against OpenSSL, both directions`, () => {
      for (let c = 0; c < GCM_CASES; c++) {
        const key = rng.bytes(klen);
        const nonce = rng.bytes(rng.pick([12, 12, 12, 12, rng.int(1, 128)]));
        const big = c % 25 === 0;
        const pt = rng.bytes(big ? rng.int(WINDOW - 64, 3 * WINDOW + 64) : rng.pick([0, 1, 16, rng.int(0, 5000)]));
        const aad = rng.bytes(big && c % 50 === 0 ? rng.int(WINDOW, WINDOW + 100) : rng.pick([0, rng.int(0, 100)]));
        const what = `aes-${klen * 8}-gcm case ${c}: nonce ${nonce.length} pt ${pt.length} aad ${aad.length}`;
        const ref = opensslSeal(key, nonce, pt, aad);
        const g = engine.gcm(key);
        assertBytes(g.seal(nonce, pt, aad), ref, `seal ${what}`);
        assertBytes(g.open(nonce, ref, aad), pt, `open OpenSSL's output ${what}`);
        const bad = ref.slice();
        bad[rng.int(0, bad.length - 1)] ^= 1 << rng.int(0, 7);
        assert.is(opensslOpen(key, nonce, bad, aad), null, `OpenSSL rejects the tampered input ${what}`);
        let err;
        try {
          g.open(nonce, bad, aad);
        } catch (e) {
          err = e;
        }
        assert.ok(
          err instanceof AuthenticationError && err.name === 'AuthenticationError',
          `tampered: AuthenticationError ${what}`,
        );
        g.dispose();
      }
    });

    test(`id-aes${klen * 8}-wrap and -wrap-pad: ${KW_CASES} random cases against OpenSSL, both directions`, () => {
      for (let c = 0; c < KW_CASES; c++) {
        const kek = rng.bytes(klen);
        const kw = engine.keyWrap(kek);
        const padLen = rng.pick([1, 7, 8, 9, 16, 24, 32, rng.int(1, 600)]);
        const d = rng.bytes(padLen);
        const what = `case ${c}: ${padLen} bytes`;
        const refPad = opensslWrap(kek, d, true, false);
        assertBytes(kw.wrapPad(d), refPad, `wrapPad ${what}`);
        assertBytes(kw.unwrapPad(refPad), d, `unwrapPad ${what}`);
        assertBytes(opensslWrap(kek, kw.wrapPad(d), true, true), d, `OpenSSL unwraps our wrapPad ${what}`);
        const kwLen = 16 + 8 * rng.int(0, 70);
        const k = rng.bytes(kwLen);
        const ref = opensslWrap(kek, k, false, false);
        assertBytes(kw.wrap(k), ref, `wrap ${kwLen} bytes`);
        assertBytes(kw.unwrap(ref), k, `unwrap ${kwLen} bytes`);
        assertBytes(opensslWrap(kek, kw.wrap(k), false, true), k, `OpenSSL unwraps our wrap ${kwLen}`);
        kw.dispose();
      }
    });
  }

  test.run();
}
