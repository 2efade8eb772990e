// createEngine({ backend }): the wasm kernel against node:crypto's OpenSSL XTS (backend 'native')
// and the default 'auto', which hands sectors of 4 KiB and more to node:crypto. Portable: where
// the runtime has node:crypto with aes-256-xts (Node) the backends are compared byte for byte
// (sector sizes, many sectors per call, partial last sectors, sector numbers around and above
// 2^53 and up to 2^64−1, tweakUnit 512, in place and out of place), and every rejected call must
// throw the same error with the same text on both; where it has none (Deno's node:crypto lacks
// XTS, browsers have no node:crypto) the file asserts that 'native' is refused with a clear error
// and that 'auto' runs the wasm. Helpers: tests/_lib/xts-api.js.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, createPool } from '../dist/index.js';
import { cpuinfoHasAes } from '../build/tsc/engine/xts-native.js';
import { concat, runtimeName } from './_lib/hex.js';
import { SEED, MARK, TWO64, assertBytes, legalLength, marked, rejects, rngFor, xtsKey } from './_lib/xts-api.js';

const NATIVE_FROM_BYTES = 2048; // src/engine/xts.ts
const rng = rngFor(0x7e57);
const test = suite(`xts-native [${runtimeName()}] (seed ${SEED})`);

let nativeError;
let native;
try {
  native = await createEngine({ backend: 'native' });
} catch (err) {
  nativeError = err;
}
const wasm = await createEngine({ backend: 'wasm' });
const auto = await createEngine();

// ------------------------------------------------------------------ option rules (everywhere)

test('createEngine: backend of the wrong type or an unknown name is refused', async () => {
  for (const bad of [1, true, null, {}, ['wasm']]) {
    let err;
    await createEngine({ backend: bad }).catch((e) => (err = e));
    assert.instance(err, TypeError, `backend: ${String(bad)}`);
    assert.match(err.message, /^createEngine: backend must be 'wasm', 'native' or 'auto', got /);
  }
  for (const bad of ['', 'WASM', 'openssl', 'node']) {
    let err;
    await createEngine({ backend: bad }).catch((e) => (err = e));
    assert.instance(err, RangeError, `backend: '${bad}'`);
    assert.is(err.message, `createEngine: backend must be 'wasm', 'native' or 'auto', got '${bad}'`);
  }
});

test("backend 'wasm' is wasm everywhere, for every sector size", () => {
  assert.is(wasm.backend, 'wasm');
  const key = xtsKey(rng);
  for (const sectorSize of [16, 512, 4096, 65536]) {
    const x = wasm.xts(key, { sectorSize });
    assert.is(x.backend, 'wasm');
    x.dispose();
  }
});

test("'auto' needs the CPU's AES instructions: how /proc/cpuinfo is read", () => {
  const x86 = 'processor\t: 0\nflags\t\t: fpu vme sse2 ssse3 pclmulqdq aes avx\nbugs\t\t: none\n';
  const arm = 'processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\n';
  assert.ok(cpuinfoHasAes(x86), 'x86 flags with aes');
  assert.ok(cpuinfoHasAes(arm), 'ARM Features with aes');
  assert.not.ok(cpuinfoHasAes(x86.replace(' aes', '')), 'x86 flags without aes');
  assert.not.ok(cpuinfoHasAes('Features\t: fp asimd evtstrm crc32 cpuid\n'), 'ARM without crypto extensions');
  assert.not.ok(cpuinfoHasAes('flags\t\t: fpu vaes\n'), 'a flag that only contains "aes" is not aes');
  assert.not.ok(cpuinfoHasAes('bugs\t\t: aes\n'), 'another line naming aes');
  assert.not.ok(cpuinfoHasAes(''), 'no cpuinfo');
});

