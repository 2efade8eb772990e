// Volumes on OpfsBlockStore (the Origin Private File System), where it exists (Chromium, on the
// test page's secure origin): create, write, close the file, reopen it, read; a stream's output
// stored in OPFS opens for random access. Portable: elsewhere one test checks that
// OpfsBlockStore refuses with the error that names the missing API.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OpfsBlockStore, Volume, encryptStream } from '../dist/index.js';
import { chunked, pattern, rejects, setup } from './_lib/envelope.js';
import { assertBytes } from './_lib/assert.js';

const HAS_OPFS = typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';
const opfs = suite('volume on OpfsBlockStore');
const name = (what) => `atrest-envelope-${what}-${Date.now()}-${Math.random().toString(16).slice(2)}`;

if (HAS_OPFS) {
  opfs('create, write, close the file, reopen it, read back', async () => {
    const { app } = setup();
    const file = name('volume');
    let store = await OpfsBlockStore.open(file, { create: true });
    try {
      const vol = await Volume.create(store, { kms: app, size: 50_000, metadata: { opfs: true } });
      await vol.write(4000, pattern(30_000, 6));
      await vol.close();
      await store.close();
      store = await OpfsBlockStore.open(file);
      const again = await Volume.open(store, { kms: app });
      assert.equal(again.metadata, { opfs: true });
      assertBytes(await again.read(4000, 30_000), pattern(30_000, 6));
      await again.close();
    } finally {
      await store.close();
      await OpfsBlockStore.remove(file);
    }
  });

  opfs('writable access (the main thread) has no sync path: the Volume says so, the async path works', async () => {
    const { app } = setup();
    const file = name('nosync');
    const store = await OpfsBlockStore.open(file, { create: true, access: 'writable' });
    try {
      assert.is(store.synchronous, false);
      const vol = await Volume.create(store, { kms: app, size: 100 });
      assert.throws(() => vol.readSync(0, 1), /has no synchronous path/);
      assert.throws(() => store.readSync(0, 1), /OpfsBlockStore.readSync: this OpfsBlockStore has no synchronous path/);
      await vol.write(0, Uint8Array.of(5));
      assert.equal([...(await vol.read(0, 1))], [5]);
      await vol.close();
    } finally {
      await store.close();
      await OpfsBlockStore.remove(file);
    }
  });

  opfs('a stream written into OPFS opens read-only for random access', async () => {
    const { app } = setup();
    const file = name('stream');
    const plain = pattern(20_000, 2);
    const store = await OpfsBlockStore.open(file, { create: true });
    try {
      let at = 0;
      await chunked(plain, 3000)
        .pipeThrough(encryptStream({ kms: app }))
        .pipeTo(
          new WritableStream({
            async write(chunk) {
              await store.write(at, chunk);
              at += chunk.length;
            },
          }),
        );
      await store.flush();
      const vol = await Volume.open(store, { kms: app });
      assert.ok(vol.readOnly);
      assertBytes(await vol.read(1234, 15_000), plain.subarray(1234, 16_234));
      await vol.close();
    } finally {
      await store.close();
      await OpfsBlockStore.remove(file);
    }
  });
} else {
  // The file store tests (tests/fs/) cover persistent storage here; what OPFS owes this runtime
  // is a clear refusal that names what is missing, not a TypeError from deep inside.
  opfs('no OPFS in this runtime: open and remove refuse with an error that names what is missing', async () => {
    const missing =
      /: this runtime has no Origin Private File System \(navigator\.storage\.getDirectory\); browsers offer it in secure contexts$/;
    const opened = await rejects(OpfsBlockStore.open(name('absent'), { create: true }), Error, missing);
    assert.ok(opened.message.startsWith('OpfsBlockStore.open: '), opened.message);
    await rejects(OpfsBlockStore.remove(name('absent')), Error, missing);
  });
}

opfs.run();
