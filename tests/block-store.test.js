// BlockStore: the shared suite (tests/_lib/block-store-suite.js) against MemoryBlockStore in every
// runtime, and against OpfsBlockStore where the Origin Private File System exists (Chromium,
// served on http://127.0.0.1 — a secure context) in both of its access modes: 'writable' on this
// page's main thread, and 'sync-access-handle' inside a dedicated worker, reached through a small
// message proxy so the very same suite drives it. Plus what is particular to each store.
// Portable (Node, Deno, Chromium); FileBlockStore is in tests/fs/file-block-store.test.js.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryBlockStore, OpfsBlockStore } from '../dist/index.js';
import { defineBlockStoreSuite, rejects } from './_lib/block-store-suite.js';
import { runtimeName } from './_lib/hex.js';

const HAS_OPFS = typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';

defineBlockStoreSuite('MemoryBlockStore', async () => ({ store: new MemoryBlockStore() }));

const memory = suite('MemoryBlockStore: particulars');

memory('starts from a copy of initial bytes, when given', async () => {
  const initial = Uint8Array.of(1, 2, 3);
  const store = new MemoryBlockStore(initial);
  initial[0] = 9;
  assert.is(await store.size(), 3);
  assert.equal([...(await store.read(0, 3))], [1, 2, 3]);
  assert.throws(
    () => new MemoryBlockStore([1, 2]),
    (err) => err instanceof TypeError && /initial must be a Uint8Array, got Array/.test(err.message),
  );
});

memory('the package root exports the stores that run in browsers', () => {
  assert.type(MemoryBlockStore, 'function');
  assert.type(OpfsBlockStore.open, 'function');
  assert.type(OpfsBlockStore.remove, 'function');
});

// Only where it can fail: in Chromium the OPFS suites below must not silently fall back to the
// "without OPFS" one.
if (runtimeName() === 'chromium') {
  memory('Chromium on a secure origin has OPFS, so the OPFS suites below run there', () => {
    assert.ok(globalThis.isSecureContext, 'the test page is not a secure context');
    assert.ok(HAS_OPFS, 'navigator.storage.getDirectory is missing in Chromium');
  });
}

memory.run();

if (HAS_OPFS) {
  defineOpfsSuites();
} else {
  const none = suite('OpfsBlockStore without OPFS');
  none('open and remove reject with an Error that names the missing API', async () => {
    await rejects(
      OpfsBlockStore.open('x', { create: true }),
      Error,
      /no Origin Private File System \(navigator\.storage\.getDirectory\)/,
    );
    await rejects(OpfsBlockStore.remove('x'), Error, /no Origin Private File System/);
  });
  none.run();
}

