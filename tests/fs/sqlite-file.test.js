// atrest/sqlite on a file path (Node, Deno): openDatabase(path) makes a FileBlockStore; the file
// is one opaque container, and a reopen in a new store reads the rows; a missing file with
// create: false is ENOENT. Writes only under ATREST_TEST_TMPDIR.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { openDatabase } from '../../dist/sqlite/index.js';
import { rejects, setup } from '../_lib/envelope.js';
import { assertOpaque, checkRows, insertRows } from '../_lib/sqlite.js';

const base = process.env.ATREST_TEST_TMPDIR || tmpdir();
let dir;
const rows = suite('atrest/sqlite on a file');
rows.before(async () => {
  dir = await mkdtemp(join(base, 'atrest-sqlite-'));
});
rows.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

rows('on a file path: the file is one opaque container; reopen in a new store reads the rows', async () => {
  const env = setup();
  const path = join(dir, 'ledger.atrest');
  const edb = await openDatabase(path, { kms: env.app });
  edb.db.exec('CREATE TABLE ledger(id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
  insertRows(edb.db, 2000, 250);
  await edb.close();
  assertOpaque(new Uint8Array(await readFile(path)), 'the file');
  const again = await openDatabase(path, { kms: env.app, create: false });
  checkRows(again.db, 2000);
  await again.close();
  await rejects(
    openDatabase(join(dir, 'missing.atrest'), { kms: env.app, create: false }),
    Error,
    /ENOENT|no such file/,
  );
});

rows.run();
