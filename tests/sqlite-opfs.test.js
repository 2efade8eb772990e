// atrest/sqlite on the browser's Origin Private File System (issue 15). Portable; what runs
// depends on the runtime:
// - Chromium (OPFS, Worker): a dedicated worker (tests/_workers/sqlite-opfs.worker.mjs, which
//   imports `atrest` and `atrest/sqlite` by name and lets atrest/sqlite load the SQLite build
//   itself) creates a database on an OpfsBlockStore with sync access handles and inserts 10 000
//   rows in transactions; a new worker reopens it, queries and adds rows; the OPFS file, read
//   from the page, holds no SQLite header, table name or row value; a third worker disables the
//   key and the next open is refused. On the main thread, where OPFS has no sync access handles,
//   openDatabase refuses with the error that names the rule, before any key-service call or
//   write.
// - Node, Deno (no OPFS): the same refusal for any store without a synchronous path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryBlockStore, OpfsBlockStore } from '../dist/index.js';
import { openDatabase } from '../dist/sqlite/index.js';
import { appOnlyPolicy, counting, forbiddenKms, rejects, setup } from './_lib/envelope.js';
import { assertOpaque } from './_lib/sqlite.js';

const HAS_OPFS = typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';
const MAIN_THREAD = typeof document !== 'undefined';
const WORKER_URL = '/bundle/tests/_workers/sqlite-opfs.worker.js'; // bundled by tests/run-chromium.mjs
const unique = (what) => `atrest-sqlite-${what}-${Date.now()}-${Math.random().toString(16).slice(2)}`;
const RULE = /atrest\/sqlite needs a store with a synchronous path/;

/** Runs one op in a new dedicated worker and ends the worker. */
async function run(message) {
  const worker = new Worker(WORKER_URL, { type: 'module' });
  try {
    const answer = new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (e) => reject(new Error(`the worker failed: ${e.message}`));
    });
    worker.postMessage(message);
    return await answer;
  } finally {
    worker.terminate();
  }
}

/** The OPFS file's bytes, read from the page. */
async function opfsBytes(name) {
  const root = await navigator.storage.getDirectory();
  const file = await (await root.getFileHandle(name)).getFile();
  return new Uint8Array(await file.arrayBuffer());
}

const total = (n) => (n * (n - 1)) / 2;

const worker = suite('atrest/sqlite on OPFS in a dedicated worker');

