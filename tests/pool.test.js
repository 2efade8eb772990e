// createPool: parallel XTS across worker threads (worker_threads in Node, Web Workers in Deno
// and browsers) gives the same bytes as the single-thread engine call; argument checks reject
// before anything is written; dispose/close semantics; in-thread fallback. Portable (Node,
// Deno, Chromium).
//
// The Chromium runner bundles dist/ into the test page, so `import.meta.url` inside the bundle
// is not next to dist/engine/pool-worker.js: the page sets ATREST_POOL_WORKER_URL to where the
// runner serves it, and the pool is told so. Node and Deno use the default location.
//
// Random inputs come from a seeded PRNG; the seed is printed in every failure message. To
// replay a failure set globalThis.ATREST_SEED to that seed before this module loads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, createPool } from '../dist/index.js';
import { bytesToHex, runtimeName } from './_lib/hex.js';
import { createPrng, randomSeed } from './_lib/prng.js';
import { byteAssertions } from './_lib/assert.js';

const SEED = String(globalThis.ATREST_SEED ?? randomSeed());
const KiB = 1024;
const MiB = 1024 * KiB;
const MAX = (1n << 64n) - 1n;
const MARK = 0xa5;
const WORKER_URL = globalThis.ATREST_POOL_WORKER_URL;
const HAS_SAB = typeof SharedArrayBuffer !== 'undefined';

const where = () => `[seed ${SEED}, ${runtimeName()}]`;

const { assertBytes, assertAll } = byteAssertions(where);

function xtsKey(rng, len = 64) {
  const k = rng.bytes(len);
  k[0] = k[len / 2] ^ 1; // halves differ
  return k;
}

/** A length whose partial last sector, if any, holds at least 16 bytes. */
function legalLength(len, ss) {
  const rem = len % ss;
  if (rem === 0 || rem >= 16) return len;
  return ss === 16 ? len + 16 - rem : len + 16;
}

function shared(n) {
  return new Uint8Array(new SharedArrayBuffer(n));
}

/** The error `call` throws (synchronously), or fails. */
function thrown(call, what) {
  try {
    call();
  } catch (e) {
    return e;
  }
  assert.unreachable(`${what}: the engine did not throw ${where()}`);
}

/** Awaits a rejection of `promise`, or fails. */
async function rejection(promise, what) {
  if (!(promise instanceof Promise)) assert.unreachable(`${what}: did not return a promise ${where()}`);
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.unreachable(`${what}: did not reject ${where()}`);
}

function sameError(actual, expected, what) {
  assert.is(
    actual?.constructor,
    expected.constructor,
    `${what}: ${actual?.name} instead of ${expected.name}: ${actual?.message} ${where()}`,
  );
  assert.is(actual.message, expected.message, `${what} ${where()}`);
}

// ------------------------------------------------------------------ tests

const test = suite(`pool (seed ${SEED})`);
const ctx = {};

test.before(async () => {
  ctx.engine = await createEngine();
  // inThreadBelow: 0 sends even 16 bytes to the workers, so small random sizes test the
  // parallel path; `small` keeps the default.
  ctx.pool = await createPool({ workers: 2, inThreadBelow: 0, workerUrl: WORKER_URL });
  ctx.small = await createPool({ workers: 2, workerUrl: WORKER_URL });
});

test.after(async () => {
  await ctx.pool?.close();
  await ctx.small?.close();
});

test('two workers start in this runtime', () => {
  assert.is(ctx.pool.workers, 2, `pool.workers ${where()}`);
  assert.is(ctx.small.workers, 2, `pool.workers ${where()}`);
  assert.is(ctx.pool.simd, ctx.engine.simd);
});

test('same bytes as the engine: random sizes, sector sizes, sector numbers', async () => {
  const rng = createPrng(SEED);
  for (let round = 0; round < 24; round++) {
    const ss = rng.pick([16, 32, 512, 4096, 4096, 65536, 1 << 20]);
    const keyLen = rng.pick([64, 64, 32]);
    const key = xtsKey(rng, keyLen);
    const big = round % 4 === 3;
    const len = legalLength(rng.int(16, big ? 3 * MiB : 300 * KiB), ss);
    const data = rng.bytes(len);
    const first = rng.pick([
      0,
      rng.int(0, 2 ** 32),
      BigInt(rng.int(0, 2 ** 53 - 1)) * 1000n,
      MAX - BigInt(Math.ceil(len / ss)) + 1n, // ends exactly at sector 2^64−1
      (1n << 63n) - 3n, // crosses 2^63
    ]);
    const what = `round ${round}: ${len} bytes, sector ${ss}, first ${first}, key ${keyLen}`;
    const ref = ctx.engine.xts(key, { sectorSize: ss });
    const px = await ctx.pool.xts(key, { sectorSize: ss });
    assert.is(px.sectorSize, ss);
    const expected = ref.encrypt(data, first);
    assertBytes(await px.encrypt(data, first), expected, `${what}: encrypt`);
    assertBytes(await px.decrypt(expected, first), data, `${what}: decrypt`);
    assertBytes(await px.decrypt(expected, first), ref.decrypt(expected, first), `${what}: decrypt vs engine`);
    ref.dispose();
    await px.dispose();
  }
});

