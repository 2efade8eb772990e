// engine.xts / engine.aes objects over their life: dispose, many create/dispose cycles, wasm
// memory left as it was, bounded memory for large calls. Portable. Helpers: tests/_lib/xts-api.js.
import * as assert from 'uvu/assert';
import { concat } from './_lib/hex.js';
import { sameBytes } from './_lib/assert.js';
import {
  MiB,
  RE,
  assertBytes,
  rejects,
  marked,
  le128,
  xtsKey,
  snapshot,
  memDiff,
  refXtsUnit,
  buildSuites,
} from './_lib/xts-api.js';

for (const { engine, simd, test, rng } of buildSuites('xts-lifecycle', 10)) {
  // -------------------------------------------------------------- dispose
  test('dispose: later calls throw an Error and write nothing; other objects unaffected', () => {
    const k1 = xtsKey(rng);
    const k2 = xtsKey(rng, 32);
    const x1 = engine.xts(k1, { sectorSize: 512 });
    const x2 = engine.xts(k2, { sectorSize: 512 });
    const pt = rng.bytes(1024 + 40);
    const tw = rng.bytes(16);
    const want2 = x2.encrypt(pt, 77);
    const want2u = x2.encryptUnit(pt, tw);
    assert.not.ok(sameBytes(x1.encrypt(pt, 77), want2), 'different keys give different ciphertexts');
    x1.dispose();
    for (const [m, call] of [
      ['encrypt', (o) => x1.encrypt(pt, 77, o)],
      ['decrypt', (o) => x1.decrypt(pt, 77, o)],
      ['encryptUnit', (o) => x1.encryptUnit(pt, tw, o)],
      ['decryptUnit', (o) => x1.decryptUnit(pt, tw, o)],
      ['encrypt (no out)', () => x1.encrypt(pt)],
    ]) {
      const out = marked(pt.length);
      rejects(`disposed xts.${m}`, Error, RE.disposed, () => call(out), [out]);
    }
    assertBytes(x2.encrypt(pt, 77), want2, 'x2 unaffected by x1.dispose()');
    assertBytes(x2.encryptUnit(pt, tw), want2u, 'x2 unit unaffected');
    // a fresh object with x1's key still computes the same as before
    const x1b = engine.xts(k1, { sectorSize: 512 });
    assertBytes(x1b.decrypt(x1b.encrypt(pt, 77), 77), pt, 'new object after dispose');
    x1b.dispose();
    x2.dispose();
    rejects('disposed xts.encrypt (second object)', Error, RE.disposed, () => x2.encrypt(pt));

    const a = engine.aes(rng.bytes(32));
    a.dispose();
    for (const m of ['encryptBlocks', 'decryptBlocks']) {
      const out = marked(32);
      rejects(`disposed aes.${m}`, Error, RE.disposed, () => a[m](rng.bytes(32), out), [out]);
    }
  });

  test('many create/dispose cycles and several live objects', () => {
    const pt = rng.bytes(64);
    const ref = engine.xts(xtsKey(rng), { sectorSize: 32 });
    const want = ref.encrypt(pt, 1);
    const memBefore = engine.memory.buffer.byteLength;
    for (let i = 0; i < 2000; i++) {
      const x = engine.xts(xtsKey(rng, i % 2 ? 32 : 64), { sectorSize: 32 });
      x.encrypt(pt, i);
      x.dispose();
      const a = engine.aes(rng.bytes(i % 2 ? 16 : 32));
      a.encryptBlocks(pt);
      a.dispose();
    }
    assertBytes(ref.encrypt(pt, 1), want, 'long-lived object unaffected by 2000 cycles');
    assert.is(engine.memory.buffer.byteLength, memBefore, 'key slots are reused: memory did not grow over 2000 cycles');
    ref.dispose();
    const keys = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => xtsKey(rng, i % 2 ? 32 : 64));
    const live = keys.map((k) => engine.xts(k, { sectorSize: 32 }));
    const cts = live.map((x, i) => x.encrypt(pt, i));
    for (let i = 0; i < live.length; i++) {
      const unit0 = refXtsUnit(engine, keys[i], le128(i), pt.subarray(0, 32), false);
      const unit1 = refXtsUnit(engine, keys[i], le128(i + 1), pt.subarray(32), false);
      assertBytes(cts[i], concat([unit0, unit1]), `live object ${i} matches the reference`);
    }
    live.forEach((x) => x.dispose());
  });

  // -------------------------------------------------------------- memory hygiene
  test('memory: creating, using and disposing an xts object leaves wasm memory as it was', () => {
    for (const klen of [64, 32]) {
      const key = xtsKey(rng, klen);
      const pt = rng.bytes(3 * 4096 + 100);
      const tw = rng.bytes(16);
      const before = snapshot(engine);
      const x = engine.xts(key);
      const alive = snapshot(engine);
      assert.ok(
        memDiff(before, alive) >= 0,
        `${klen}-byte key: memory did not change while a key is alive (test could not fail)`,
      );
      const ct = x.encrypt(pt, 123456789);
      x.decrypt(ct, 123456789);
      x.encrypt(pt, 5, pt.slice());
      x.encryptUnit(pt, tw);
      x.decryptUnit(ct, tw);
      const used = snapshot(engine);
      const d1 = memDiff(alive, used);
      assert.is(d1, -1, `${klen}-byte key: scratch/I-O not wiped after calls (first dirty byte ${d1})`);
      x.dispose();
      const after = snapshot(engine);
      const d2 = memDiff(before, after);
      assert.is(d2, -1, `${klen}-byte key: memory differs after dispose (first dirty byte ${d2})`);
    }
  });

  test('memory: creating, using and disposing an aes object leaves wasm memory as it was', () => {
    for (const klen of [16, 32]) {
      const before = snapshot(engine);
      const a = engine.aes(rng.bytes(klen));
      const alive = snapshot(engine);
      assert.ok(memDiff(before, alive) >= 0, `aes-${klen * 8}: no key schedule visible in memory`);
      const ct = a.encryptBlocks(rng.bytes(16 * 37));
      a.decryptBlocks(ct);
      assert.is(memDiff(alive, snapshot(engine)), -1, `aes-${klen * 8}: scratch not wiped after calls`);
      a.dispose();
      assert.is(memDiff(before, snapshot(engine)), -1, `aes-${klen * 8}: memory differs after dispose`);
    }
  });

  test(`memory: one ${simd ? 256 : 64} MiB call keeps wasm memory under 4 MiB`, () => {
    const size = (simd ? 256 : 64) * MiB;
    const ss = 4096;
    const x = engine.xts(xtsKey(rng));
    const alive = snapshot(engine);
    assert.ok(engine.memory.buffer.byteLength < 4 * MiB, `memory already ${engine.memory.buffer.byteLength} bytes`);
    const data = new Uint8Array(size); // zeros: every sector's plaintext is the same
    const r = x.encrypt(data, 1000, data);
    assert.ok(r === data, 'in place returns data');
    const len = engine.memory.buffer.byteLength;
    assert.ok(len < 4 * MiB, `wasm memory grew to ${len} bytes for a ${size}-byte call`);
    assert.is(memDiff(alive, snapshot(engine)), -1, 'memory wiped after the large call');
    const zero = new Uint8Array(ss);
    const n = size / ss;
    for (const i of [0, 1, 2, 7, 8, 9, 255, 256, n / 2 - 1, n / 2, n - 2, n - 1]) {
      assertBytes(
        data.subarray(i * ss, (i + 1) * ss),
        x.encryptUnit(zero, le128(1000 + i)),
        `sector ${i} of the large call`,
      );
    }
    x.decrypt(data, 1000, data);
    const words = new Uint32Array(data.buffer);
    for (let i = 0; i < words.length; i++) {
      if (words[i] !== 0) assert.unreachable(`large round trip: byte ${i * 4} not restored`);
    }
    assert.ok(engine.memory.buffer.byteLength < 4 * MiB, 'still under 4 MiB after decrypt');
    x.dispose();
  });
  test.run();
}
