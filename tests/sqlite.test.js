// atrest/sqlite (issue 15): an encrypted SQLite database in one atrest container — 10 000 rows
// in transactions survive close and reopen, every journal mode works (DELETE, TRUNCATE,
// PERSIST, WAL with exclusive locking), the container's bytes hold no table name, no row value
// and no SQLite header, the key service decides who opens it (a principal without Decrypt, a
// disabled key) and an open costs one key-service call. Portable (Node, Deno, Chromium: on a
// MemoryBlockStore; files are in tests/fs/sqlite-file.test.js). The SQLite build is an optional
// peer dependency, installed as a devDependency.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessDeniedError, KeyUnavailableError, MemoryBlockStore, Volume } from '../dist/index.js';
import { openDatabase as open } from '../dist/sqlite/index.js';
import { appOnlyPolicy, asyncOnly, counting, rejects, setup, snapshot } from './_lib/envelope.js';
import { assertOpaque, checkRows, insertRows, sqliteOptions } from './_lib/sqlite.js';
import { FaultyBlockStore } from './_lib/faulty-block-store.js';

/** openDatabase with this runtime's SQLite module. */
const openDatabase = async (target, options) => open(target, { ...(await sqliteOptions()), ...options });

const rows = suite('atrest/sqlite: rows survive close and reopen');
rows('10 000 rows in transactions on a BlockStore: close, reopen, query; nothing readable in the store', async () => {
  const env = setup();
  const store = new MemoryBlockStore();
  const edb = await openDatabase(store, { kms: env.app, encryptionContext: { app: 'books' } });
  edb.db.exec('CREATE TABLE ledger(id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
  insertRows(edb.db, 10_000, 500);
  checkRows(edb.db, 10_000);
  await edb.close();
  await rejects(
    Promise.resolve().then(() => edb.exportPlain(new MemoryBlockStore())),
    Error,
    /closed/,
  );
  assertOpaque(await snapshot(store), 'after close');
  const again = await openDatabase(store, { kms: env.app, create: false, encryptionContext: { app: 'books' } });
  checkRows(again.db, 10_000);
  insertRows(again.db, 10, 5, 10_000);
  assert.is(again.db.selectValue('SELECT count(*) FROM ledger'), 10_010);
  await again.close();
  const third = await openDatabase(store, { kms: env.app });
  assert.is(third.db.selectValue('SELECT count(*) FROM ledger'), 10_010);
  await third.close();
});

const modes = suite('atrest/sqlite: journal modes');

for (const mode of ['DELETE', 'TRUNCATE', 'PERSIST', 'WAL']) {
  modes(`${mode}: transactions commit and roll back, survive reopen, journal bytes are opaque`, async () => {
    const env = setup();
    const store = new MemoryBlockStore();
    const edb = await openDatabase(store, { kms: env.app });
    assert.is(edb.db.selectValue(`PRAGMA journal_mode=${mode}`), mode.toLowerCase());
    edb.db.exec('CREATE TABLE ledger(id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
    insertRows(edb.db, 3000, 300);
    // A rolled-back transaction leaves nothing.
    assert.throws(() =>
      edb.db.transaction(() => {
        edb.db.exec("INSERT INTO ledger VALUES (999999, 'rolled back')");
        throw new Error('abort');
      }),
    );
    assert.is(edb.db.selectValue('SELECT count(*) FROM ledger WHERE id = 999999'), 0);
    const journal = mode === 'WAL' ? 'db-wal' : 'db-journal';
    if (mode !== 'DELETE') assert.ok(edb.files.includes(journal), `${mode}: the container holds ${journal}`);
    assertOpaque(await snapshot(store), `${mode} while open`);
    await edb.close();
    const again = await openDatabase(store, { kms: env.app });
    assert.is(again.db.selectValue('PRAGMA journal_mode'), mode === 'WAL' ? 'wal' : 'delete');
    checkRows(again.db, 3000);
    await again.close();
    assertOpaque(await snapshot(store), `${mode} after close`);
  });
}

const keys = suite('atrest/sqlite: the key service decides');

keys(
  'a principal without kms:Decrypt cannot open; a disabled key stops the next open; one KMS call per open',
  async () => {
    const env = setup();
    const key = (await env.admin.createKey({ Policy: appOnlyPolicy() })).KeyMetadata;
    const store = new MemoryBlockStore();
    const edb = await openDatabase(store, { kms: env.app, keyId: key.Arn });
    edb.db.exec('CREATE TABLE ledger(id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
    insertRows(edb.db, 100, 100);
    await edb.close();

    const e = await rejects(openDatabase(store, { kms: env.reader }), AccessDeniedError);
    assert.is(e.cause?.name, 'AccessDeniedException', 'the Volume error, caused by the key service');

    const app = counting(env.app);
    const opened = await openDatabase(store, { kms: app });
    // SQLite opens the main file and a journal per transaction; the key service is asked once.
    opened.db.exec(
      "PRAGMA journal_mode=DELETE; INSERT INTO ledger VALUES (100, 'x'); INSERT INTO ledger VALUES (101, 'y')",
    );
    opened.db.exec('PRAGMA journal_mode=WAL');
    opened.db.exec("INSERT INTO ledger VALUES (102, 'z')");
    await opened.close();
    assert.equal(app.calls, ['decrypt'], 'one Decrypt for the open, nothing for the files SQLite opened');

    await env.admin.disableKey({ KeyId: key.KeyId });
    const d = await rejects(openDatabase(store, { kms: env.app }), KeyUnavailableError, /disabled/);
    assert.is(d.cause.name, 'DisabledException');
    await env.admin.enableKey({ KeyId: key.KeyId });
    const back = await openDatabase(store, { kms: env.app });
    assert.is(back.db.selectValue('SELECT count(*) FROM ledger'), 103);
    await back.close();
  },
);

keys(
  'the wrong context, a plain volume, a newer container version, a store without a sync path, an empty store with create: false',
  async () => {
    const env = setup();
    const store = new MemoryBlockStore();
    await (await openDatabase(store, { kms: env.app, encryptionContext: { app: 'books' } })).close();
    await rejects(openDatabase(store, { kms: env.app, encryptionContext: { app: 'other' } }), Error, /context/);
    const plain = new MemoryBlockStore();
    await (await Volume.create(plain, { kms: env.app })).close();
    await rejects(openDatabase(plain, { kms: env.app }), 'NotSqliteDatabaseError', /not an atrest\/sqlite database/);
    const newer = new MemoryBlockStore();
    await (await Volume.create(newer, { kms: env.app, metadata: { format: 'atrest/sqlite', version: 3 } })).close();
    await rejects(
      openDatabase(newer, { kms: env.app }),
      'NotSqliteDatabaseError',
      /container version 3; this atrest reads versions 1 and 2 \(a newer atrest made it\)/,
    );
    await rejects(openDatabase(asyncOnly(store), { kms: env.app }), TypeError, /no synchronous path/);
    await rejects(openDatabase(new MemoryBlockStore(), { kms: env.app, create: false }), Error, /create is false/);
    await rejects(
      openDatabase(new MemoryBlockStore(), { kms: env.app, create: 'yes' }),
      TypeError,
      /create must be a boolean/,
    );
  },
);

const faults = suite('atrest/sqlite: one injected store fault in a transaction');

faults(
  'EIO at any write or flush of a commit: SQLite reports it or commits; a reopen has the old rows or the new, integrity ok',
  async () => {
    const env = setup();
    const base = new MemoryBlockStore();
    const made = await openDatabase(base, { kms: env.app });
    made.db.exec('CREATE TABLE ledger(id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
    insertRows(made.db, 200, 200);
    await made.close();
    const initial = await snapshot(base);
    const transaction = (db) => insertRows(db, 100, 100, 200);
    // How many writes and flushes the transaction makes when nothing fails.
    const probe = new FaultyBlockStore(new MemoryBlockStore(initial));
    const counted = await openDatabase(probe, { kms: env.app });
    probe.arm('none', 0);
    transaction(counted.db);
    const { writes, flushes } = probe;
    await counted.close();
    assert.ok(writes > 2 && flushes > 2, `the transaction writes (${writes}) and flushes (${flushes})`);
    const plans = [];
    for (let n = 1; n <= writes; n++) for (const tear of [0, 512]) plans.push(['write', n, tear]);
    for (let n = 1; n <= flushes; n++) plans.push(['flush', n, 0]);
    let sawFailure = false;
    for (const [on, n, tear] of plans) {
      const label = `fault at ${on} ${n}${tear ? ' (torn)' : ''}`;
      const inner = new MemoryBlockStore(initial);
      const store = new FaultyBlockStore(inner);
      const edb = await openDatabase(store, { kms: env.app });
      store.arm(on, n, tear);
      let failed = false;
      try {
        transaction(edb.db);
      } catch (e) {
        failed = true;
        // oo1's transaction() answers a failed COMMIT with a ROLLBACK, whose own error it throws.
        assert.is(e?.name, 'SQLite3Error', `${label}: SQLite reports the failure (${e?.message})`);
      }
      assert.ok(store.faulted, `${label}: the fault was hit`);
      sawFailure ||= failed;
      await edb.close().catch(() => undefined);
      const again = await openDatabase(inner, { kms: env.app });
      try {
        assert.is(again.db.selectValue('PRAGMA integrity_check'), 'ok', `${label}: integrity`);
        const count = again.db.selectValue('SELECT count(*) FROM ledger');
        if (failed) assert.ok(count === 200 || count === 300, `${label}: old or new rows, got ${count}`);
        else assert.is(count, 300, `${label}: a transaction reported committed is there`);
      } finally {
        await again.close();
      }
    }
    assert.ok(sawFailure, 'some fault made the transaction fail');
  },
);

rows.run();
modes.run();
keys.run();
faults.run();
