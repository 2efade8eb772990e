// The one test suite every BlockStore passes (MemoryBlockStore, FileBlockStore, OpfsBlockStore in
// both of its access modes). Portable: no node: imports.
//
//   defineBlockStoreSuite(name, openFresh)
//
// registers and runs a uvu suite named `name`. `openFresh()` resolves to `{ store, reopen? }`:
// a new, empty store, and — for stores that persist — a function that opens the same storage
// again (called only after `store` was closed). Stores the suite opens are closed after each
// test; removing what they left behind (files) is the caller's business.
//
// Random ranges come from a seeded PRNG; every failure message carries the seed. To replay a
// failure set globalThis.ATREST_SEED to that seed before this module loads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng, randomSeed } from './prng.js';
import { assertBytes, rejects } from './assert.js';

export { rejects };

const SEED = String(globalThis.ATREST_SEED ?? randomSeed());

const filled = (n, value) => new Uint8Array(n).fill(value);

/** A plain-buffer model of a BlockStore: what every store must agree with. */
class ModelStore {
  bytes = new Uint8Array(0);

  write(offset, data) {
    this.grow(offset + data.length);
    this.bytes.set(data, offset);
  }
  truncate(size) {
    if (size <= this.bytes.length) this.bytes = this.bytes.slice(0, size);
    else this.grow(size);
  }
  grow(size) {
    if (size <= this.bytes.length) return;
    const grown = new Uint8Array(size);
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

export function defineBlockStoreSuite(name, openFresh) {
  const test = suite(name);
  const open = [];
  let persistent = false;

  /** A fresh store; also records whether this kind of store can be reopened. */
  async function fresh() {
    const opened = await openFresh();
    open.push(opened.store);
    persistent = typeof opened.reopen === 'function';
    if (opened.reopen) {
      const reopenOnce = opened.reopen;
      opened.reopen = async () => {
        const store = await reopenOnce();
        open.push(store);
        return store;
      };
    }
    return opened;
  }

  test.after.each(async () => {
    for (const store of open.splice(0)) await store.close().catch(() => {});
  });

  test('a new store is empty', async () => {
    const { store } = await fresh();
    assert.is(await store.size(), 0);
    assertBytes(await store.read(0, 0), new Uint8Array(0), 'read(0, 0)');
  });

  test('write then read returns the bytes, as a copy the caller owns', async () => {
    const { store } = await fresh();
    const data = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    await store.write(0, data);
    assert.is(await store.size(), 8);
    data[0] = 99; // after write() resolved the store no longer depends on the caller's array
    const first = await store.read(2, 4);
    assertBytes(first, Uint8Array.of(3, 4, 5, 6), 'read(2, 4)');
    first.fill(0);
    assertBytes(
      await store.read(0, 8),
      Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
      'read(0, 8) after changing an earlier result',
    );
    await store.write(6, Uint8Array.of(70, 80, 90));
    assert.is(await store.size(), 9, 'a write across the end grows the store');
    assertBytes(await store.read(5, 4), Uint8Array.of(6, 70, 80, 90), 'overwrite and extend');
    const view = new Uint8Array(new ArrayBuffer(16), 4, 3).fill(0xee); // a view with an offset
    await store.write(1, view);
    assertBytes(await store.read(0, 5), Uint8Array.of(1, 0xee, 0xee, 0xee, 5), 'write of a subarray view');
  });

  test('a write past the end extends the store with zeros in between', async () => {
    const { store } = await fresh();
    await store.write(0, Uint8Array.of(1, 2));
    await store.write(1000, filled(5, 7));
    assert.is(await store.size(), 1005);
    const all = await store.read(0, 1005);
    assertBytes(all.subarray(0, 2), Uint8Array.of(1, 2), 'head');
    assertBytes(all.subarray(2, 1000), new Uint8Array(998), 'gap');
    assertBytes(all.subarray(1000), filled(5, 7), 'tail');
    await store.write(70000, new Uint8Array(0));
    assert.is(await store.size(), 70000, 'an empty write past the end still extends the store');
    assertBytes(await store.read(69000, 1000), new Uint8Array(1000), 'zeros up to an empty write');
    await store.write(10, new Uint8Array(0));
    assert.is(await store.size(), 70000, 'an empty write inside changes nothing');
  });

  test('truncate shrinks, and growing again reads zeros, never the old bytes', async () => {
    const { store } = await fresh();
    await store.write(0, filled(300, 0xab));
    await store.truncate(100);
    assert.is(await store.size(), 100);
    assertBytes(await store.read(0, 100), filled(100, 0xab), 'kept part');
    await rejects(store.read(90, 20), RangeError, /read past the end of the store \(size 100\)/);
    await store.truncate(250);
    assert.is(await store.size(), 250);
    const grown = await store.read(0, 250);
    assertBytes(grown.subarray(0, 100), filled(100, 0xab), 'kept part after growing');
    assertBytes(grown.subarray(100), new Uint8Array(150), 'grown part');
    await store.truncate(250);
    assert.is(await store.size(), 250, 'truncate to the same size');
    await store.truncate(0);
    assert.is(await store.size(), 0, 'truncate to zero');
    await store.write(3, Uint8Array.of(5));
    assertBytes(await store.read(0, 4), Uint8Array.of(0, 0, 0, 5), 'write after truncating to zero');
  });

  test('reading past the end is a RangeError naming the size', async () => {
    const { store } = await fresh();
    await rejects(store.read(0, 1), RangeError, /read past the end of the store \(size 0\)/);
    await store.write(0, filled(10, 1));
    await rejects(store.read(5, 6), RangeError, /read past the end of the store \(size 10\)/);
    await rejects(store.read(11, 0), RangeError, /read past the end of the store \(size 10\)/);
    await rejects(store.read(2 ** 40, 1), RangeError, /read past the end of the store \(size 10\)/);
    assertBytes(await store.read(10, 0), new Uint8Array(0), 'an empty read at the end');
    assertBytes(await store.read(0, 10), filled(10, 1), 'the whole store');
  });

  test('bad arguments reject with TypeError or RangeError naming the rule, and change nothing', async () => {
    const { store } = await fresh();
    await store.write(0, filled(4, 9));
    await rejects(store.read('0', 1), TypeError, /offset must be a number, got string/);
    await rejects(store.read(0, 1n), TypeError, /length must be a number, got bigint/);
    await rejects(store.read(undefined, 1), TypeError, /offset must be a number/);
    await rejects(store.read(-1, 1), RangeError, /offset must not be negative, got -1/);
    await rejects(store.read(0, -2), RangeError, /length must not be negative/);
    await rejects(store.read(1.5, 1), RangeError, /offset must be a whole number, got 1.5/);
    await rejects(store.read(NaN, 1), RangeError, /offset must be a whole number/);
    await rejects(store.read(0, Infinity), RangeError, /length must be a whole number/);
    await rejects(store.read(2 ** 53, 0), RangeError, /offset must be a safe integer/);
    await rejects(store.read(2 ** 53 - 1, 2), RangeError, /goes beyond 2\^53−1 bytes/);
    await rejects(store.write(0, [1, 2]), TypeError, /bytes must be a Uint8Array, got Array/);
    await rejects(store.write(0, new ArrayBuffer(2)), TypeError, /bytes must be a Uint8Array, got ArrayBuffer/);
    await rejects(store.write(0, new Uint16Array(2)), TypeError, /bytes must be a Uint8Array, got Uint16Array/);
    await rejects(store.write(0, null), TypeError, /bytes must be a Uint8Array, got null/);
    await rejects(store.write(-4, filled(2, 1)), RangeError, /offset must not be negative/);
    await rejects(store.write(2 ** 53 - 2, filled(3, 1)), RangeError, /goes beyond 2\^53−1 bytes/);
    await rejects(store.truncate(-1), RangeError, /size must not be negative/);
    await rejects(store.truncate('3'), TypeError, /size must be a number/);
    await rejects(store.truncate(0.5), RangeError, /size must be a whole number/);
    await rejects(store.truncate(2 ** 53), RangeError, /size must be a safe integer/);
    assert.is(await store.size(), 4, 'size unchanged');
    assertBytes(await store.read(0, 4), filled(4, 9), 'bytes unchanged');
  });

  test('calls apply in call order without awaiting each; a failed call does not stop the next', async () => {
    const { store } = await fresh();
    const calls = [
      store.write(0, filled(8, 1)),
      store.write(4, filled(8, 2)),
      store.read(0, 12),
      store.read(0, 13), // past the end: rejects, and the calls after it still run
      store.truncate(6),
      store.size(),
      store.write(10, Uint8Array.of(3)),
      store.read(0, 11),
    ];
    const results = await Promise.allSettled(calls);
    assert.equal(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
    assertBytes(results[2].value, Uint8Array.of(1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2), 'read after two writes');
    assert.instance(results[3].reason, RangeError);
    assert.is(results[5].value, 6, 'size after truncate');
    assertBytes(
      results[7].value,
      Uint8Array.of(1, 1, 1, 1, 2, 2, 0, 0, 0, 0, 3),
      'read after truncate and a sparse write',
    );
  });

  test('large ranges round trip (2.5 MiB in one write, read back in pieces)', async () => {
    const { store } = await fresh();
    const rng = createPrng(SEED);
    const data = rng.bytes(2.5 * 1024 * 1024);
    await store.write(12345, data);
    assert.is(await store.size(), 12345 + data.length);
    assertBytes(await store.read(12345, data.length), data, `whole range [seed ${SEED}]`);
    assertBytes(
      await store.read(12345 + 1000003, 777777),
      data.subarray(1000003, 1000003 + 777777),
      `a piece [seed ${SEED}]`,
    );
    await store.flush();
    assertBytes(await store.read(0, 12345), new Uint8Array(12345), 'zeros before the data');
  });

  test('random writes, reads and truncates agree with a plain buffer', async () => {
    const opened = await fresh();
    let store = opened.store;
    const model = new ModelStore();
    const rng = createPrng(SEED);
    const where = (i, op) => `[seed ${SEED}, step ${i}: ${op}]`;
    const STEPS = 400;
    for (let i = 0; i < STEPS; i++) {
      const size = model.bytes.length;
      const roll = rng.u32() % 100;
      if (roll < 45) {
        // Mostly inside or just past the current end, sometimes a jump (a sparse extension).
        const offset = rng.bool(0.9) ? rng.int(0, size + 64) : rng.int(0, size + 70000);
        const data = rng.bytes(rng.bool(0.8) ? rng.int(0, 600) : rng.int(0, 20000));
        await store.write(offset, data);
        model.write(offset, data);
      } else if (roll < 85) {
        const offset = rng.int(0, size);
        const length = rng.int(0, size - offset);
        assertBytes(
          await store.read(offset, length),
          model.bytes.subarray(offset, offset + length),
          where(i, `read(${offset}, ${length})`),
        );
      } else if (roll < 92) {
        const newSize = rng.bool() ? rng.int(0, size) : rng.int(size, size + 5000);
        await store.truncate(newSize);
        model.truncate(newSize);
      } else if (roll < 96) {
        await store.flush();
      } else if (opened.reopen && rng.bool(0.5)) {
        await store.close();
        store = await opened.reopen();
      } else {
        await rejects(
          store.read(rng.int(0, size), size + 1),
          RangeError,
          new RegExp(`size ${size}\\)`),
          where(i, 'read past the end'),
        );
      }
      assert.is(await store.size(), model.bytes.length, where(i, 'size'));
    }
    assertBytes(await store.read(0, model.bytes.length), model.bytes, `[seed ${SEED}] final contents`);
  });

  test('flush keeps the contents and the store usable', async () => {
    const { store } = await fresh();
    await store.flush(); // on an empty store
    await store.write(5, Uint8Array.of(1, 2, 3));
    await store.flush();
    await store.flush(); // twice in a row
    assertBytes(await store.read(0, 8), Uint8Array.of(0, 0, 0, 0, 0, 1, 2, 3), 'after flush');
    await store.write(0, Uint8Array.of(4));
    assertBytes(await store.read(0, 1), Uint8Array.of(4), 'write after flush');
  });

  test('after close every call rejects with an Error; closing again is harmless', async () => {
    const { store } = await fresh();
    await store.write(0, filled(3, 1));
    const pendingRead = store.read(0, 3); // made before close(): still runs
    await store.close();
    assertBytes(await pendingRead, filled(3, 1), 'a read queued before close');
    await rejects(store.read(0, 1), Error, /: the store is closed$/);
    await rejects(store.read(0, 0), Error, /: the store is closed$/);
    await rejects(store.write(0, filled(1, 1)), Error, /: the store is closed$/);
    await rejects(store.size(), Error, /: the store is closed$/);
    await rejects(store.truncate(0), Error, /: the store is closed$/);
    await rejects(store.flush(), Error, /: the store is closed$/);
    await store.close();
    // Closed is checked before the arguments: the store's state is the first thing wrong.
    await rejects(store.read(-1, 1), Error, /: the store is closed$/);
  });

  test('contents persist across close and reopen (stores that persist)', async () => {
    const opened = await fresh();
    if (!opened.reopen) {
      assert.is(persistent, false);
      return; // MemoryBlockStore: nothing outlives close()
    }
    const rng = createPrng(SEED);
    const data = rng.bytes(70000);
    await opened.store.write(3000, data);
    await opened.store.truncate(60000); // the last change before close: close() must keep it
    await opened.store.close();
    const again = await opened.reopen();
    assert.is(await again.size(), 60000);
    const all = await again.read(0, 60000);
    assertBytes(all.subarray(0, 3000), new Uint8Array(3000), 'zeros before the data');
    assertBytes(all.subarray(3000), data.subarray(0, 57000), `[seed ${SEED}] data after reopen`);
    await again.write(59999, Uint8Array.of(1, 2));
    await again.flush();
    await again.close();
    const third = await opened.reopen();
    assert.is(await third.size(), 60001);
    assertBytes(await third.read(59998, 3), Uint8Array.of(data[56998], 1, 2), 'a write after reopening, flushed');
  });

  test.run();
}
