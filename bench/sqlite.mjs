#!/usr/bin/env node
// `npm run bench:sqlite`: one fixed SQLite workload — bulk inserts in transactions, point selects
// by primary key, range scans, updates in transactions — in one run, on three setups of the same
// @sqlite.org/sqlite-wasm build:
//   atrest     atrest/sqlite: the container in an encrypted Volume on a MemoryBlockStore
//   plain VFS  the same VFS and container file system on the same MemoryBlockStore, without the
//              Volume's encryption (the fair baseline: it isolates what encryption costs)
//   :memory:   SQLite's own in-memory database (no VFS at all: the floor)
// and the key-service calls per open. Ratios are atrest / plain VFS and atrest / :memory:
// (operations per second; ≥ 0.6× plain is the target). sqlite3mc (SQLCipher, chacha20)
// is not measured: its wasm build is not a dependency of this project.
//   npm run bench:sqlite [-- --rows 20000]
import process from 'node:process';
import { loadavg } from 'node:os';
import { LocalKms, MemoryBlockStore, MemoryKeystore } from '../dist/index.js';
import { EncryptedDatabase, loadSqlite, openDatabase } from '../dist/sqlite/index.js';
import { ContainerFs } from '../dist/sqlite/container-fs.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROWS = arg('rows', 20_000);
const PER_TXN = 1000;
const POINTS = 5000;
const SCANS = 300;
const UPDATES = 3000;

/** A stand-in for a Volume with the container's sync calls straight on the store (no XTS). */
function plainVolume(store) {
  return {
    get size() {
      return store.sizeSync();
    },
    sectorSize: 4096,
    volumeId: 'plain',
    readSync: (o, l) => store.readSync(o, l),
    writeSync: (o, b) => store.writeSync(o, b),
    flushSync: () => store.flushSync(),
    close: async () => {},
  };
}

function workload(db) {
  const t = {};
  let start = performance.now();
  db.exec('CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, note TEXT)');
  for (let base = 0; base < ROWS; base += PER_TXN) {
    db.transaction(() => {
      const s = db.prepare('INSERT INTO items VALUES (?, ?, ?, ?)');
      for (let id = base; id < base + PER_TXN; id++) s.bind([id, `item-${id}`, id % 97, 'n'.repeat(60)]).stepReset();
      s.finalize();
    });
  }
  t.insert = ROWS / ((performance.now() - start) / 1000);
  start = performance.now();
  const point = db.prepare('SELECT name FROM items WHERE id = ?');
  for (let i = 0; i < POINTS; i++) {
    point.bind([(i * 7919) % ROWS]).step();
    point.reset();
  }
  point.finalize();
  t.point = POINTS / ((performance.now() - start) / 1000);
  start = performance.now();
  const range = db.prepare('SELECT sum(qty) FROM items WHERE id BETWEEN ? AND ?');
  for (let i = 0; i < SCANS; i++) {
    const from = (i * 104729) % (ROWS - 100);
    range.bind([from, from + 99]).step();
    range.reset();
  }
  range.finalize();
  t.scan = SCANS / ((performance.now() - start) / 1000);
  start = performance.now();
  for (let base = 0; base < UPDATES; base += 100) {
    db.transaction(() => {
      const s = db.prepare('UPDATE items SET qty = qty + 1 WHERE id = ?');
      for (let i = base; i < base + 100; i++) s.bind([(i * 6151) % ROWS]).stepReset();
      s.finalize();
    });
  }
  t.update = UPDATES / ((performance.now() - start) / 1000);
  return t;
}

const sqlite3 = await loadSqlite();
const kms = new LocalKms({ keystore: new MemoryKeystore() });
let decrypts = 0;
const app = kms.as('arn:aws:iam::111122223333:role/app');
const counted = new Proxy(app, {
  get: (target, name) =>
    name === 'decrypt'
      ? (req) => {
          decrypts += 1;
          return target.decrypt(req);
        }
      : Reflect.get(target, name),
});

const results = {};
{
  const store = new MemoryBlockStore();
  const edb = await openDatabase(store, { kms: app });
  results.atrest = workload(edb.db);
  await edb.close();
  const before = decrypts;
  const again = await openDatabase(store, { kms: counted });
  again.db.exec('PRAGMA journal_mode=WAL');
  again.db.exec("UPDATE items SET note = 'x' WHERE id < 10");
  again.db.exec('PRAGMA journal_mode=DELETE');
  await again.close();
  results.kmsCallsPerOpen = decrypts - before;
}
{
  const volume = plainVolume(new MemoryBlockStore());
  const edb = new EncryptedDatabase(sqlite3, volume, ContainerFs.open(volume), undefined);
  results.plain = workload(edb.db);
  await edb.close();
}
{
  const db = new sqlite3.oo1.DB(':memory:');
  results.memory = workload(db);
  db.close();
}

const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(10);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`.padStart(7);
console.log(
  `bench:sqlite — SQLite ${sqlite3.version.libVersion} (wasm), ${ROWS} rows, load ${loadavg()[0].toFixed(1)}; operations per second`,
);
console.log(
  `${'operation'.padEnd(30)}${'atrest'.padStart(10)}${'plain VFS'.padStart(10)}${':memory:'.padStart(10)}  vs plain  vs :memory:`,
);
const rowsOf = {
  [`insert (transactions of ${PER_TXN})`]: 'insert',
  'point select by primary key': 'point',
  'range scan (100 rows)': 'scan',
  'update (transactions of 100)': 'update',
};
for (const [label, key] of Object.entries(rowsOf)) {
  const a = results.atrest[key];
  console.log(
    `${label.padEnd(30)}${fmt(a)}${fmt(results.plain[key])}${fmt(results.memory[key])}  ${ratio(a, results.plain[key])}  ${ratio(a, results.memory[key])}`,
  );
}
console.log(`key-service calls per open (reopen, then WAL and DELETE transactions): ${results.kmsCallsPerOpen}`);
