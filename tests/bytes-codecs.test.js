// The byte codecs key material goes through (src/utils/bytes.ts): base64 and hex written
// without btoa/atob/parseInt so no binary string or digit substring of a key is made, and
// branch-free per character. Checked against the platform's own btoa/atob on every length from
// 0 to 200 with random bytes, and on the inputs atob refuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64, fromHex, hexDigitsToBytes, toBase64, toHex } from '../build/tsc/utils/bytes.js';

const platformBase64 = (b) => btoa(String.fromCharCode(...b));

test('toBase64/fromBase64 agree with btoa/atob on every length 0–200, padded and unpadded', () => {
  for (let n = 0; n <= 200; n++) {
    const b = crypto.getRandomValues(new Uint8Array(n));
    const text = toBase64(b);
    assert.is(text, platformBase64(b), `encode, ${n} bytes`);
    assert.equal(fromBase64(text), b, `decode, ${n} bytes`);
    assert.equal(fromBase64(text.replace(/=+$/, '')), b, `decode unpadded, ${n} bytes`);
  }
  const all = Uint8Array.from({ length: 256 }, (_, i) => i); // every byte value, every character
  assert.is(toBase64(all), platformBase64(all));
  assert.equal(
    fromBase64(' ' + toBase64(all).replace(/(.{76})/g, '$1\n') + '\t'),
    all,
    'ASCII whitespace is ignored, as atob does',
  );
});

test('fromBase64 refuses what atob refuses, with a RangeError naming the rule', () => {
  for (const bad of ['A', 'QQ=', 'Q===', '@@@@', 'QQ==QQ==', 'QUJD-w==', 'QUJD_w==', 'é', 'QUJ\u0141', 'QU\u0000D']) {
    assert.throws(() => atob(bad), undefined, `atob refuses ${JSON.stringify(bad)}`);
    assert.throws(
      () => fromBase64(bad),
      (e) => e instanceof RangeError && /^fromBase64: not base64 \(/.test(e.message),
      JSON.stringify(bad),
    );
  }
});

test('hexDigitsToBytes reads either case; fromHex stays lower-case only', () => {
  const b = crypto.getRandomValues(new Uint8Array(64));
  const hex = toHex(b);
  assert.equal(hexDigitsToBytes(hex), b);
  assert.equal(hexDigitsToBytes(hex.toUpperCase()), b);
  assert.equal(
    hexDigitsToBytes('0123456789abcdefABCDEF'),
    Uint8Array.from([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef]),
  );
  assert.equal(fromHex(hex), b);
  assert.throws(() => fromHex(hex.toUpperCase()), /not lower-case hex/);
});

test.run();
