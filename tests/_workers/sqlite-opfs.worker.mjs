// The dedicated worker of tests/sqlite-opfs.test.js (Chromium). It imports the package by its
// entry points, `atrest` and `atrest/sqlite`, as an application's worker would: the runner
// bundles it with esbuild like the application's bundler, and serves @sqlite.org/sqlite-wasm's
// sqlite3.wasm beside the bundle's chunks, where the build looks for it. atrest/sqlite loads the
// SQLite build itself (no `sqlite3` option). The key service's state is an IndexedDbKeystore, so
// a later worker opens the same keys.
//
// One message in, one out: {op, …} → {ok: true, …results} or {ok: false, error: {name, message,
// causeName}}. Each op opens the keystore, the OPFS store and the database, and closes all three
// (releasing the keystore's Web Lock and the file's sync access handle) before it answers.
import { IndexedDbKeystore, LocalKms, OpfsBlockStore } from 'atrest';
import { openDatabase } from 'atrest/sqlite';
import { insertRows } from '../_lib/sqlite.js';

const ACCOUNT = '111122223333';
const ADMIN = `arn:aws:iam::${ACCOUNT}:user/admin`;
const APP = `arn:aws:iam::${ACCOUNT}:role/app`;

async function withKeys(name, rootKey, fn) {
  const kms = new LocalKms({ keystore: await IndexedDbKeystore.open(name, { rootKey }) });
  try {
    return await fn(kms);
  } finally {
    await kms.close();
  }
}

async function withDatabase(file, kms, options, fn) {
  const store = await OpfsBlockStore.open(file, { create: options.create ?? false });
  try {
    const edb = await openDatabase(store, { kms, ...options });
    try {
      return await fn(edb, store);
    } finally {
      await edb.close();
    }
  } finally {
    await store.close();
  }
}

const summary = (db) => ({
  count: db.selectValue('SELECT count(*) FROM ledger'),
  sum: db.selectValue('SELECT sum(id) FROM ledger'),
  last: db.selectValue('SELECT note FROM ledger ORDER BY id DESC LIMIT 1'),
  integrity: db.selectValue('PRAGMA integrity_check'),
  journalMode: db.selectValue('PRAGMA journal_mode'),
});

const ops = {
  /** A key only the app may use, a new database on OPFS under it, `rows` rows in transactions. */
  async create({ keystore, rootKey, file, policy, rows, per, journalMode }) {
    return withKeys(keystore, rootKey, async (kms) => {
      const key = (await kms.as(ADMIN).createKey({ Policy: policy })).KeyMetadata;
      return withDatabase(
        file,
        kms.as(APP),
        { create: true, keyId: key.Arn, encryptionContext: { app: 'books' } },
        async (edb, store) => {
          if (journalMode) edb.db.exec(`PRAGMA journal_mode=${journalMode}`);
          edb.db.exec('CREATE TABLE ledger(id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
          insertRows(edb.db, rows, per, 0);
          return { keyId: key.KeyId, access: store.access, files: edb.files, ...summary(edb.db) };
        },
      );
    });
  },
  /** Reopens the database (create: false), reads it, adds `rows` more. */
  async reopen({ keystore, rootKey, file, rows, per, from }) {
    return withKeys(keystore, rootKey, (kms) =>
      withDatabase(file, kms.as(APP), { create: false, encryptionContext: { app: 'books' } }, async (edb) => {
        const before = summary(edb.db);
        insertRows(edb.db, rows, per, from);
        return { before, after: summary(edb.db) };
      }),
    );
  },
  /** The admin disables the key; then the app tries to open the database. */
  async disableThenOpen({ keystore, rootKey, file, keyId }) {
    return withKeys(keystore, rootKey, async (kms) => {
      await kms.as(ADMIN).disableKey({ KeyId: keyId });
      return withDatabase(file, kms.as(APP), { create: false }, () => ({ opened: true }));
    });
  },
};

self.onmessage = async ({ data }) => {
  try {
    postMessage({ ok: true, ...(await ops[data.op](data)) });
  } catch (e) {
    postMessage({ ok: false, error: { name: e?.name, message: e?.message, causeName: e?.cause?.name } });
  }
};
