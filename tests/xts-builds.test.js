// The SIMD and the scalar build of the engine give the same bytes on random input (xts
// multi-sector, units, aes). Portable. Helpers: tests/_lib/xts-api.js.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SEED, TWO64, assertBytes, legalLength, xtsKey, engines, rngFor } from './_lib/xts-api.js';

// ------------------------------------------------------------------ SIMD vs scalar
{
  const test = suite(`xts-builds [simd vs scalar] (seed ${SEED})`);
  const [vec, sca] = engines;
  const rng = rngFor(3);

  test('the two builds are distinct', () => {
    assert.is(vec.simd, true);
    assert.is(sca.simd, false);
    assert.ok(vec.memory !== sca.memory, 'separate instances');
  });

  test('identical output on random input (xts multi-sector, units, aes)', () => {
    for (let c = 0; c < 40; c++) {
      const klen = rng.bool() ? 64 : 32;
      const key = xtsKey(rng, klen);
      const ss = rng.pick([16, 512, 4096, 16 * rng.int(1, 1024)]);
      const len = legalLength(rng.int(16, 150_000), ss);
      const data = rng.bytes(len);
      const first = rng.bool() ? rng.int(0, 2 ** 40) : rng.big(0n, TWO64 - 1n - BigInt(Math.ceil(len / ss)));
      const tw = rng.bytes(16);
      const what = `case ${c}: key=${klen} ss=${ss} len=${len} first=${first}`;
      const a = vec.xts(key, { sectorSize: ss });
      const b = sca.xts(key, { sectorSize: ss });
      assertBytes(a.encrypt(data, first), b.encrypt(data, first), `encrypt ${what}`);
      assertBytes(a.decrypt(data, first), b.decrypt(data, first), `decrypt ${what}`);
      const u = data.subarray(0, Math.min(len, rng.int(16, 70_000)));
      assertBytes(a.encryptUnit(u, tw), b.encryptUnit(u, tw), `encryptUnit ${what}`);
      assertBytes(a.decryptUnit(u, tw), b.decryptUnit(u, tw), `decryptUnit ${what}`);
      a.dispose();
      b.dispose();

      const akey = rng.bytes(rng.bool() ? 32 : 16);
      const blocks = data.subarray(0, 16 * rng.int(1, Math.floor(len / 16)));
      const ea = vec.aes(akey);
      const eb = sca.aes(akey);
      assertBytes(ea.encryptBlocks(blocks), eb.encryptBlocks(blocks), `aes encrypt case ${c}`);
      assertBytes(ea.decryptBlocks(blocks), eb.decryptBlocks(blocks), `aes decrypt case ${c}`);
      ea.dispose();
      eb.dispose();
    }
  });

  test.run();
}