if (native === undefined) {
  // ---------------------------------------------------------------- no native XTS here
  test(`${runtimeName()} has no node:crypto XTS: 'native' is refused, the default and 'auto' are wasm`, async () => {
    assert.instance(nativeError, Error);
    assert.is(
      nativeError.message,
      "createEngine: backend 'native' needs node:crypto with aes-256-xts and aes-128-xts (Node); this runtime has none — use 'auto' or 'wasm'",
    );
    assert.is(auto.backend, 'wasm');
    const explicit = await createEngine({ backend: 'auto' });
    assert.is(explicit.backend, 'wasm');
    const key = xtsKey(rng);
    const data = rng.bytes(3 * 4096 + 48);
    const a = explicit.xts(key);
    const w = wasm.xts(key);
    assert.is(a.backend, 'wasm');
    assertBytes(a.encrypt(data, 9), w.encrypt(data, 9), 'auto = wasm');
    a.dispose();
    w.dispose();
    let err;
    await createPool({ workers: 0, backend: 'native' }).catch((e) => (err = e));
    assert.is(err?.message, nativeError.message, "createPool({ backend: 'native' }) refuses the same way");
  });
} else {
  // ---------------------------------------------------------------- native available
  test("the default is 'auto'; 'auto' takes node:crypto from 2 KiB sectors, 'native' always", async () => {
    assert.is(nativeError, undefined);
    assert.is(native.backend, 'native');
    // 'auto' takes node:crypto only where the CPU is known to have AES instructions
    let hardwareAes = globalThis.process?.platform === 'darwin';
    if (globalThis.process?.platform === 'linux') {
      const fsModule = 'node:fs'; // not a literal: the Chromium runner's bundler must not resolve it
      const { readFileSync } = await import(fsModule);
      hardwareAes = cpuinfoHasAes(readFileSync('/proc/cpuinfo', 'latin1'));
    }
    const autoIs = hardwareAes ? 'auto' : 'wasm';
    assert.is(auto.backend, autoIs);
    assert.is((await createEngine({ backend: 'auto' })).backend, autoIs);
    const key = xtsKey(rng);
    for (const sectorSize of [16, 512, 2048, 4080, 4096, 4112, 8192, 65536, 2 ** 24]) {
      const a = auto.xts(key, { sectorSize });
      const n = native.xts(key, { sectorSize });
      const expected = autoIs === 'auto' && sectorSize >= NATIVE_FROM_BYTES ? 'native' : 'wasm';
      assert.is(a.backend, expected, `auto at ${sectorSize}`);
      assert.is(n.backend, 'native', `native at ${sectorSize}`);
      a.dispose();
      n.dispose();
    }
  });

  /** The same call on every backend: equal results, and decrypt gives the data back. */
  function compare(key, options, data, first, what) {
    const xs = [wasm, native, auto].map((e) => e.xts(key, options));
    try {
      const [w, n, a] = xs.map((x) => x.encrypt(data, first));
      assertBytes(n, w, `native = wasm, encrypt ${what}`);
      assertBytes(a, w, `auto = wasm, encrypt ${what}`);
      for (const x of xs) assertBytes(x.decrypt(w, first), data, `${x.backend} decrypt ${what}`);
      return w;
    } finally {
      xs.forEach((x) => x.dispose());
    }
  }

  test('same bytes: sector sizes from 16 B to 64 KiB, many sectors per call, both key sizes', () => {
    for (const keyLen of [64, 32]) {
      const key = xtsKey(rng, keyLen);
      for (const sectorSize of [16, 32, 512, 1024, 4080, 4096, 4112, 8192, 65536]) {
        const count = Math.max(1, Math.min(40, (1 << 20) / sectorSize));
        for (const sectors of [1, 2, count]) {
          const data = rng.bytes(sectors * sectorSize);
          const first = rng.int(0, 1_000_000);
          compare(key, { sectorSize }, data, first, `key ${keyLen} S=${sectorSize} ×${sectors} first=${first}`);
        }
      }
    }
  });

  test("same bytes on the ECB road with the no-SIMD build's tweak masks (xtsMaskSectors' scalar path)", async () => {
    const scalarNative = await createEngine({ simd: false, backend: 'native' });
    assert.is(scalarNative.simd, false);
    for (const sectorSize of [16, 512, 4096, 8192]) {
      for (const sectors of [2, 3, 40]) {
        const key = xtsKey(rng);
        const data = rng.bytes(sectors * sectorSize);
        const first = rng.big(0n, TWO64 - 64n);
        const w = wasm.xts(key, { sectorSize });
        const n = scalarNative.xts(key, { sectorSize });
        const ct = w.encrypt(data, first);
        assertBytes(n.encrypt(data, first), ct, `scalar masks, encrypt S=${sectorSize} ×${sectors}`);
        assertBytes(n.decrypt(ct, first), data, `scalar masks, decrypt S=${sectorSize} ×${sectors}`);
        w.dispose();
        n.dispose();
      }
    }
  });

  test('same bytes: 1 MiB per call at 512 B and 4 KiB sectors (what the bench times)', () => {
    const key = xtsKey(rng);
    const data = rng.bytes(1 << 20);
    for (const sectorSize of [512, 4096]) compare(key, { sectorSize }, data, 7, `1 MiB S=${sectorSize}`);
  });

  test('same bytes: a partial last sector (ciphertext stealing), every remainder class', () => {
    for (const keyLen of [64, 32]) {
      const key = xtsKey(rng, keyLen);
      for (const sectorSize of [32, 512, 4096, 8192]) {
        for (const rest of [16, 17, 31, 33, 47, 255, sectorSize - 1, sectorSize - 15]) {
          if (rest < 16 || rest >= sectorSize) continue;
          for (const whole of [0, 1, 5]) {
            const data = rng.bytes(whole * sectorSize + rest);
            compare(key, { sectorSize }, data, 3, `key ${keyLen} S=${sectorSize} ${whole} sectors + ${rest} B`);
          }
        }
      }
    }
  });

  test('same bytes: sector numbers around and above 2^53, up to 2^64−1, as numbers and bigints', () => {
    const key = xtsKey(rng);
    const safe = Number.MAX_SAFE_INTEGER;
    for (const sectorSize of [512, 4096]) {
      const data = rng.bytes(6 * sectorSize + 16);
      for (const first of [
        safe - 3, // number, the call crosses 2^53
        BigInt(safe) - 2n,
        1n << 53n,
        (1n << 53n) + 1n,
        (1n << 63n) - 3n, // crosses 2^63
        rng.big(1n << 53n, 1n << 64n) - 8n,
        TWO64 - 7n, // the last sector is 2^64−1
      ]) {
        const w = compare(key, { sectorSize }, data, first, `S=${sectorSize} first=${first}`);
        if (typeof first === 'number') {
          assertBytes(compare(key, { sectorSize }, data, BigInt(first), `bigint ${first}`), w, 'number = bigint');
        }
      }
    }
  });

  test('same bytes: tweakUnit 512 (dm-crypt plain64 numbering) up to the last tweak value', () => {
    const key = xtsKey(rng);
    for (const sectorSize of [1024, 4096, 65536]) {
      const step = BigInt(sectorSize / 512);
      const data = rng.bytes(3 * sectorSize + 32);
      for (const first of [0n, 12345n, (TWO64 - 1n) / step - 3n]) {
        compare(key, { sectorSize, tweakUnit: 512 }, data, first, `tweakUnit 512 S=${sectorSize} first=${first}`);
      }
    }
  });

  test('same bytes: one 16 MiB sector (the largest data unit) and a 1 MiB one with stealing', () => {
    const key = xtsKey(rng);
    compare(key, { sectorSize: 2 ** 24 }, rng.bytes(2 ** 24), 5n, 'S=2^24');
    compare(key, { sectorSize: 1 << 20 }, rng.bytes((1 << 20) + (1 << 19) + 40), 0, 'S=1 MiB, partial half + 40');
  });

  test('same bytes: in place, out of place, and into a larger out (the rest untouched)', () => {
    const key = xtsKey(rng);
    for (const sectorSize of [512, 4096]) {
      const data = rng.bytes(5 * sectorSize + 20);
      const expected = wasm.xts(key, { sectorSize }).encrypt(data, 11);
      for (const e of [native, auto]) {
        const x = e.xts(key, { sectorSize });
        const inPlace = data.slice();
        assert.is(x.encrypt(inPlace, 11, inPlace), inPlace, 'in place returns data');
        assertBytes(inPlace, expected, `${e.backend} in place S=${sectorSize}`);
        assert.is(x.decrypt(inPlace, 11, inPlace), inPlace);
        assertBytes(inPlace, data, `${e.backend} in-place decrypt S=${sectorSize}`);
        const big = marked(data.length + 32);
        assert.is(x.encrypt(data, 11, big), big, 'returns out');
        assertBytes(big.subarray(0, data.length), expected, `${e.backend} larger out`);
        assert.ok(
          big.subarray(data.length).every((b) => b === MARK),
          'bytes past the result untouched',
        );
        // a view at an offset into a larger buffer
        const backing = new Uint8Array(data.length + 64);
        const view = backing.subarray(32, 32 + data.length);
        view.set(data);
        x.encrypt(view, 11, view);
        assertBytes(view, expected, `${e.backend} in place at an offset`);
        assert.ok(
          backing.subarray(0, 32).every((b) => b === 0) && backing.subarray(32 + data.length).every((b) => b === 0),
        );
        assertBytes(data, data.slice(), 'input untouched');
        x.dispose();
      }
    }
  });

  // Runs of 4 or more whole sectors take node:crypto's ECB with the tweaks applied in 32-bit
  // words, 64 KiB per update (src/engine/xts-native.ts); fewer take the XTS cipher per sector.
  test('same bytes on and off the ECB road: 1 vs 2 sectors, 8 vs 16 KiB sectors, windows that do not divide the call, arrays at odd offsets', () => {
    for (const keyLen of [64, 32]) {
      const key = xtsKey(rng, keyLen);
      for (const sectorSize of [16, 512, 4096, 8192, 16384, 48 * 1024]) {
        for (const sectors of [1, 2, 3, 17, Math.ceil((200 * 1024) / sectorSize) + 1]) {
          for (const rest of [0, 16, 20]) {
            if (rest >= sectorSize) continue; // a partial last sector is shorter than a sector
            const data = rng.bytes(sectors * sectorSize + rest);
            const first = rng.big(0n, TWO64 - BigInt(sectors + 1));
            const expected = compare(
              key,
              { sectorSize },
              data,
              first,
              `key ${keyLen} S=${sectorSize} ×${sectors}+${rest}`,
            );
            // Views at byte offsets 1 and 3 (not 4-byte aligned), in place and out of place.
            const x = native.xts(key, { sectorSize });
            for (const at of [1, 3]) {
              const backing = new Uint8Array(data.length + 8);
              const view = backing.subarray(at, at + data.length);
              view.set(data);
              const out = new Uint8Array(data.length + 8).subarray(4 - at + 4, 4 - at + 4 + data.length);
              assertBytes(x.encrypt(view, first, out), expected, `odd offsets ${at}/${out.byteOffset} S=${sectorSize}`);
              x.encrypt(view, first, view);
              assertBytes(view, expected, `in place at offset ${at} S=${sectorSize}`);
              assertBytes(x.decrypt(view, first), data, `decrypt at offset ${at} S=${sectorSize}`);
            }
            x.dispose();
          }
        }
      }
    }
  });

  test('same bytes: encryptUnit / decryptUnit with explicit tweaks, below and above 4 KiB', () => {
    for (const keyLen of [64, 32]) {
      const key = xtsKey(rng, keyLen);
      const xs = [wasm, native, auto].map((e) => e.xts(key));
      for (const len of [16, 17, 32, 100, 512, 4095, 4096, 4111, 10000, 65536]) {
        const data = rng.bytes(len);
        const tweak = rng.bytes(16);
        const [w, n, a] = xs.map((x) => x.encryptUnit(data, tweak));
        assertBytes(n, w, `native = wasm, unit of ${len}`);
        assertBytes(a, w, `auto = wasm, unit of ${len}`);
        for (const x of xs) assertBytes(x.decryptUnit(w, tweak), data, `${x.backend} decryptUnit ${len}`);
        const inPlace = data.slice();
        xs[1].encryptUnit(inPlace, tweak, inPlace);
        assertBytes(inPlace, w, `native unit in place ${len}`);
      }
      xs.forEach((x) => x.dispose());
    }
  });

  test("createPool({ backend }): workers run the backend asked for, with the engine's bytes", async () => {
    const key = xtsKey(rng);
    const data = rng.bytes(3 * 4096 * 64 + 100);
    const expected = wasm.xts(key).encrypt(data, 1234n);
    for (const backend of ['native', 'wasm', undefined]) {
      const pool = await createPool({ workers: 2, inThreadBelow: 0, backend });
      try {
        assert.is(pool.backend, backend ?? auto.backend);
        assert.is(pool.workers, 2, 'both workers started (a worker on another backend would fail its start)');
        const p = await pool.xts(key, { sectorSize: 4096 });
        assertBytes(await p.encrypt(data, 1234n), expected, `pool backend ${backend}`);
        assertBytes(await p.decrypt(expected, 1234n), data, `pool backend ${backend} decrypt`);
        await p.dispose();
      } finally {
        await pool.close();
      }
    }
  });

  // -------------------------------------------------------------- identical errors

  /** The error a call throws, as `Name: message`, or 'returned'. */
  function outcome(call) {
    try {
      call();
      return 'returned';
    } catch (err) {
      return `${err.constructor.name}: ${err.message}`;
    }
  }

  test('key and option errors: the same error and text on every backend (equal halves included)', () => {
    const half = rng.bytes(32);
    const cases = [
      ['string key', 'k'.repeat(64), undefined],
      ['ArrayBuffer key', new ArrayBuffer(64), undefined],
      ['no key', undefined, undefined],
      ['48-byte key', rng.bytes(48), undefined],
      ['equal halves (64)', concat([half, half]), undefined],
      ['equal halves (32)', concat([half.subarray(0, 16), half.subarray(0, 16)]), undefined],
      ['zero key', new Uint8Array(64), undefined],
      ['sectorSize 24', xtsKey(rng), { sectorSize: 24 }],
      ['sectorSize 2^24 + 16', xtsKey(rng), { sectorSize: 2 ** 24 + 16 }],
      ['sectorSize "4096"', xtsKey(rng), { sectorSize: '4096' }],
      ['tweakUnit 1024', xtsKey(rng), { sectorSize: 4096, tweakUnit: 1024 }],
      ['tweakUnit 512 at S=4000', xtsKey(rng), { sectorSize: 4000, tweakUnit: 512 }],
    ];
    for (const [what, key, options] of cases) {
      const results = [wasm, native, auto].map((e) => outcome(() => e.xts(key, options)));
      assert.is.not(results[0], 'returned', `${what}: wasm accepted it`);
      assert.equal(results, [results[0], results[0], results[0]], `${what}: the backends differ`);
    }
    const equal = outcome(() => native.xts(concat([half, half])));
    assert.is(equal, 'RangeError: xts: the two key halves must differ (NIST SP 800-38E: key1 ≠ key2)');
  });

  test('call errors: the same error and text on every backend, and nothing written', () => {
    const key = xtsKey(rng);
    for (const sectorSize of [512, 4096]) {
      const xs = [wasm, native, auto].map((e) => e.xts(key, { sectorSize }));
      const x512 = [wasm, native, auto].map((e) => e.xts(key, { sectorSize: 4096, tweakUnit: 512 }));
      const shared = new Uint8Array(3 * sectorSize);
      const calls = [
        ['data not bytes', (x, o) => x.encrypt([1, 2, 3], 0, o)],
        ['data of 15 bytes', (x, o) => x.encrypt(new Uint8Array(15), 0, o)],
        ['partial last sector of 15', (x, o) => x.decrypt(new Uint8Array(sectorSize + 15), 0, o)],
        ['negative sector', (x, o) => x.encrypt(new Uint8Array(sectorSize), -1, o)],
        ['fractional sector', (x, o) => x.encrypt(new Uint8Array(sectorSize), 1.5, o)],
        ['NaN sector', (x, o) => x.encrypt(new Uint8Array(sectorSize), NaN, o)],
        ['unsafe number sector', (x, o) => x.encrypt(new Uint8Array(sectorSize), 2 ** 53, o)],
        ['string sector', (x, o) => x.encrypt(new Uint8Array(sectorSize), '1', o)],
        ['bigint past 2^64−1', (x, o) => x.encrypt(new Uint8Array(sectorSize), TWO64, o)],
        ['sectors passing 2^64−1', (x, o) => x.decrypt(new Uint8Array(2 * sectorSize), TWO64 - 1n, o)],
        ['out too small', (x) => x.encrypt(new Uint8Array(2 * sectorSize), 0, marked(2 * sectorSize - 1))],
        ['out not bytes', (x) => x.encrypt(new Uint8Array(sectorSize), 0, new Array(sectorSize).fill(MARK))],
        [
          'out partly overlapping',
          (x) => x.encrypt(shared.subarray(0, 2 * sectorSize), 0, shared.subarray(16, 16 + 2 * sectorSize)),
        ],
        ['unit tweak of 15', (x, o) => x.encryptUnit(new Uint8Array(32), new Uint8Array(15), o)],
        ['unit tweak not bytes', (x, o) => x.decryptUnit(new Uint8Array(32), 'tweak', o)],
        ['unit of 15 bytes', (x, o) => x.encryptUnit(new Uint8Array(15), new Uint8Array(16), o)],
        ['unit past 2^20 blocks', (x, o) => x.decryptUnit(new Uint8Array(2 ** 24 + 16), new Uint8Array(16), o)],
      ];
      for (const [what, call] of calls) {
        const results = xs.map((x) => {
          const out = marked(4 * sectorSize);
          const r = outcome(() => call(x, out));
          assert.ok(
            out.every((b) => b === MARK),
            `${what}: ${x.backend} wrote into out`,
          );
          return r;
        });
        assert.is.not(results[0], 'returned', `${what}: wasm accepted it`);
        assert.equal(results, [results[0], results[0], results[0]], `${what} (S=${sectorSize}): the backends differ`);
      }
      // the 512-byte tweak numbering: the last sector × 8 passes 2^64−1
      const step = x512.map((x) => outcome(() => x.encrypt(new Uint8Array(4096), TWO64 / 8n)));
      assert.match(step[0], /counted in 512-byte units \(× 8\) passes the last tweak value 2\^64−1$/);
      assert.equal(step, [step[0], step[0], step[0]], 'tweakUnit overflow: the backends differ');
      // a rejected call leaves the object working, and in-place data untouched
      for (const x of xs) {
        const d = rng.bytes(sectorSize);
        rejects(`${x.backend} bad sector`, RangeError, /must not be negative/, () => x.encrypt(d, -1, d), [d]);
        assertBytes(x.encrypt(d, 1), xs[0].encrypt(d, 1), `${x.backend} still works after a rejected call`);
      }
      [...xs, ...x512].forEach((x) => x.dispose());
    }
  });

  // -------------------------------------------------------------- dispose and key hygiene

  test('dispose: every call then throws the same error on every backend; dispose twice is fine', () => {
    const key = xtsKey(rng);
    const xs = [wasm, native, auto].map((e) => e.xts(key));
    xs.forEach((x) => x.dispose());
    xs.forEach((x) => x.dispose());
    const data = rng.bytes(4096);
    for (const [what, call] of [
      ['encrypt', (x) => x.encrypt(data)],
      ['decrypt', (x) => x.decrypt(data, 5n)],
      ['encryptUnit', (x) => x.encryptUnit(data, new Uint8Array(16))],
      ['decryptUnit', (x) => x.decryptUnit(data, new Uint8Array(16))],
    ]) {
      const results = xs.map((x) => outcome(() => call(x)));
      assert.is(results[0], `Error: xts.${what}: this object was disposed; create a new one`);
      assert.equal(results, [results[0], results[0], results[0]], `${what} after dispose`);
    }
  });

  test("dispose never touches the caller's key (Uint8Array or Node Buffer); other objects on it keep working", () => {
    const key = xtsKey(rng);
    const copy = key.slice();
    const data = rng.bytes(2 * 4096);
    const expected = wasm.xts(key).encrypt(data, 3);
    const a = native.xts(key);
    const b = native.xts(key);
    a.dispose();
    assertBytes(key, copy, 'the Uint8Array key after dispose');
    assertBytes(b.encrypt(data, 3), expected, 'a second object on the same key');
    b.dispose();
    const NodeBuffer = globalThis.Buffer;
    if (NodeBuffer) {
      // Buffer#slice() is a view, not a copy: a key copied that way would be zeroed here.
      const buf = NodeBuffer.from(copy);
      const x = auto.xts(buf);
      assertBytes(x.encrypt(data, 3), expected, 'Buffer key');
      x.dispose();
      assertBytes(buf, copy, 'the Buffer key after dispose');
    }
  });

  test("a native-only Xts holds no key slot in the wasm: the engine's memory does not change", () => {
    const key = xtsKey(rng);
    const before = new Uint8Array(native.memory.buffer).slice();
    const x = native.xts(key, { sectorSize: 512 });
    x.encrypt(rng.bytes(4 * 512), 1);
    const after = new Uint8Array(native.memory.buffer);
    assert.is(after.length, before.length);
    let same = true;
    for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) same = false;
    assert.ok(same, 'creating and using a native Xts wrote into the wasm memory');
    x.dispose();
  });
}

test.run();
