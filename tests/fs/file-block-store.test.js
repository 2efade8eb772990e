// FileBlockStore (atrest/fs): the shared BlockStore suite on real files, then what is particular
// to files: create / existing / missing, read-only, a file created elsewhere, bad options. Runs
// in Node and Deno (tests/run-node.mjs, tests/run-deno.mjs); Deno may write only below
// ATREST_TEST_TMPDIR, which tests/run-deno.mjs creates.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { FileBlockStore } from '../../dist/fs/index.js';
import * as root from '../../dist/index.js';
import { defineBlockStoreSuite, rejects } from '../_lib/block-store-suite.js';

const base = process.env.ATREST_TEST_TMPDIR || tmpdir();
const dir = await mkdtemp(join(base, 'atrest-block-store-'));
let counter = 0;
const freshPath = () => join(dir, `volume-${counter++}.bin`);

defineBlockStoreSuite('FileBlockStore', async () => {
  const path = freshPath();
  const store = await FileBlockStore.open(path, { create: true });
  return { store, reopen: () => FileBlockStore.open(path) };
});

const file = suite('FileBlockStore: particulars');

file('atrest/fs exports FileBlockStore; the package root does not', () => {
  assert.type(FileBlockStore.open, 'function');
  assert.is(root.FileBlockStore, undefined);
});

file('create makes an empty file; the path is kept absolute', async () => {
  const path = freshPath();
  const store = await FileBlockStore.open(path, { create: true });
  assert.is(store.path, path);
  assert.is(store.readOnly, false);
  assert.is((await stat(path)).size, 0);
  await store.close();
});

file('an existing file is opened as it is, never truncated, with or without create', async () => {
  const path = freshPath();
  await writeFile(path, Uint8Array.of(1, 2, 3, 4));
  for (const options of [{}, { create: true }]) {
    const store = await FileBlockStore.open(path, options);
    assert.is(await store.size(), 4);
    assert.equal([...(await store.read(0, 4))], [1, 2, 3, 4]);
    await store.close();
  }
});

file('writes land at their positions in the file itself', async () => {
  const path = freshPath();
  const store = await FileBlockStore.open(path, { create: true });
  await store.write(4, Uint8Array.of(7, 8));
  await store.write(0, Uint8Array.of(1));
  await store.flush();
  assert.equal([...(await readFile(path))], [1, 0, 0, 0, 7, 8]);
  await store.truncate(2);
  assert.equal([...(await readFile(path))], [1, 0]);
  await store.close();
});

file('a missing file without create rejects with ENOENT and creates nothing', async () => {
  const path = freshPath();
  const err = await rejects(FileBlockStore.open(path), Error);
  assert.is(err.code, 'ENOENT');
  await rejects(stat(path), Error);
});

file('read-only: reads, refuses write and truncate with an Error, leaves the file alone', async () => {
  const path = freshPath();
  await writeFile(path, Uint8Array.of(5, 6, 7));
  const store = await FileBlockStore.open(path, { readOnly: true });
  assert.is(store.readOnly, true);
  assert.equal([...(await store.read(1, 2))], [6, 7]);
  await rejects(store.write(0, Uint8Array.of(1)), Error, /FileBlockStore\.write: the store was opened read-only/);
  await rejects(store.truncate(0), Error, /FileBlockStore\.truncate: the store was opened read-only/);
  await store.flush();
  await store.close();
  assert.equal([...(await readFile(path))], [5, 6, 7]);
});

file('bad arguments to open are a TypeError or RangeError naming the rule', async () => {
  await rejects(FileBlockStore.open(42), TypeError, /path must be a string, got number/);
  await rejects(FileBlockStore.open(''), RangeError, /path must not be empty/);
  await rejects(FileBlockStore.open(freshPath(), null), TypeError, /options must be an object/);
  await rejects(FileBlockStore.open(freshPath(), { create: 1 }), TypeError, /create must be a boolean/);
  await rejects(FileBlockStore.open(freshPath(), { readOnly: 'yes' }), TypeError, /readOnly must be a boolean/);
  await rejects(
    FileBlockStore.open(freshPath(), { create: true, readOnly: true }),
    RangeError,
    /create and readOnly exclude each other/,
  );
  const err = await rejects(FileBlockStore.open(dir, { create: true }), Error);
  assert.ok(['EISDIR', 'EPERM', 'EACCES'].includes(err.code), `opening a directory: ${err.code}`);
});

file.run();

// Registered last, so it runs after both suites above.
const cleanup = suite('FileBlockStore: cleanup');
cleanup('the temporary directory is removed', async () => {
  await rm(dir, { recursive: true, force: true });
});
cleanup.run();