test('default threshold: large inputs through the workers, small ones in-thread, same bytes', async () => {
  const rng = createPrng(SEED + '1');
  const key = xtsKey(rng);
  const ref = ctx.engine.xts(key, { sectorSize: 4096 });
  const px = await ctx.small.xts(key, { sectorSize: 4096 });
  for (const len of [16, 4096, 256 * KiB - 16, 256 * KiB, 5 * MiB + 4096 * 3 + 100]) {
    const data = rng.bytes(len);
    assertBytes(await px.encrypt(data, 99n), ref.encrypt(data, 99n), `${len} bytes`);
    assertBytes(await px.decrypt(data, 99), ref.decrypt(data, 99), `${len} bytes, decrypt`);
  }
  ref.dispose();
  await px.dispose();
});

test('a call queued behind disposes still runs when their acknowledgements free the workers', async () => {
  // Disposes fill the workers' queues; a call that finds them full waits, and only the disposes'
  // acknowledgements free the room. (It used to wait for ever: acks did not hand out work, and
  // in Node the idle, unref'd workers then let the process exit in the middle of a stream.)
  const rng = createPrng(SEED + '7');
  const key = xtsKey(rng);
  const ref = ctx.engine.xts(key, { sectorSize: 4096 });
  const handles = await Promise.all(Array.from({ length: 6 }, () => ctx.pool.xts(xtsKey(rng), { sectorSize: 4096 })));
  const px = await ctx.pool.xts(key, { sectorSize: 4096 });
  const disposed = handles.map((h) => h.dispose());
  for (let i = 0; i < 5; i++) await null; // each dispose posts its message after a few microtask turns
  const data = rng.bytes(MiB);
  let timer;
  const stuck = new Promise((resolve) => (timer = setTimeout(() => resolve('stuck'), 20_000)));
  const result = await Promise.race([px.encrypt(data, 5), stuck]);
  clearTimeout(timer);
  assert.ok(result !== 'stuck', 'the call queued behind the disposes never completed');
  assertBytes(result, ref.encrypt(data, 5), 'the queued call');
  await Promise.all(disposed);
  ref.dispose();
  await px.dispose();
});

test('out: in place, a separate array, a larger array (the rest untouched), subarray views', async () => {
  const rng = createPrng(SEED + '2');
  const key = xtsKey(rng);
  const ref = ctx.engine.xts(key, { sectorSize: 512 });
  const px = await ctx.pool.xts(key, { sectorSize: 512 });
  const len = 700 * KiB + 48;
  const data = rng.bytes(len);
  const expected = ref.encrypt(data, 5);

  const inPlace = data.slice();
  const r1 = await px.encrypt(inPlace, 5, inPlace);
  assert.ok(r1 === inPlace, 'in place returns data itself');
  assertBytes(inPlace, expected, 'in place');
  await px.decrypt(inPlace, 5, inPlace);
  assertBytes(inPlace, data, 'in place, decrypt');

  const larger = new Uint8Array(len + 1000).fill(MARK);
  const r2 = await px.encrypt(data, 5, larger);
  assert.ok(r2 === larger, 'returns out');
  assertBytes(larger.subarray(0, len), expected, 'larger out');
  assertAll(larger.subarray(len), MARK, 'larger out, the rest');

  // Views at odd offsets of a bigger buffer, input and output in the same buffer, apart.
  const backing = new Uint8Array(2 * len + 4000).fill(MARK);
  const src = backing.subarray(3, 3 + len);
  src.set(data);
  const dst = backing.subarray(len + 1003, 2 * len + 1003);
  await px.encrypt(src, 5, dst);
  assertBytes(dst, expected, 'subarray out');
  assertBytes(src, data, 'subarray data untouched');
  assertAll(backing.subarray(0, 3), MARK, 'before the views');
  assertAll(backing.subarray(3 + len, len + 1003), MARK, 'between the views');
  assertAll(backing.subarray(2 * len + 1003), MARK, 'after the views');
  ref.dispose();
  await px.dispose();
});

