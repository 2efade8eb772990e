// Volume growth and truncate: truncate(size) shrinks and grows; growth is amortised (the header
// records a grown size once per flush, not per extending write); and a power-loss model — a
// store that loses any subset of the writes not yet flushed — shows that after a crash at any
// moment of a growing workload the volume opens, its recorded size is never beyond the data
// that reached the store, and everything flushed before the crash reads back. Portable (Node,
// Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Volume, MemoryBlockStore, ReadOnlyVolumeError } from '../dist/index.js';
import { RecordingStore, pattern, rejects, setup, snapshot } from './_lib/envelope.js';
import { assertBytes } from './_lib/assert.js';
import { createPrng, randomSeed } from './_lib/prng.js';
import { PATHS } from './_lib/volume-paths.js';

const COPY_SIZE = 16384;
const DATA_OFFSET = 2 * COPY_SIZE;

const truncate = suite('volume.truncate');

const amortised = suite('volume: amortised growth');

for (const path of PATHS) {
  truncate(`${path.name}: shrink drops the tail, cuts the store to whole sectors, and survives reopen`, async () => {
    const env = setup();
    const store = new MemoryBlockStore();
    const vol = await Volume.create(store, { kms: env.app, size: 0 });
    const volV = path.view(vol);
    const data = pattern(30000, 3);
    await volV.write(0, data);
    await volV.flush();
    await volV.truncate(10001);
    assert.is(vol.size, 10001);
    assert.is(await store.size(), DATA_OFFSET + 3 * 4096, 'the store keeps only the sectors the size needs');
    assertBytes(await volV.read(0, 10001), data.subarray(0, 10001));
    await rejects(volV.read(10000, 2), RangeError, /past the end/);
    await vol.close();
    const again = await Volume.open(store, { kms: env.app });
    const againV = path.view(again);
    assert.is(again.size, 10001, 'the smaller size is in the header');
    assertBytes(await againV.read(0, 10001), data.subarray(0, 10001));
    await again.close();
  });

  truncate(`${path.name}: growth adds zeros, also over bytes that a shrink left in the last sector`, async () => {
    const env = setup();
    const store = new MemoryBlockStore();
    const vol = await Volume.create(store, { kms: env.app, size: 0 });
    const volV = path.view(vol);
    await volV.write(0, pattern(8192, 4));
    await volV.truncate(5000);
    await volV.truncate(20000);
    assert.is(vol.size, 20000);
    const read = await volV.read(0, 20000);
    assertBytes(read.subarray(0, 5000), pattern(8192, 4).subarray(0, 5000));
    assert.ok(
      read.subarray(5000).every((b) => b === 0),
      'the bytes after the old size read as zeros',
    );
    await vol.close();
    const again = await Volume.open(store, { kms: env.app });
    const againV = path.view(again);
    assert.is(again.size, 20000, 'close records the grown size');
    assertBytes(await againV.read(0, 20000), read);
    await againV.truncate(0);
    assert.is(again.size, 0);
    assert.is(await store.size(), DATA_OFFSET);
    await again.close();
    assert.is((await Volume.open(store, { kms: env.app })).size, 0);
  });

  truncate(
    `${path.name}: same size is a no-op; bad sizes and read-only volumes are refused, naming the rule`,
    async () => {
      const env = setup();
      const store = new RecordingStore();
      const vol = await Volume.create(store, { kms: env.app, size: 4096 });
      const volV = path.view(vol);
      const before = store.mutations.length;
      await volV.truncate(4096);
      await rejects(volV.truncate(-1), RangeError, /size/);
      await rejects(volV.truncate(1.5), RangeError, /size/);
      assert.is(store.mutations.length, before, 'nothing written');
      await vol.close();
      const ro = await Volume.open(store, { kms: env.app, readOnly: true });
      await rejects(ro.truncate(0), ReadOnlyVolumeError, /read-only/);
      assert.is(ro.size, 4096);
    },
  );

  /** Writes into the header copies (offsets below the data) recorded by a RecordingStore. */
  const headerWrites = (store, from) =>
    store.mutations.slice(from).filter(([op, offset]) => op === 'write' && offset < DATA_OFFSET).length;

  amortised(
    `${path.name}: many extending writes then one flush rewrite the header copies once, not per write`,
    async () => {
      const env = setup();
      const store = new RecordingStore();
      const vol = await Volume.create(store, { kms: env.app, size: 0 });
      const volV = path.view(vol);
      const from = store.mutations.length;
      for (let i = 0; i < 50; i++) await volV.write(i * 4096, pattern(4096, i + 1));
      assert.is(headerWrites(store, from), 0, 'extending writes do not touch the header');
      await volV.flush();
      assert.is(headerWrites(store, from), 2, 'one flush: copy 1 and copy 2');
      await volV.flush();
      assert.is(headerWrites(store, from), 2, 'a flush with no growth writes no header');
      const dataBytes = store.mutations
        .slice(from)
        .filter(([op, offset]) => op === 'write' && offset >= DATA_OFFSET)
        .reduce((n, [, , len]) => n + len, 0);
      assert.is(dataBytes, 50 * 4096, 'each sector written once');
      await vol.close();
      const again = await Volume.open(store.inner, { kms: env.app });
      const againV = path.view(again);
      assert.is(again.size, 50 * 4096);
      for (let i = 0; i < 50; i += 7) assertBytes(await againV.read(i * 4096, 4096), pattern(4096, i + 1));
    },
  );

  amortised(
    `${path.name}: a reopen without flush sees the last recorded size; the sectors beyond it are rewritten on the next growth`,
    async () => {
      const env = setup();
      const store = new MemoryBlockStore();
      const vol = await Volume.create(store, { kms: env.app, size: 0 });
      const volV = path.view(vol);
      await volV.write(0, pattern(6000, 1));
      await volV.flush();
      await volV.write(6000, pattern(5000, 2)); // never flushed: the "crash" drops the session
      const after = await Volume.open(new MemoryBlockStore(await snapshot(store)), { kms: env.app });
      const afterV = path.view(after);
      assert.is(after.size, 6000, 'the recorded size is the flushed one');
      await afterV.write(9000, pattern(10, 3));
      const read = await afterV.read(0, 9010);
      assertBytes(read.subarray(0, 6000), pattern(6000, 1));
      assert.ok(
        read.subarray(6000, 9000).every((b) => b === 0),
        'the unflushed bytes past the old size read as zeros, not as stale data',
      );
      assertBytes(read.subarray(9000), pattern(10, 3));
    },
  );
}

