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
import { createPendingFile, pumpFile } from '../../build/tsc/cli/files.js';
import { decryptTransformer, encryptTransformer } from '../../build/tsc/envelope/streams.js';
import { recycleBatchResult } from '../../build/tsc/envelope/bulk-xts.js';
import { createPool as createTscPool } from '../../build/tsc/engine/pool.js';
import { createPrng } from '../_lib/prng.js';
import { xtsKey } from '../_lib/xts-api.js';
import { TruncatedDataError as TscTruncatedDataError } from '../../build/tsc/envelope/errors.js';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

// The CLI's file-to-file path (src/cli/files.ts pumpFile: 4 MiB reads ahead into reused buffers,
// writes queued behind, each written pool result recycled) runs the same transformers as the
// streams: what it encrypts the single-thread stream decrypts, what the single-thread stream
// encrypts it decrypts, byte for byte, and a cut file fails with the single-thread stream's error
// and leaves no output behind. Sizes past the pool's start and not a multiple of the read size.
test("the CLI's file pump (pooled, buffers reused) against the single-thread stream: same plaintext both ways, same error when cut", async () => {
  const { app } = setup();
  const dir = await mkdtemp(join(tmpdir(), 'atrest-pump-'));
  const pump = async (transformer, input, output) => {
    const pending = await createPendingFile(output);
    try {
      await pumpFile(input, transformer, pending, () => undefined, recycleBatchResult);
      await pending.commit();
    } catch (e) {
      await pending.discard();
      throw e;
    }
  };
  try {
    for (const [size, sectorSize] of [
      [13 * MiB + 4321, 4096],
      [3 * 4 * MiB, 512],
      [9 * MiB + 1, 65536],
    ]) {
      const plain = pattern(size, size % 251);
      const what = `${size} bytes, sector ${sectorSize}`;
      await writeFile(join(dir, 'plain'), plain);
      await pump(encryptTransformer({ kms: app, sectorSize }), join(dir, 'plain'), join(dir, 'pumped'));
      const pumped = new Uint8Array(await readFile(join(dir, 'pumped')));
      assertBytes(
        await dec(app, pumped, 1 << 20, { workers: 0 }),
        plain,
        `pump encrypt → single-thread decrypt, ${what}`,
      );
      const single = await enc(app, plain, 1 << 20, { sectorSize, workers: 0 });
      await writeFile(join(dir, 'single'), single);
      await pump(decryptTransformer({ kms: app }), join(dir, 'single'), join(dir, 'back'));
      assertBytes(
        new Uint8Array(await readFile(join(dir, 'back'))),
        plain,
        `single-thread encrypt → pump decrypt, ${what}`,
      );
      const cut = single.subarray(0, single.length - sectorSize - 100);
      await writeFile(join(dir, 'cut'), cut);
      let pumpError;
      await pump(decryptTransformer({ kms: app }), join(dir, 'cut'), join(dir, 'cut.out')).catch(
        (e) => (pumpError = e),
      );
      let streamError;
      await dec(app, cut, 1 << 20, { workers: 0 }).catch((e) => (streamError = e));
      assert.ok(streamError instanceof TruncatedDataError, `${what}: single-thread error ${streamError}`);
      // build/tsc's own class (the pump runs tsc's tree, the stream dist's)
      assert.ok(pumpError instanceof TscTruncatedDataError, `${what}: pump error ${pumpError}`);
      assert.is(pumpError.message, streamError.message, what);
      assert.equal(
        (await readdir(dir)).filter((n) => n.includes('cut.out')),
        [],
        `${what}: no output left`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// recycleBatchResult (the CLI hands each written chunk back): a pool batch's result is zeroed and
// its buffer serves later batches, whose bytes stay the engine's; any other array is left alone.
test("pool batches: a recycled result is zeroed, later batches (on recycled buffers) keep the engine's bytes; other arrays untouched", async () => {
  const rng = createPrng('13');
  const key = xtsKey(rng);
  const ref = (await createEngine()).xts(key, { sectorSize: 4096 });
  const pool = await createTscPool({ workers: 2, inThreadBelow: 0 });
  const px = await pool.xts(key, { sectorSize: 4096 });
  const size = 2 * MiB;
  for (let round = 0; round < 6; round++) {
    const data = rng.bytes(size);
    const got = await px.batch(round % 2 === 0, data, round * 512);
    assertBytes(
      got,
      round % 2 === 0 ? ref.encrypt(data, round * 512) : ref.decrypt(data, round * 512),
      `round ${round}`,
    );
    recycleBatchResult(got);
    assert.ok(
      got.length === 0 || got.every((b) => b === 0),
      `round ${round}: a recycled result is zeroed (or already lent out again)`,
    );
    recycleBatchResult(got); // twice: no effect
  }
  const other = rng.bytes(size);
  const copy = other.slice();
  recycleBatchResult(other);
  assertBytes(other, copy, 'an array the pool did not make is left alone');
  ref.dispose();
  await px.dispose();
  await pool.close();
});

test('workers must be 0 or omitted', () => {
  const { app } = setup();
  for (const workers of [1, 2, -1, '0', null]) {
    assert.throws(() => encryptStream({ kms: app, workers }), /workers must be 0/);
    assert.throws(() => decryptStream({ kms: app, workers }), /workers must be 0/);
  }
});

// A stream from and to memory runs in microtasks only: nothing here yields to the event loop
// (no timers, no I/O), as a stream over a buffer does not. BulkXts must still get its pool
// started — here a start that completes on a timer, as a real one completes on the workers'
// messages, which only the event loop delivers — and use it: through the pool's batches, and
// with a pool object that has no batches (then it copies and calls encrypt/decrypt). Same bytes.
test('BulkXts, in microtasks only, starts the pool, sends batches past the threshold to it, in order, same bytes as the engine', async () => {
  const engine = await createEngine();
  const key = pattern(64, 5);
  const local = engine.xts(key, { sectorSize: 4096 });
  const pool = await createPool({ workers: 2 });
  for (const withBatches of [true, false]) {
    for (const encrypt of [true, false]) {
      const calls = { batch: 0, encrypt: 0, decrypt: 0 };
      const startPool = async () => {
        await new Promise((r) => setTimeout(r, 0)); // a macrotask, like a worker's 'ready'
        return {
          workers: pool.workers,
          async xts(k, o) {
            const x = await pool.xts(k, o);
            const wrapped = {
              sectorSize: x.sectorSize,
              dispose: () => x.dispose(),
              decrypt: (...a) => (calls.decrypt++, x.decrypt(...a)),
              encrypt: (...a) => (calls.encrypt++, x.encrypt(...a)),
            };
            if (withBatches) wrapped.batch = (...a) => (calls.batch++, x.batch(...a));
            return wrapped;
          },
        };
      };
      const handed = key.slice();
      const bulk = new BulkXts(local, handed, startPool);
      const input = pattern(16 * MiB, 11);
      const out = [];
      const chunk = new Uint8Array(MiB); // one array for every push: BulkXts must not keep it
      for (let at = 0; at < input.length; at += MiB) {
        chunk.set(input.subarray(at, at + MiB));
        await bulk.push(encrypt, chunk, at / 4096, (c) => out.push(c));
      }
      await bulk.drain((c) => out.push(c));
      bulk.close();
      const what = `${withBatches ? 'batches' : 'encrypt/decrypt'}, ${encrypt ? 'encrypt' : 'decrypt'}`;
      const used = withBatches ? calls.batch : encrypt ? calls.encrypt : calls.decrypt;
      assert.ok(used > 0, `${what}: the pool ran some batches (${JSON.stringify(calls)})`);
      assert.ok(
        handed.every((b) => b === 0),
        `${what}: the key copy is zeroed`,
      );
      const joined = new Uint8Array(input.length);
      let at = 0;
      for (const c of out) {
        joined.set(c, at);
        at += c.length;
      }
      const expected = encrypt ? local.encrypt(input, 0) : local.decrypt(input, 0);
      assert.ok(sameBytes(joined, expected), `${what}: same bytes as one engine call`);
    }
  }
  local.dispose();
  await pool.close();
});

test.run();