test('SharedArrayBuffer data and out (where the runtime has it)', async () => {
  if (!HAS_SAB) return; // browsers without cross-origin isolation: nothing to test
  const rng = createPrng(SEED + '3');
  const key = xtsKey(rng);
  const ref = ctx.engine.xts(key, { sectorSize: 4096 });
  const px = await ctx.pool.xts(key, { sectorSize: 4096 });
  const len = 3 * MiB + 4096 + 17;
  const data = rng.bytes(len);
  const expected = ref.encrypt(data, 1n << 40n);
  const sIn = shared(len);
  sIn.set(data);

  assertBytes(await px.encrypt(sIn, 1n << 40n), expected, 'shared data, new out');
  const plainOut = new Uint8Array(len);
  await px.encrypt(sIn, 1n << 40n, plainOut);
  assertBytes(plainOut, expected, 'shared data, plain out');
  const sOut = shared(len + 16).fill(MARK);
  const r = await px.encrypt(data, 1n << 40n, sOut);
  assert.ok(r === sOut, 'returns out');
  assertBytes(sOut.subarray(0, len), expected, 'plain data, shared out');
  assertAll(sOut.subarray(len), MARK, 'shared out, the rest');
  const sOut2 = shared(len);
  await px.encrypt(sIn, 1n << 40n, sOut2);
  assertBytes(sOut2, expected, 'shared data, shared out');
  await px.encrypt(sIn, 1n << 40n, sIn);
  assertBytes(sIn, expected, 'shared, in place');
  await px.decrypt(sIn, 1n << 40n, sIn);
  assertBytes(sIn, data, 'shared, in place, decrypt');
  ref.dispose();
  await px.dispose();
});

test('calls in flight at once, on two keys, resolve with their own results', async () => {
  const rng = createPrng(SEED + '4');
  const keys = [xtsKey(rng), xtsKey(rng, 32)];
  const refs = keys.map((k) => ctx.engine.xts(k, { sectorSize: 4096 }));
  const pxs = await Promise.all(keys.map((k) => ctx.pool.xts(k, { sectorSize: 4096 })));
  const inputs = Array.from({ length: 8 }, (_, i) => ({
    k: i % 2,
    data: rng.bytes(legalLength(rng.int(16, 1200 * KiB), 4096)),
    first: i * 1000,
  }));
  const results = await Promise.all(inputs.map(({ k, data, first }) => pxs[k].encrypt(data, first)));
  inputs.forEach(({ k, data, first }, i) => assertBytes(results[i], refs[k].encrypt(data, first), `call ${i}`));
  refs.forEach((r) => r.dispose());
  await Promise.all(pxs.map((p) => p.dispose()));
});

// batch(): what the streams use (src/envelope/bulk-xts.ts); not exported by the package, but
// a method of every pool XTS object. One job per call, the input copied before batch()
// returns, the result a new array of the worker's.
test('batches: same bytes as the engine, several in flight; the input is reusable at once; the result is a whole new array', async () => {
  const rng = createPrng(SEED + '11');
  for (const [name, pool] of [
    ['workers', ctx.pool],
    ['default threshold', ctx.small],
  ]) {
    const key = xtsKey(rng, rng.pick([64, 32]));
    const ss = rng.pick([512, 4096, 65536]);
    const ref = ctx.engine.xts(key, { sectorSize: ss });
    const px = await pool.xts(key, { sectorSize: ss });
    const calls = [];
    for (let i = 0; i < 8; i++) {
      const data = rng.bytes(legalLength(rng.int(16, 1300 * KiB), ss));
      const first = rng.pick([i * 1000, BigInt(rng.int(0, 2 ** 53 - 1)) * 1000n, (1n << 63n) - 3n]);
      const encrypt = i % 3 !== 2;
      const expected = encrypt ? ref.encrypt(data, first) : ref.decrypt(data, first);
      const pending = px.batch(encrypt, data, first);
      data.fill(MARK); // batch() has copied it: reusing the array must not change the result
      calls.push({
        pending,
        expected,
        what: `${name}, batch ${i}: ${encrypt ? 'encrypt' : 'decrypt'} ${expected.length} bytes, sector ${ss}, first ${first}`,
      });
    }
    for (const { pending, expected, what } of calls) {
      const got = await pending;
      assertBytes(got, expected, what);
      assert.is(got.byteOffset, 0, `${what}: a view ${where()}`);
      assert.is(got.buffer.byteLength, got.length, `${what}: a view into a larger buffer ${where()}`);
    }
    ref.dispose();
    await px.dispose();
  }
});