const IN_BROWSER_PAGE = HAS_OPFS && MAIN_THREAD && typeof Worker === 'function';
if (IN_BROWSER_PAGE) {
  worker(
    'create 10 000 rows in transactions, reopen in a new worker, query; the file is opaque; a disabled key stops the next open',
    async () => {
      const file = unique('db');
      const keystore = unique('keys');
      const rootKey = crypto.getRandomValues(new Uint8Array(32));
      const common = { keystore, rootKey, file };
      try {
        const made = await run({ ...common, op: 'create', policy: appOnlyPolicy(), rows: 10_000, per: 500 });
        assert.ok(made.ok, `create: ${JSON.stringify(made.error)}`);
        assert.is(made.access, 'sync-access-handle', 'OpfsBlockStore.open in a worker uses sync access handles');
        assert.equal(
          [made.count, made.sum, made.last, made.integrity],
          [10_000, total(10_000), 'row-value-9999-secret', 'ok'],
        );
        assert.ok(made.files.includes('db'), `the container's files: ${made.files}`);
        const closed = await opfsBytes(file);
        assert.ok(closed.length > 10_000 * 20, `the OPFS file holds the rows (${closed.length} bytes)`);
        assertOpaque(closed, 'the OPFS file after close');

        const again = await run({ ...common, op: 'reopen', rows: 100, per: 50, from: 10_000 });
        assert.ok(again.ok, `reopen: ${JSON.stringify(again.error)}`);
        assert.equal(
          [again.before.count, again.before.sum, again.before.last, again.before.integrity],
          [10_000, total(10_000), 'row-value-9999-secret', 'ok'],
          'a new worker reads what the first one committed',
        );
        assert.equal([again.after.count, again.after.sum], [10_100, total(10_100)]);
        assertOpaque(await opfsBytes(file), 'the OPFS file after the reopen');

        const before = await opfsBytes(file);
        const refused = await run({ ...common, op: 'disableThenOpen', keyId: made.keyId });
        assert.not.ok(refused.ok, 'the database opened under a disabled key');
        assert.is(refused.error.name, 'KeyUnavailableError');
        assert.match(refused.error.message, /disabled/);
        assert.is(refused.error.causeName, 'DisabledException');
        assert.equal(await opfsBytes(file), before, 'the refused open changed the file');
      } finally {
        await OpfsBlockStore.remove(file).catch(() => undefined);
        const { IndexedDbKeystore } = await import('../dist/index.js');
        await IndexedDbKeystore.destroy(keystore).catch(() => undefined);
      }
    },
  );

  worker('WAL mode on OPFS: committed in one worker, read in the next; the file is opaque', async () => {
    const file = unique('wal');
    const keystore = unique('keys');
    const rootKey = crypto.getRandomValues(new Uint8Array(32));
    const common = { keystore, rootKey, file };
    try {
      const made = await run({
        ...common,
        op: 'create',
        policy: appOnlyPolicy(),
        rows: 2000,
        per: 200,
        journalMode: 'WAL',
      });
      assert.ok(made.ok, `create: ${JSON.stringify(made.error)}`);
      assert.is(made.journalMode, 'wal');
      assert.ok(made.files.includes('db-wal'), `the container holds the WAL: ${made.files}`);
      assertOpaque(await opfsBytes(file), 'the WAL database on OPFS');
      const again = await run({ ...common, op: 'reopen', rows: 10, per: 10, from: 2000 });
      assert.ok(again.ok, `reopen: ${JSON.stringify(again.error)}`);
      assert.equal([again.before.count, again.before.journalMode, again.after.count], [2000, 'wal', 2010]);
    } finally {
      await OpfsBlockStore.remove(file).catch(() => undefined);
      const { IndexedDbKeystore } = await import('../dist/index.js');
      await IndexedDbKeystore.destroy(keystore).catch(() => undefined);
    }
  });
}

const main = suite('atrest/sqlite refuses a store without a synchronous path');

if (HAS_OPFS && MAIN_THREAD) {
  main(
    "the main thread's OPFS store (no sync access handles): refused, naming the rule and the worker, before any key-service call or write",
    async () => {
      const env = setup();
      const file = unique('main');
      const store = await OpfsBlockStore.open(file, { create: true });
      try {
        assert.is(store.access, 'writable', 'the main thread has no sync access handles');
        const kms = counting(env.app);
        const e = await rejects(openDatabase(store, { kms }), TypeError, RULE);
        assert.match(e.message, /^openDatabase: /);
        assert.match(e.message, /main thread/);
        assert.match(e.message, /dedicated worker/);
        assert.equal(kms.calls, [], 'no key-service call');
        assert.is(await store.size(), 0, 'nothing was written');
        await rejects(openDatabase(store, { kms: forbiddenKms(), create: false }), TypeError, RULE);
        // A path is for Node and Deno: here it is refused by name, not by a bundling failure.
        await rejects(
          openDatabase('./ledger.atrest', { kms: forbiddenKms() }),
          TypeError,
          /^openDatabase: a file path needs Node or Deno \(a file system\); in a browser pass a BlockStore/,
        );
      } finally {
        await store.close();
        await OpfsBlockStore.remove(file);
      }
    },
  );
} else {
  main('an async-only store: refused, naming the rule, before any key-service call or write', async () => {
    const inner = new MemoryBlockStore();
    let writes = 0;
    const asyncOnly = {
      read: (o, l) => inner.read(o, l),
      write: (o, b) => (writes++, inner.write(o, b)),
      size: () => inner.size(),
      truncate: (s) => (writes++, inner.truncate(s)),
      flush: () => inner.flush(),
      close: () => inner.close(),
    };
    const e = await rejects(openDatabase(asyncOnly, { kms: forbiddenKms() }), TypeError, RULE);
    assert.match(e.message, /^openDatabase: /);
    assert.match(
      e.message,
      /MemoryBlockStore, a FileBlockStore \(Node, Deno\), or an OpfsBlockStore in a dedicated worker/,
    );
    assert.is(writes, 0);
  });
}

if (IN_BROWSER_PAGE) worker.run();
main.run();