function defineOpfsSuites() {
  const names = [];
  const workers = [];
  const freshName = () => {
    const name = `atrest-test-${crypto.randomUUID()}.vol`;
    names.push(name);
    return name;
  };

  defineBlockStoreSuite('OpfsBlockStore (writable, main thread)', async () => {
    const name = freshName();
    const store = await OpfsBlockStore.open(name, { create: true });
    assert.is(store.access, 'writable');
    return { store, reopen: () => OpfsBlockStore.open(name) };
  });

  defineBlockStoreSuite('OpfsBlockStore (sync access handle, in a worker)', async () => {
    const name = freshName();
    const store = await openInWorker(workers, name, { create: true });
    assert.is(store.access, 'sync-access-handle');
    return { store, reopen: () => openInWorker(workers, name, {}) };
  });

  const opfs = suite('OpfsBlockStore: particulars');

  opfs('a missing file without create rejects with NotFoundError', async () => {
    const err = await rejects(OpfsBlockStore.open(freshName()), Error);
    assert.is(err.name, 'NotFoundError');
  });

  opfs('bad names and options are refused before OPFS is touched', async () => {
    await rejects(OpfsBlockStore.open(42), TypeError, /name must be a string/);
    for (const bad of ['', '.', '..', 'a/b', 'a\\b']) {
      await rejects(OpfsBlockStore.open(bad, { create: true }), RangeError, /name must be a plain file name/);
    }
    await rejects(OpfsBlockStore.open('x', { create: 'yes' }), TypeError, /create must be a boolean/);
    await rejects(
      OpfsBlockStore.open('x', { access: 'fast' }),
      RangeError,
      /access must be 'auto', 'sync-access-handle' or 'writable'/,
    );
    await rejects(
      OpfsBlockStore.open('x', { create: true, readOnly: true }),
      RangeError,
      /create and readOnly exclude each other/,
    );
  });

  opfs("'sync-access-handle' on the main thread is an Error that says where it works", async () => {
    await rejects(
      OpfsBlockStore.open(freshName(), { create: true, access: 'sync-access-handle' }),
      Error,
      /only in dedicated workers/,
    );
  });

  opfs('a read-only store reads what a writer flushed and refuses to write', async () => {
    const name = freshName();
    const writer = await OpfsBlockStore.open(name, { create: true });
    await writer.write(0, Uint8Array.of(1, 2, 3));
    await writer.close();
    const reader = await OpfsBlockStore.open(name, { readOnly: true });
    assert.is(reader.readOnly, true);
    assert.equal([...(await reader.read(0, 3))], [1, 2, 3]);
    await rejects(reader.write(0, Uint8Array.of(9)), Error, /opened read-only/);
    await rejects(reader.truncate(0), Error, /opened read-only/);
    await reader.close();
  });

  opfs('unflushed writes on the main thread reach the file only at flush (one atomic batch)', async () => {
    const name = freshName();
    const writer = await OpfsBlockStore.open(name, { create: true });
    await writer.write(0, Uint8Array.of(1, 2, 3));
    const file = async () => [
      ...new Uint8Array(
        await (
          await (await navigator.storage.getDirectory()).getFileHandle(name)
        )
          .getFile()
          .then((f) => f.arrayBuffer()),
      ),
    ];
    assert.equal(await file(), [], 'nothing committed before flush');
    await writer.flush();
    assert.equal(await file(), [1, 2, 3], 'committed by flush');
    await writer.close();
  });

  opfs('remove deletes the file', async () => {
    const name = freshName();
    await (await OpfsBlockStore.open(name, { create: true })).close();
    await OpfsBlockStore.remove(name);
    const err = await rejects(OpfsBlockStore.open(name), Error);
    assert.is(err.name, 'NotFoundError');
  });

  opfs.run();

  // Registered last, so it runs after every OPFS suite of this file.
  const cleanup = suite('OpfsBlockStore: cleanup');
  cleanup('workers end and test files are removed', async () => {
    for (const worker of workers.splice(0)) worker.terminate();
    const root = await navigator.storage.getDirectory();
    for (const name of names.splice(0)) await root.removeEntry(name).catch(() => {});
  });
  cleanup.run();
}

// A BlockStore whose calls run on an OpfsBlockStore inside a dedicated worker, where
// FileSystemSyncAccessHandle exists. The worker loads the store from the package's entry,
// dist/index.js as served by the Chromium runner (/dist/), not from this bundle. Errors come back as the same built-in class
// (TypeError, RangeError, Error) with the same message, so the suite's checks apply unchanged.
async function openInWorker(workers, name, options) {
  const moduleUrl = new URL('/dist/index.js', location.href).href;
  const source = `
    const loaded = import(${JSON.stringify(moduleUrl)});
    let store;
    self.onmessage = async ({ data: { id, method, args } }) => {
      try {
        const { OpfsBlockStore } = await loaded;
        let value;
        if (method === 'open') {
          store = await OpfsBlockStore.open(...args);
          value = { access: store.access, readOnly: store.readOnly };
        } else {
          value = await store[method](...args);
        }
        self.postMessage({ id, ok: true, value });
      } catch (err) {
        self.postMessage({ id, ok: false, name: err && err.name, message: String(err && err.message) });
      }
    };`;
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url, { type: 'module' });
  URL.revokeObjectURL(url);
  workers.push(worker);
  const waiting = new Map();
  let nextId = 0;
  worker.onmessage = ({ data }) => {
    const { resolve, reject } = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.ok) return resolve(data.value);
    const Class = { TypeError, RangeError }[data.name] ?? Error;
    const err = new Class(data.message);
    if (Class === Error && data.name) err.name = data.name;
    reject(err);
  };
  worker.onerror = (event) => {
    for (const { reject } of waiting.values()) reject(new Error(`worker failed: ${event.message}`));
    waiting.clear();
  };
  const call = (method, ...args) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, method, args });
    });
  const { access, readOnly } = await call('open', name, options);
  return {
    access,
    readOnly,
    read: (offset, length) => call('read', offset, length),
    write: (offset, bytes) => call('write', offset, bytes),
    size: () => call('size'),
    truncate: (size) => call('truncate', size),
    flush: () => call('flush'),
    close: () => call('close'),
  };
}