// ---- power loss ------------------------------------------------------------------------------

/** A store with a volatile cache: writes and truncates are visible at once but become durable
 *  only at flush(). `crash()` keeps a random subset of the unflushed operations (in order; a
 *  kept write may be torn between sectors) and returns the bytes that survive. Every operation counts down
 *  `opsLeft`; at zero the store "loses power" and every call fails. */
class PowerLossStore {
  constructor(bytes, rng) {
    this.visible = new MemoryBlockStore(bytes);
    this.durable = new MemoryBlockStore(bytes);
    this.pending = [];
    this.rng = rng;
    this.opsLeft = Infinity;
  }
  #tick() {
    if (this.opsLeft <= 0) throw new Error('simulated power loss');
    this.opsLeft -= 1;
  }
  // Sync path (SyncBlockStore); the async methods are the same calls in a promise.
  get synchronous() {
    return true;
  }
  readSync(o, l) {
    return this.visible.readSync(o, l);
  }
  sizeSync() {
    return this.visible.sizeSync();
  }
  writeSync(offset, bytes) {
    this.#tick();
    this.pending.push(['write', offset, bytes.slice()]);
    this.visible.writeSync(offset, bytes);
  }
  truncateSync(size) {
    this.#tick();
    this.pending.push(['truncate', size]);
    this.visible.truncateSync(size);
  }
  flushSync() {
    this.#tick();
    for (const op of this.pending.splice(0)) this.#apply(this.durable, op);
  }
  async read(o, l) {
    return this.readSync(o, l);
  }
  async size() {
    return this.sizeSync();
  }
  async write(offset, bytes) {
    this.writeSync(offset, bytes);
  }
  async truncate(size) {
    this.truncateSync(size);
  }
  async flush() {
    this.flushSync();
  }
  close() {
    return Promise.resolve();
  }
  #apply(store, [op, a, b]) {
    if (op === 'write') store.writeSync(a, b);
    else store.truncateSync(a);
  }
  async crash() {
    for (const [op, a, b] of this.pending.splice(0)) {
      if (!this.rng.bool(0.5)) continue;
      // Torn at a 4096-byte boundary: stores write whole sectors atomically or not at all (the
      // Volume's sectors, like a disk's, are rewritten in place).
      if (op === 'write' && this.rng.bool(0.2))
        this.durable.writeSync(a, b.subarray(0, 4096 * this.rng.int(0, Math.floor(b.length / 4096))));
      else this.#apply(this.durable, [op, a, b]);
    }
    return snapshot(this.durable);
  }
}

