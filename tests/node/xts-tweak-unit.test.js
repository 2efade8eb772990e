// Node only: the engine's `tweakUnit: 512` (dm-crypt's plain64 for sectors larger than 512
// bytes: sector n of size S gets the tweak value n·S/512) against node's OpenSSL, one
// `aes-*-xts` call per sector with that IV; both builds, both key sizes, sector sizes 512 to
// 65536, first sectors near 2^64/step (the carry into the high tweak word), the pool, and the
// option's argument rules. The cryptsetup-made images (tests/luks-*.test.js) check the same
// numbering against dm-crypt's own writer.
import crypto from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, createPool } from '../../dist/index.js';

const TWO64 = 1n << 64n;

function opensslSectors(key, data, first, sectorSize, step, decrypt) {
  const out = new Uint8Array(data.length);
  const alg = key.length === 64 ? 'aes-256-xts' : 'aes-128-xts';
  for (let off = 0, n = first; off < data.length; off += sectorSize, n++) {
    const iv = Buffer.alloc(16);
    const t = n * BigInt(step);
    iv.writeBigUInt64LE(t & (TWO64 - 1n), 0);
    iv.writeBigUInt64LE(t >> 64n, 8);
    const c = (decrypt ? crypto.createDecipheriv : crypto.createCipheriv)(alg, key, iv);
    out.set(Buffer.concat([c.update(data.subarray(off, Math.min(off + sectorSize, data.length))), c.final()]), off);
  }
  return out;
}

const t = suite('xts tweakUnit 512 against node:crypto');

t('every build, key size and sector size: 512-unit tweaks equal OpenSSL with IV n·S/512', async () => {
  for (const [simd, backend] of [
    [true, 'wasm'],
    [false, 'wasm'],
    [true, 'native'],
  ]) {
    const engine = await createEngine({ simd, backend });
    for (const keyLen of [32, 64]) {
      for (const sectorSize of [512, 1024, 2048, 4096, 65536]) {
        const step = sectorSize / 512;
        for (const first of [0n, 1n, 77n, (TWO64 - 1n) / BigInt(step) - 40n]) {
          const key = crypto.randomBytes(keyLen);
          const count = sectorSize > 4096 ? 3 : 37; // more than one batch of eight tweaks
          const data = crypto.randomBytes(count * sectorSize);
          const xts = engine.xts(key, { sectorSize, tweakUnit: 512 });
          const what = `${backend} simd=${simd} key=${keyLen} S=${sectorSize} first=${first}`;
          const expected = opensslSectors(key, data, first, sectorSize, step, false);
          assert.equal(Buffer.from(xts.encrypt(data, first)).equals(expected), true, `encrypt ${what}`);
          assert.equal(Buffer.from(xts.decrypt(expected, first)).equals(data), true, `decrypt ${what}`);
          if (step > 1) {
            const plain = engine.xts(key, { sectorSize });
            assert.equal(
              Buffer.from(plain.encrypt(data, first)).equals(expected),
              false,
              `the default numbering differs ${what}`,
            );
            plain.dispose();
          }
          xts.dispose();
        }
      }
    }
  }
});

t('the pool gives the same bytes as the engine with tweakUnit 512', async () => {
  const engine = await createEngine();
  const pool = await createPool({ workers: 2, inThreadBelow: 0 });
  try {
    const key = new Uint8Array(crypto.randomBytes(64)); // not a Buffer: pool.xts transfers key.slice()
    const data = crypto.randomBytes(3 << 20);
    const x = engine.xts(key, { sectorSize: 4096, tweakUnit: 512 });
    const p = await pool.xts(key, { sectorSize: 4096, tweakUnit: 512 });
    assert.is(p.sectorSize, 4096);
    const a = x.encrypt(data, 1000n);
    const b = await p.encrypt(data, 1000n);
    assert.equal(Buffer.from(a).equals(Buffer.from(b)), true);
    assert.equal(
      Buffer.from(a.subarray(0, 4096)).equals(opensslSectors(key, data.subarray(0, 4096), 1000n, 4096, 8, false)),
      true,
    );
    await p.dispose();
    x.dispose();
  } finally {
    await pool.close();
  }
});

t('argument rules: the sector size or 512 only; the last tweak value stays within 2^64−1', async () => {
  const engine = await createEngine();
  const key = crypto.randomBytes(64);
  assert.is(engine.xts(key, { sectorSize: 4096 }).tweakUnit, 4096);
  assert.is(engine.xts(key, { sectorSize: 4096, tweakUnit: 4096 }).tweakUnit, 4096);
  assert.is(engine.xts(key, { sectorSize: 512, tweakUnit: 512 }).tweakUnit, 512);
  assert.throws(
    () => engine.xts(key, { sectorSize: 4096, tweakUnit: 1024 }),
    /tweakUnit must be the sector size \(4096\) or 512/,
  );
  assert.throws(
    () => engine.xts(key, { sectorSize: 4000, tweakUnit: 512 }),
    /tweakUnit must be the sector size \(4000\) or 512/,
  );
  assert.throws(
    () => engine.xts(key, { sectorSize: 4096, tweakUnit: '512' }),
    (e) => e instanceof TypeError && /tweakUnit must be a number/.test(e.message),
  );
  const x = engine.xts(key, { sectorSize: 4096, tweakUnit: 512 });
  const last = (TWO64 - 1n) / 8n;
  x.encrypt(new Uint8Array(4096), last); // tweak 8·last ≤ 2^64−1
  assert.throws(() => x.encrypt(new Uint8Array(8192), last), /passes the last tweak value 2\^64−1/);
});

t.run();
