// encryptStream/decryptStream on the shared worker pool (past their first 4 MiB) against the
// calling-thread path (workers: 0): the same plaintext back across the two in both directions,
// the same bytes from decrypting one ciphertext either way, the same errors for a cut or spliced
// ciphertext, and proof that the pool really ran (BulkXts counted on a real pool). Node only:
// it imports build/tsc/envelope/bulk-xts.js (tsc's tree), which the public API does not export.
//
// Why equal decryptions prove equal encryptions: XTS under one key is a permutation of each
// sector, so if the single-thread decrypt of the pool's ciphertext gives the plaintext back,
// the pool's ciphertext is the one the single-thread encrypt would have written.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decryptStream, encryptStream, createEngine, createPool, TruncatedDataError } from '../../dist/index.js';
import { BulkXts, POOL_AFTER_BYTES } from '../../build/tsc/envelope/bulk-xts.js';
import { chunked, collect, pattern, setup } from '../_lib/envelope.js';
import { assertBytes, sameBytes } from '../_lib/assert.js';

const MiB = 1024 * 1024;
const test = suite('streams: worker pool vs calling thread');

const enc = (kms, plain, chunk, opts = {}) =>
  collect(chunked(plain, chunk).pipeThrough(encryptStream({ kms, ...opts })));
const dec = (kms, bytes, chunk, opts = {}) =>
  collect(chunked(bytes, chunk).pipeThrough(decryptStream({ kms, ...opts })));

test('pool encrypt → single-thread decrypt and single-thread encrypt → pool decrypt give the plaintext', async () => {
  const { app } = setup();
  const plain = pattern(POOL_AFTER_BYTES * 3 + 12_345, 7);
  for (const [chunk, sectorSize] of [
    [1 << 20, 4096],
    [333_333, 512],
    [(1 << 20) + 17, 65536],
  ]) {
    const pooled = await enc(app, plain, chunk, { sectorSize });
    assertBytes(
      await dec(app, pooled, 1 << 20, { workers: 0 }),
      plain,
      `pool encrypt, chunk ${chunk}, sector ${sectorSize}`,
    );
    const single = await enc(app, plain, chunk, { sectorSize, workers: 0 });
    assertBytes(await dec(app, single, chunk), plain, `pool decrypt, chunk ${chunk}, sector ${sectorSize}`);
    assertBytes(
      await dec(app, single, 777_777),
      await dec(app, single, 777_777, { workers: 0 }),
      'one ciphertext, both decrypts',
    );
  }
});

test('a cut or spliced ciphertext gives the same error, after the same bytes, either way', async () => {
  const { app } = setup();
  const plain = pattern(POOL_AFTER_BYTES * 2 + 5000, 9);
  const good = await enc(app, plain, 1 << 20);
  const cut = good.subarray(0, good.length - 4096 - 100);
  const spliced = new Uint8Array(good.length + 4096);
  spliced.set(good.subarray(0, 8 * MiB));
  spliced.set(good.subarray(8 * MiB - 4096), 8 * MiB);
  for (const [name, bytes] of [
    ['cut', cut],
    ['spliced', spliced],
  ]) {
    const outcomes = [];
    for (const workers of [undefined, 0]) {
      const got = [];
      let error;
      try {
        await chunked(bytes, 1 << 20)
          .pipeThrough(decryptStream({ kms: app, ...(workers === 0 ? { workers } : {}) }))
          .pipeTo(
            new WritableStream({
              write(c) {
                got.push(c.slice());
              },
            }),
          );
      } catch (e) {
        error = e;
      }
      outcomes.push({ error, length: got.reduce((n, c) => n + c.length, 0) });
    }
    const [pool, single] = outcomes;
    assert.ok(single.error instanceof TruncatedDataError, `${name}: single-thread error ${single.error}`);
    assert.ok(pool.error instanceof TruncatedDataError, `${name}: pool error ${pool.error}`);
    assert.is(pool.error.message, single.error.message, name);
    assert.is(pool.length, single.length, `${name}: bytes emitted before the error`);
  }
});

test('workers must be 0 or omitted', () => {
  const { app } = setup();
  for (const workers of [1, 2, -1, '0', null]) {
    assert.throws(() => encryptStream({ kms: app, workers }), /workers must be 0/);
    assert.throws(() => decryptStream({ kms: app, workers }), /workers must be 0/);
  }
});

test('BulkXts sends batches past the threshold to the pool, in order, and same bytes as the engine', async () => {
  const engine = await createEngine();
  const key = pattern(64, 5);
  const local = engine.xts(key, { sectorSize: 4096 });
  const pool = await createPool({ workers: 2 });
  let poolCalls = 0;
  const countingPool = {
    workers: pool.workers,
    async xts(k, o) {
      const x = await pool.xts(k, o);
      return {
        sectorSize: x.sectorSize,
        dispose: () => x.dispose(),
        decrypt: (...a) => x.decrypt(...a),
        encrypt: (...a) => {
          poolCalls++;
          return x.encrypt(...a);
        },
      };
    },
  };
  const handed = key.slice();
  const bulk = new BulkXts(local, handed, async () => countingPool);
  const plain = pattern(16 * MiB, 11);
  const out = [];
  for (let at = 0; at < plain.length; at += MiB) {
    await bulk.push(true, plain.subarray(at, at + MiB), at / 4096, (c) => out.push(c));
    await new Promise((r) => setTimeout(r, 5)); // lets the pool's start finish, as I/O would
  }
  await bulk.drain((c) => out.push(c));
  bulk.close();
  assert.ok(poolCalls > 0, 'the pool ran some batches');
  assert.ok(
    handed.every((b) => b === 0),
    'the key copy is zeroed',
  );
  const joined = new Uint8Array(plain.length);
  let at = 0;
  for (const c of out) {
    joined.set(c, at);
    at += c.length;
  }
  assert.ok(sameBytes(joined, local.encrypt(plain, 0)), 'same bytes as one engine call');
  local.dispose();
  await pool.close();
});

test.run();