test('batch: bad input rejects with the engine’s error; a disposed object rejects', async () => {
  const rng = createPrng(SEED + '12');
  const key = xtsKey(rng);
  const ref = ctx.engine.xts(key, { sectorSize: 4096 });
  const px = await ctx.pool.xts(key, { sectorSize: 4096 });
  const big = rng.bytes(2 * MiB);
  for (const [name, args] of [
    ['data of 15 bytes', [new Uint8Array(15), 0]],
    ['partial last sector of 7 bytes', [new Uint8Array(2 * MiB + 7), 0]],
    ['data not a Uint8Array', [new Uint16Array(1024), 0]],
    ['first sector fractional', [big, 1.5]],
    ['sectors run past 2^64−1', [big, MAX - 10n]],
  ]) {
    for (const encrypt of [true, false]) {
      const op = encrypt ? 'encrypt' : 'decrypt';
      const expected = thrown(() => ref[op](...args), `${op}, ${name}`);
      sameError(await rejection(px.batch(encrypt, ...args), `batch ${op}, ${name}`), expected, `batch ${op}, ${name}`);
    }
  }
  await px.dispose();
  const after = await rejection(px.batch(true, big, 0), 'batch after dispose');
  assert.match(after.message, /disposed/);
  ref.dispose();
});

test('the key is the caller’s: not detached, not changed', async () => {
  const rng = createPrng(SEED + '5');
  const key = xtsKey(rng);
  const copy = key.slice();
  const px = await ctx.pool.xts(key);
  assert.is(key.length, 64, 'key still usable');
  assertBytes(key, copy, 'key unchanged');
  await px.dispose();
  assertBytes(key, copy, 'key unchanged after dispose');
});

test('bad input rejects with the engine’s error, before anything is written', async () => {
  const rng = createPrng(SEED + '6');
  const key = xtsKey(rng);
  const ref = ctx.engine.xts(key, { sectorSize: 4096 });
  const px = await ctx.small.xts(key, { sectorSize: 4096 }); // default threshold: big inputs go parallel
  const big = rng.bytes(2 * MiB);
  const cases = [
    ['data not a Uint8Array', () => [new Uint16Array(1024)]],
    ['data null', () => [null]],
    ['data an ArrayBuffer', () => [new ArrayBuffer(4096)]],
    ['data of 15 bytes', () => [new Uint8Array(15)]],
    ['partial last sector of 7 bytes', () => [new Uint8Array(2 * MiB + 7)]],
    ['first sector negative', () => [big, -1]],
    ['first sector fractional', () => [big, 1.5]],
    ['first sector unsafe', () => [big, 2 ** 53]],
    ['first sector NaN', () => [big, NaN]],
    ['first sector a string', () => [big, '3']],
    ['first sector past 2^64−1', () => [big, MAX + 1n]],
    ['sectors run past 2^64−1', () => [big, MAX - 10n]],
    ['out too short', () => [big, 0, new Uint8Array(2 * MiB - 16)]],
    ['out not a Uint8Array', () => [big, 0, new Int8Array(2 * MiB)]],
    [
      'out partly overlapping data',
      () => {
        const b = new Uint8Array(4 * MiB);
        return [b.subarray(0, 2 * MiB), 0, b.subarray(4096, 4096 + 2 * MiB)];
      },
    ],
  ];
  for (const [name, make] of cases) {
    for (const op of ['encrypt', 'decrypt']) {
      const args = make();
      const out = args[2];
      if (out instanceof Uint8Array && out.buffer !== args[0]?.buffer) out.fill(MARK);
      const watch = out ?? args[0];
      const before = watch instanceof Uint8Array ? watch.slice() : null;
      const expected = thrown(() => ref[op](...args), `${op}, ${name}`);
      const actual = await rejection(px[op](...args), `${op}, ${name}`);
      sameError(actual, expected, `${op}, ${name}`);
      if (before) assertBytes(watch, before, `${op}, ${name}: nothing written`);
    }
  }
  // Key and options: pool.xts rejects as engine.xts throws.
  const keyCases = [
    ['key of 48 bytes', [new Uint8Array(48)]],
    ['key with equal halves', [new Uint8Array(64)]],
    ['key not a Uint8Array', [Array.from(key)]],
    ['sector size 100', [key, { sectorSize: 100 }]],
    ['sector size 2^25', [key, { sectorSize: 2 ** 25 }]],
    ['sector size a string', [key, { sectorSize: '4096' }]],
  ];
  for (const [name, args] of keyCases) {
    const expected = thrown(() => ctx.engine.xts(...args), name);
    sameError(await rejection(ctx.pool.xts(...args), name), expected, name);
  }
  ref.dispose();
  await px.dispose();
});

