// engine.xts results: the build and the JS reference checked against IEEE 1619, return values and
// in-place work, multi-sector calls against per-sector units, stealing, I/O-window edges, sector
// numbers up to 2^64-1, seeded round trips. Portable. Helpers: tests/_lib/xts-api.js.
import * as assert from 'uvu/assert';
import { hexToBytes, bytesToHex, concat } from './_lib/hex.js';
import { sameBytes } from './_lib/assert.js';
import {
  TWO64,
  MARK,
  RE,
  assertBytes,
  assertAll,
  rejects,
  marked,
  le128,
  legalLength,
  xtsKey,
  perSector,
  refXtsUnit,
  ieee,
  buildSuites,
} from './_lib/xts-api.js';

for (const { engine, simd, test, rng } of buildSuites('xts-results', 20)) {
  test('engine reports the requested build and exposes its memory', () => {
    assert.is(engine.simd, simd);
    assert.instance(engine.memory, WebAssembly.Memory);
  });

  test('JS XTS reference (on engine.aes) reproduces IEEE 1619 vectors 2-19 (validates the reference)', () => {
    for (const v of ieee.vectors) {
      if (v.keyHalvesEqual) continue;
      const key = hexToBytes(v.key);
      const tw = hexToBytes(v.tweak);
      assert.is(
        bytesToHex(refXtsUnit(engine, key, tw, hexToBytes(v.plaintext), false)),
        v.ciphertext,
        `ref enc ${v.vector}`,
      );
      assert.is(
        bytesToHex(refXtsUnit(engine, key, tw, hexToBytes(v.ciphertext), true)),
        v.plaintext,
        `ref dec ${v.vector}`,
      );
    }
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
        const firsts = [
          0,
          1,
          255,
          2 ** 32 - 2,
          rng.int(0, 2 ** 32),
          Number.MAX_SAFE_INTEGER - 1,
          rng.big(0n, TWO64 - 100n),
          TWO64 - 25n,
        ];
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
    for (const s of [
      0,
      1,
      255,
      256,
      65535,
      65536,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 40 + 3,
      Number.MAX_SAFE_INTEGER - 3,
      Number.MAX_SAFE_INTEGER,
    ]) {
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
      const first = rng.bool()
        ? rng.int(0, Number.MAX_SAFE_INTEGER)
        : rng.big(0n, TWO64 - 1n - BigInt(Math.ceil(len / ss)));
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
