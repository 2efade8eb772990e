// Volumes and encrypted streams on FileBlockStore (Node and Deno): create, write, close the file,
// reopen it, read; truncate; a stream's output saved to a file opens read-only for random access; a file
// opened read-only gets no header repair. Writes only under ATREST_TEST_TMPDIR (tests/run-deno.mjs).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { FileBlockStore } from '../../dist/fs/index.js';
import { Volume, encryptStream } from '../../dist/index.js';
import { chunked, collect, pattern, rejects, setup } from '../_lib/envelope.js';
import { assertBytes } from '../_lib/assert.js';

const base = process.env.ATREST_TEST_TMPDIR || tmpdir();
const files = suite('volume on FileBlockStore');
let dir;
files.before(async () => {
  dir = await mkdtemp(join(base, 'atrest-envelope-'));
});
files.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

files('create, write, close the file, reopen it, read back', async () => {
  const { app } = setup();
  const path = join(dir, 'volume.atrest');
  let store = await FileBlockStore.open(path, { create: true });
  const vol = await Volume.create(store, { kms: app, size: 100_000, metadata: { file: true } });
  await vol.write(12_345, pattern(40_000, 3));
  await vol.close();
  await store.close();

  store = await FileBlockStore.open(path);
  const again = await Volume.open(store, { kms: app });
  assert.equal(again.metadata, { file: true });
  assertBytes(await again.read(12_345, 40_000), pattern(40_000, 3));
  await again.write(99_000, pattern(5000, 4)); // grows the file
  await again.close();
  await store.close();
  store = await FileBlockStore.open(path, { readOnly: true });
  const ro = await Volume.open(store, { kms: app, readOnly: true });
  assert.is(ro.size, 104_000);
  assertBytes(await ro.read(99_000, 5000), pattern(5000, 4));
  await ro.close();
  await store.close();
});

files('truncate shrinks the file to whole sectors and grows it with zeros; sizes survive reopen', async () => {
  const { app } = setup();
  const path = join(dir, 'truncate.atrest');
  let store = await FileBlockStore.open(path, { create: true });
  const vol = await Volume.create(store, { kms: app, size: 0 });
  await vol.write(0, pattern(50_000, 6));
  await vol.truncate(9000);
  assert.is(await store.size(), 2 * 16384 + 3 * 4096, 'the file keeps the header and the sectors of 9000 bytes');
  await vol.truncate(12_000);
  await vol.close();
  await store.close();
  store = await FileBlockStore.open(path);
  const again = await Volume.open(store, { kms: app });
  assert.is(again.size, 12_000);
  const read = await again.read(0, 12_000);
  assertBytes(read.subarray(0, 9000), pattern(50_000, 6).subarray(0, 9000));
  assert.ok(
    read.subarray(9000).every((b) => b === 0),
    'the grown part reads as zeros',
  );
  await again.close();
  await store.close();
});

files('a stream saved to a file opens read-only for random access', async () => {
  const { app } = setup();
  const plain = pattern(70_000, 9);
  const encrypted = await collect(chunked(plain, 4000).pipeThrough(encryptStream({ kms: app })));
  const path = join(dir, 'stream.atrest');
  await writeFile(path, encrypted);
  assertBytes(new Uint8Array(await readFile(path)), encrypted);
  const store = await FileBlockStore.open(path, { readOnly: true });
  const vol = await Volume.open(store, { kms: app });
  assert.ok(vol.readOnly);
  assertBytes(await vol.read(33_333, 22_222), plain.subarray(33_333, 55_555));
  await vol.close();
  await store.close();
});

files('a read-only file with a damaged header copy opens (readOnly: no repair is attempted)', async () => {
  const { app } = setup();
  const path = join(dir, 'damaged.atrest');
  let store = await FileBlockStore.open(path, { create: true });
  const vol = await Volume.create(store, { kms: app, size: 5000 });
  await vol.write(0, pattern(5000, 1));
  await vol.close();
  await store.close();
  const bytes = new Uint8Array(await readFile(path));
  bytes[50] ^= 1;
  await writeFile(path, bytes);
  store = await FileBlockStore.open(path, { readOnly: true });
  await rejects(
    Volume.open(store, { kms: app }),
    Error,
    /could not be repaired.*open with readOnly: true/,
    'repair on a read-only store fails loudly',
  );
  const ro = await Volume.open(store, { kms: app, readOnly: true });
  assertBytes(await ro.read(0, 5000), pattern(5000, 1));
  await ro.close();
  await store.close();
});

files('the sync path on a file: writeSync, truncateSync, flushSync, reopen in a new store, same bytes', async () => {
  const { app } = setup();
  const path = join(dir, 'sync.atrest');
  let store = await FileBlockStore.open(path, { create: true });
  assert.ok(store.synchronous, 'a file store has a sync path');
  const vol = await Volume.create(store, { kms: app, size: 0 });
  vol.writeSync(0, pattern(30_000, 5));
  vol.writeSync(50_000, pattern(100, 6));
  vol.truncateSync(50_050);
  vol.flushSync();
  assertBytes(vol.readSync(0, 30_000), pattern(30_000, 5));
  await vol.close();
  await store.close();
  assert.throws(() => store.readSync(0, 1), /FileBlockStore.readSync: the store is closed/);
  store = await FileBlockStore.open(path, { readOnly: true });
  assert.throws(() => store.writeSync(0, Uint8Array.of(1)), /writeSync: the store was opened read-only/);
  assert.throws(
    () => store.readSync(store.sizeSync(), 1),
    (e) => e instanceof RangeError && /read past the end/.test(e.message),
  );
  const again = await Volume.open(store, { kms: app, readOnly: true });
  assert.is(again.size, 50_050, 'flushSync recorded the size');
  assertBytes(again.readSync(0, 30_000), pattern(30_000, 5));
  assertBytes(again.readSync(50_000, 50), pattern(100, 6).subarray(0, 50));
  assert.ok(
    again.readSync(30_000, 20_000).every((b) => b === 0),
    'the gap reads as zeros',
  );
  await again.close();
  await store.close();
});

files.run();
