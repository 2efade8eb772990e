// engine.xts / engine.aes argument checks: keys and options, data, tweaks, sector numbers, out
// buffers and overlap; every rejected call names the rule and leaves its outputs untouched, and the
// key object keeps working. Portable (Node, Deno, Chromium). Helpers: tests/_lib/xts-api.js.
import * as assert from 'uvu/assert';
import { concat } from './_lib/hex.js';
import { MiB, TWO64, MARK, RE, assertBytes, rejects, marked, xtsKey, buildSuites } from './_lib/xts-api.js';

for (const { engine, simd, test, rng } of buildSuites('xts-arguments', 0)) {
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
      rejects(`xts(key of ${n} bytes)`, RangeError, RE.xtsKeyLen, () =>
        engine.xts(xtsKey(rng, n + (n % 2)).subarray(0, n)),
      );
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
    rejects(`xts(key, { sectorSize: '4096' })`, [TypeError, RangeError], null, () =>
      engine.xts(key, { sectorSize: '4096' }),
    );

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
          rejects(`encrypt(${whole}×${ss}+${tail}, in place)`, RangeError, RE.min16, () => x.encrypt(data, 5, data), [
            data,
          ]);
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
        rejects(`${m}(data, sector ${String(s)}, in place)`, RangeError, re, () => x[m](inplace, s, inplace), [
          inplace,
        ]);
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
        rejects(
          `${m}(${bytes} bytes at ${first}, in place)`,
          RangeError,
          RE.past64,
          () => x[m](inplace, first, inplace),
          [inplace],
        );
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
        rejects(
          `${m}: data [${dOff},+80) out [${oOff},+80) of one buffer`,
          RangeError,
          RE.overlap,
          () => call(data, out),
          [buf],
        );
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
        rejects(
          `aes.${m} overlapping out`,
          RangeError,
          RE.overlap,
          () => a[m](buf.subarray(0, 48), buf.subarray(16, 64)),
          [buf],
        );
      }
      a.dispose();
    }
  });
  test.run();
}