test('dispose: waits for calls in flight, then later calls reject; twice is fine', async () => {
  const rng = createPrng(SEED + '7');
  const key = xtsKey(rng);
  const ref = ctx.engine.xts(key);
  const px = await ctx.pool.xts(key);
  const data = rng.bytes(2 * MiB);
  const pending = px.encrypt(data, 3);
  const disposed = px.dispose();
  assertBytes(await pending, ref.encrypt(data, 3), 'the call in flight completes');
  await disposed;
  await px.dispose();
  ref.dispose();
  const disposedRef = thrown(() => ref.encrypt(data, 3), 'disposed engine');
  sameError(await rejection(px.encrypt(data, 3), 'after dispose'), disposedRef, 'after dispose');
  const disposedRef2 = thrown(() => ref.decrypt(new Uint8Array(16)), 'disposed engine');
  sameError(await rejection(px.decrypt(new Uint8Array(16)), 'after dispose'), disposedRef2, 'decrypt after dispose');
});

test('close: disposes every key, later calls reject, twice is fine', async () => {
  const rng = createPrng(SEED + '8');
  const pool = await createPool({ workers: 2, inThreadBelow: 0, workerUrl: WORKER_URL });
  assert.is(pool.workers, 2);
  const key = xtsKey(rng);
  const px = await pool.xts(key, { sectorSize: 512 });
  const data = rng.bytes(512 * 1000);
  const ref = ctx.engine.xts(key, { sectorSize: 512 });
  const pending = px.encrypt(data, 1);
  const closing = pool.close();
  assertBytes(await pending, ref.encrypt(data, 1), 'the call in flight completes');
  await closing;
  await pool.close();
  const err = await rejection(px.encrypt(data, 1), 'encrypt after close');
  assert.match(err.message, /^xts\.encrypt: this object was disposed; create a new one$/);
  const err2 = await rejection(pool.xts(key), 'pool.xts after close');
  assert.is(err2.message, 'pool.xts: this pool was closed; create a new one');
  ref.dispose();
});

test('workers: 0 runs in the calling thread with the same results', async () => {
  const rng = createPrng(SEED + '9');
  const pool = await createPool({ workers: 0 });
  assert.is(pool.workers, 0);
  const key = xtsKey(rng);
  const ref = ctx.engine.xts(key, { sectorSize: 4096 });
  const px = await pool.xts(key, { sectorSize: 4096 });
  const data = rng.bytes(1 * MiB + 4096 + 20);
  const p = px.encrypt(data, 77n);
  assert.ok(p instanceof Promise, 'still a promise');
  assertBytes(await p, ref.encrypt(data, 77n), 'in-thread encrypt');
  assertBytes(await px.decrypt(await p, 77n), data, 'in-thread decrypt');
  await px.dispose();
  await pool.close();
  ref.dispose();
});

test('a worker that cannot start: the pool falls back to the calling thread', async () => {
  const rng = createPrng(SEED + '10');
  // A module that fails while loading (no network request, so no 404 in the browser log).
  const url = 'data:text/javascript,throw new Error("atrest test: this worker fails on purpose")';
  const pool = await createPool({ workers: 2, workerUrl: url, inThreadBelow: 0 });
  assert.is(pool.workers, 0, 'fell back');
  const key = xtsKey(rng);
  const px = await pool.xts(key);
  const data = rng.bytes(8192 + 32);
  assertBytes(await px.encrypt(data), ctx.engine.xts(key).encrypt(data), 'fallback encrypt');
  await pool.close();
});

test('createPool options are checked', async () => {
  const bad = [
    [{ workers: -1 }, RangeError],
    [{ workers: 1.5 }, RangeError],
    [{ workers: 65 }, RangeError],
    [{ workers: '2' }, TypeError],
    [{ inThreadBelow: -1 }, RangeError],
    [{ workerUrl: 5 }, TypeError],
    [{ simd: 'yes' }, TypeError],
  ];
  for (const [opts, Ctor] of bad) {
    const err = await rejection(createPool(opts), JSON.stringify(opts));
    assert.instance(err, Ctor, JSON.stringify(opts));
  }
});

test.run();