const power = suite('volume growth under power loss');

for (const path of PATHS) {
  power(
    `${path.name}: a crash at any moment of a growing, flushing, truncating workload: opens, size never beyond the data, flushed data reads back`,
    async () => {
      const seed = randomSeed();
      const rng = createPrng(seed);
      const env = setup();
      const base = new MemoryBlockStore();
      await (await Volume.create(base, { kms: env.app, size: 0 })).close();
      const initial = await snapshot(base);
      // The workload: append records of random length (content = pattern by record number), flush
      // every few records, sometimes truncate back to the last flushed record boundary.
      const ROUNDS = 40;
      for (let round = 0; round < ROUNDS; round++) {
        const store = new PowerLossStore(initial, rng);
        const vol = await Volume.open(store, { kms: env.app });
        const v = path.view(vol);
        const model = [];
        let size = 0;
        let flushedSize = 0;
        let flushing; // the size a flush in progress will record
        store.opsLeft = rng.int(0, 60);
        try {
          for (let record = 1; record < 40; record++) {
            const length = rng.int(1, 9000);
            const bytes = pattern(length, record);
            await v.write(size, bytes);
            model.push([size, bytes]);
            size += length;
            if (rng.bool(0.3)) {
              flushing = size;
              await v.flush();
              flushedSize = size;
              flushing = undefined;
            }
            if (rng.bool(0.1) && model.length > 1) {
              const [at] = model.pop();
              flushing = Math.min(at, flushedSize);
              await v.truncate(at);
              size = at;
              flushedSize = Math.min(flushedSize, at);
              flushing = undefined;
            }
          }
        } catch (e) {
          assert.match(String(e?.message), /power loss/, `seed ${seed}: only the simulated crash fails`);
        }
        const survived = await store.crash();
        const reopened = await Volume.open(new MemoryBlockStore(survived), { kms: env.app });
        const allowed = [flushedSize, flushing].filter((n) => n !== undefined);
        assert.ok(
          allowed.includes(reopened.size),
          `seed ${seed} round ${round}: size ${reopened.size} is the last flushed size (${allowed.join(' or ')})`,
        );
        const read = await reopened.read(0, reopened.size); // must not fail: every recorded sector is on the store
        for (const [at, bytes] of model) {
          if (at >= reopened.size) break;
          assertBytes(
            read.subarray(at, Math.min(at + bytes.length, reopened.size)),
            bytes.subarray(0, Math.min(bytes.length, reopened.size - at)),
            `seed ${seed} round ${round}: record at ${at}`,
          );
        }
        await reopened.close();
      }
    },
  );
}

truncate.run();
amortised.run();
power.run();
