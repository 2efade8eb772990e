// Derived sector keys (Volume.deriveSectorKey, src/envelope/sector-key.ts): sectors written under
// a SectorKey read back under it — on both paths, after a reopen, at the edges of a sector and
// over a gap past the end — and under no other key; misuse is refused with the rule named and
// nothing written. Portable (Node, Deno, Chromium). The derivation itself is pinned against
// docs/FORMAT.md by tests/node/sector-key-derivation.test.js.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryBlockStore, Volume } from '../dist/index.js';
import { pattern, rejects, setup, snapshot, throws } from './_lib/envelope.js';
import { assertAll, assertBytes, sameBytes } from './_lib/assert.js';

const keys = suite('Volume: derived sector keys');

keys('a SectorKey reads back what it wrote, on both paths and after a reopen; no other key does', async () => {
  const { app } = setup();
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: app, size: 0, sectorSize: 512 });
  const a = vol.deriveSectorKey('file a');
  const b = vol.deriveSectorKey('file b');
  assert.is(a.label, 'file a');
  const data = pattern(1536, 3);
  vol.writeSync(0, data, a);
  await vol.write(1536, data, b);
  assertBytes(vol.readSync(0, 1536, a), data, 'sync, key a');
  assertBytes(await vol.read(1536, 1536, b), data, 'async, key b');
  assert.not.ok(
    sameBytes(vol.readSync(0, 512), data.subarray(0, 512)),
    "the volume's own key does not read key a's sectors",
  );
  assert.not.ok(sameBytes(vol.readSync(1536, 512, a), data.subarray(0, 512)), "key a does not read key b's sectors");
  await vol.close();
  assert.ok(a.disposed, 'closing the volume disposes its derived keys');

  const again = await Volume.open(store, { kms: app });
  const a2 = again.deriveSectorKey('file a');
  assertBytes(await again.read(0, 1536, a2), data, 'the same label gives the same key at the next open');
  await again.close();
});

keys('the same plaintext under two labels, or two sectors, gives unrelated ciphertext', async () => {
  const { app } = setup();
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: app, size: 0, sectorSize: 512 });
  const block = new Uint8Array(512).fill(0x41);
  vol.writeSync(0, block, vol.deriveSectorKey('x'));
  vol.writeSync(512, block, vol.deriveSectorKey('y'));
  vol.writeSync(1024, block, vol.deriveSectorKey('x'));
  vol.writeSync(1536, block);
  vol.flushSync();
  const dataOffset = (await store.size()) - 2048;
  const sectors = [0, 1, 2, 3].map((n) => store.readSync(dataOffset + n * 512, 512));
  for (let i = 0; i < 4; i++)
    for (let j = i + 1; j < 4; j++)
      assert.not.ok(sameBytes(sectors[i], sectors[j]), `sectors ${i} and ${j} differ on the store`);
  await vol.close();
});

keys('partial sectors and a gap past the end stay under the key of the write', async () => {
  const { app } = setup();
  const vol = await Volume.create(new MemoryBlockStore(), { kms: app, size: 0, sectorSize: 512 });
  const k = vol.deriveSectorKey('edges');
  vol.writeSync(0, pattern(512, 5), k);
  vol.writeSync(100, pattern(50, 6), k); // a read-modify-write inside sector 0
  const expected = pattern(512, 5);
  expected.set(pattern(50, 6), 100);
  assertBytes(vol.readSync(0, 512, k), expected, 'the edge bytes kept');
  await vol.write(2000, pattern(10, 7), k); // the gap [512, 2000) written as zeros under k
  assert.is(vol.size, 2010);
  assertAll(await vol.read(512, 1488, k), 0, 'the gap reads as zeros under the key');
  assertBytes(vol.readSync(2000, 10, k), pattern(10, 7));
  await vol.close();
});

keys('misuse is refused with the rule named, before anything is written', async () => {
  const { app } = setup();
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: app, size: 1024, sectorSize: 512 });
  const other = await Volume.create(new MemoryBlockStore(), { kms: app, size: 0 });
  throws(() => vol.deriveSectorKey(7), TypeError, /deriveSectorKey: label must be a string, got number/);
  throws(() => vol.deriveSectorKey(''), RangeError, /label must be 1 to 256 UTF-8 bytes, got 0/);
  throws(() => vol.deriveSectorKey('é'.repeat(129)), RangeError, /label must be 1 to 256 UTF-8 bytes, got 258/);
  throws(() => vol.deriveSectorKey('a\uD800'), RangeError, /label must be well-formed Unicode/);
  assert.is(vol.deriveSectorKey('é'.repeat(128)).label.length, 128, '256 bytes is allowed');
  const before = await snapshot(store);
  const foreign = other.deriveSectorKey('f');
  throws(
    () => vol.writeSync(0, pattern(10), foreign),
    TypeError,
    /writeSync: key must be a SectorKey made by this volume's deriveSectorKey/,
  );
  await rejects(vol.write(0, pattern(10), { label: 'f' }), TypeError, /volume.write: key must be a SectorKey/);
  throws(() => vol.readSync(0, 10, 'f'), TypeError, /readSync: key must be a SectorKey/);
  const gone = vol.deriveSectorKey('gone');
  gone.dispose();
  gone.dispose(); // idempotent
  assert.ok(gone.disposed);
  throws(() => vol.writeSync(0, pattern(10), gone), 'VolumeClosedError', /the SectorKey "gone" was disposed/);
  await rejects(vol.read(0, 10, gone), 'VolumeClosedError', /volume.read: the SectorKey "gone" was disposed/);
  assert.ok(sameBytes(await snapshot(store), before), 'no refused call wrote a byte');
  await vol.close();
  await other.close();
  throws(() => vol.deriveSectorKey('late'), 'VolumeClosedError', /deriveSectorKey: the volume is closed/);
});

keys.run();
