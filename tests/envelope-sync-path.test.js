// The sync path (SyncBlockStore on the stores, readSync/writeSync/truncateSync/flushSync on the
// Volume): when it is refused and why, and that it is the async path's code — the same workload
// on both leaves the same data sectors. The Volume suites run their key cases on both paths
// (tests/_lib/volume-paths.js); this file covers what only the sync path has. Portable (Node,
// Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryBlockStore, Volume, syncPathOf } from '../dist/index.js';
import { asyncOnly, pattern, rejects, setup, snapshot } from './_lib/envelope.js';
import { assertBytes } from './_lib/assert.js';

const DATA_OFFSET = 2 * 16384;

const store = suite('MemoryBlockStore: sync methods');

store('the sync methods follow the same rules and errors as the async ones', async () => {
  const s = new MemoryBlockStore();
  assert.ok(s.synchronous);
  assert.is(syncPathOf(s), s);
  s.writeSync(10, Uint8Array.of(1, 2, 3));
  assert.is(s.sizeSync(), 13);
  assert.equal([...s.readSync(9, 4)], [0, 1, 2, 3]);
  assert.equal([...(await s.read(9, 4))], [0, 1, 2, 3], 'the async path sees the sync write');
  assert.throws(
    () => s.readSync(12, 2),
    (e) => e instanceof RangeError && /read past the end of the store \(size 13\)/.test(e.message),
  );
  await rejects(s.read(12, 2), RangeError, /read past the end of the store \(size 13\)/);
  assert.throws(
    () => s.writeSync(-1, Uint8Array.of(1)),
    (e) => e instanceof RangeError && /writeSync: offset/.test(e.message),
  );
  assert.throws(
    () => s.writeSync(0, [1]),
    (e) => e instanceof TypeError && /bytes must be a Uint8Array/.test(e.message),
  );
  s.writeSync(20, new Uint8Array(0));
  assert.is(s.sizeSync(), 20, 'an empty write extends the store, as on the async path');
  s.truncateSync(5);
  s.flushSync();
  assert.is(await s.size(), 5);
});

store('a sync call is refused while an async call is in flight, and after close', async () => {
  const s = new MemoryBlockStore();
  const pending = s.write(0, Uint8Array.of(7));
  assert.throws(() => s.readSync(0, 1), /asynchronous call on this store is still in flight/);
  await pending;
  assert.equal([...s.readSync(0, 1)], [7], 'allowed once the async call has settled');
  await s.close();
  assert.throws(() => s.sizeSync(), /MemoryBlockStore.sizeSync: the store is closed/);
});

const volume = suite('Volume: sync path');

volume('a store without a sync path: the sync methods say so, the async ones work', async () => {
  const { app } = setup();
  const s = asyncOnly(new MemoryBlockStore());
  assert.is(syncPathOf(s), undefined);
  const vol = await Volume.create(s, { kms: app, size: 100 });
  for (const call of [
    () => vol.readSync(0, 1),
    () => vol.writeSync(0, Uint8Array.of(1)),
    () => vol.flushSync(),
    () => vol.truncateSync(0),
  ])
    assert.throws(call, /has no synchronous path/);
  await vol.write(0, Uint8Array.of(1));
  assert.equal([...(await vol.read(0, 1))], [1]);
  await vol.close();
});

volume('a sync call is refused while an async call of the volume is in flight', async () => {
  const { app } = setup();
  const vol = await Volume.create(new MemoryBlockStore(), { kms: app, size: 0 });
  const pending = vol.write(0, pattern(5000, 1));
  assert.throws(() => vol.readSync(0, 1), /asynchronous call\(s\) on this volume are still in flight/);
  await pending;
  assertBytes(vol.readSync(0, 5000), pattern(5000, 1), 'allowed once it settled');
  const closing = vol.close();
  assert.throws(() => vol.writeSync(0, Uint8Array.of(1)), /still in flight/, 'a close in flight counts too');
  await closing;
  assert.throws(() => vol.readSync(0, 1), /the volume is closed/);
});

volume('the same workload on both paths leaves the same data sectors and the same size', async () => {
  const { app } = setup();
  const base = new MemoryBlockStore();
  await (await Volume.create(base, { kms: app, size: 3000, sectorSize: 512 })).close();
  const initial = await snapshot(base);
  const results = [];
  for (const sync of [false, true]) {
    const s = new MemoryBlockStore(initial);
    const vol = await Volume.open(s, { kms: app });
    const steps = [
      ['write', 100, pattern(700, 2)],
      ['write', 5000, pattern(3000, 3)],
      ['flush'],
      ['truncate', 6500],
      ['write', 6400, pattern(4096, 4)],
      ['truncate', 12000],
      ['flush'],
    ];
    for (const [op, a, b] of steps) {
      if (sync) vol[`${op}Sync`](a, b);
      else await vol[op](a, b);
    }
    results.push({ size: vol.size, bytes: (await snapshot(s)).subarray(DATA_OFFSET) });
    await vol.close();
    const again = await Volume.open(s, { kms: app });
    assert.is(again.size, 12000, `${sync ? 'sync' : 'async'}: the header records the size`);
    await again.close();
  }
  assert.is(results[1].size, results[0].size);
  assertBytes(results[1].bytes, results[0].bytes, 'data sectors');
});

store.run();
volume.run();
