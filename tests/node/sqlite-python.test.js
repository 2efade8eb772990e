// atrest/sqlite interop with Debian's python3 and its sqlite3 module (the system SQLite, not
// the wasm build): an exported plain file passes `PRAGMA integrity_check` there and returns the
// same rows; a database python3 made, imported, reads back the same rows here and exports
// again byte-for-byte readable. From every journal mode (a WAL database exports as one file).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBlockStore } from '../../dist/index.js';
import { importPlain, openDatabase } from '../../dist/sqlite/index.js';
import { hasTool, runProcess } from './cli-harness.js';
import { rejects, setup } from '../_lib/envelope.js';

const PYTHON = '/usr/bin/python3';
const interop = suite('atrest/sqlite ↔ python3 sqlite3');
let dir;
interop.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atrest-sqlite-py-'));
});
interop.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs python3 on `script` with `args`; its stdout parsed as JSON. */
async function python(script, ...args) {
  const r = await runProcess(PYTHON, ['-c', script, ...args]);
  if (r.code !== 0) throw new Error(`python3 exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const READ = `
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
check = con.execute('PRAGMA integrity_check').fetchone()[0]
rows = con.execute('SELECT id, name, amount FROM payments ORDER BY id').fetchall()
print(json.dumps({'check': check, 'rows': rows, 'mode': con.execute('PRAGMA journal_mode').fetchone()[0]}))
`;

const MAKE = `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute('CREATE TABLE payments(id INTEGER PRIMARY KEY, name TEXT, amount REAL)')
con.executemany('INSERT INTO payments VALUES (?, ?, ?)', [(i, 'payee %d' % i, i * 1.25) for i in range(1, 1501)])
con.commit()
con.close()
print('{}')
`;

const expectedRows = (n) => Array.from({ length: n }, (_, k) => [k + 1, `payee ${k + 1}`, (k + 1) * 1.25]);

for (const mode of ['DELETE', 'WAL']) {
  interop(`${mode}: exportPlain → python3 integrity_check ok, same rows`, async () => {
    if (!(await hasTool(PYTHON, 'atrest/sqlite interop with python3'))) return;
    const env = setup();
    const edb = await openDatabase(new MemoryBlockStore(), { kms: env.app });
    edb.db.exec(`PRAGMA journal_mode=${mode}`);
    edb.db.exec('CREATE TABLE payments(id INTEGER PRIMARY KEY, name TEXT, amount REAL)');
    edb.db.transaction(() => {
      for (let i = 1; i <= 1500; i++)
        edb.db.exec({ sql: 'INSERT INTO payments VALUES (?, ?, ?)', bind: [i, `payee ${i}`, i * 1.25] });
    });
    const plain = join(dir, `export-${mode}.db`);
    await edb.exportPlain(plain);
    await edb.close();
    const bytes = new Uint8Array(await readFile(plain));
    assert.is(new TextDecoder().decode(bytes.subarray(0, 15)), 'SQLite format 3');
    const got = await python(READ, plain);
    assert.is(got.check, 'ok');
    assert.is(got.mode, 'delete', 'the export is a rollback-journal database');
    assert.equal(got.rows, expectedRows(1500));
  });
}

interop('a database python3 made: importPlain → same rows here, and back out to python3', async () => {
  if (!(await hasTool(PYTHON, 'atrest/sqlite interop with python3'))) return;
  const env = setup();
  const made = join(dir, 'made-by-python.db');
  await python(MAKE, made);
  const store = new MemoryBlockStore();
  const edb = await importPlain(made, store, { kms: env.app });
  assert.is(edb.db.selectValue('PRAGMA integrity_check'), 'ok');
  const rows = edb.db.selectArrays('SELECT id, name, amount FROM payments ORDER BY id');
  assert.equal(rows, expectedRows(1500));
  await edb.close();
  const raw = new TextDecoder('latin1').decode(await store.read(0, await store.size()));
  assert.not.ok(raw.includes('payee') || raw.includes('SQLite format 3'), 'the imported container is opaque');
  const again = await openDatabase(store, { kms: env.app, create: false });
  const back = join(dir, 'back.db');
  await again.exportPlain(back);
  await again.close();
  assert.equal((await python(READ, back)).rows, expectedRows(1500));
  await rejects(importPlain(made, store, { kms: env.app }), RangeError, /not empty/);
  await rejects(
    importPlain(new MemoryBlockStore(new Uint8Array(100)), new MemoryBlockStore(), { kms: env.app }),
    RangeError,
    /not a SQLite database/,
  );
});

interop.run();
