// `atrest sql` (issue 15): creates an encrypted database when the file is missing (under --key
// and --context), runs statements from the command line or stdin, prints rows as tables or one
// JSON object per row, --export writes a standard SQLite file (python3 reads it), --import makes
// an encrypted database from one; SQL errors, a principal the key refuses, a wrong context and a
// foreign file fail cleanly with their exit codes; without the optional @sqlite.org/sqlite-wasm
// the command says how to install it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';
import { appOnlyPolicy } from '../_lib/envelope.js';
import { assertCleanFailure, BIN, hasTool, jsonLines, makeSandbox, ROOT, runJson, runProcess } from './cli-harness.js';

let sb;
const cli = suite('cli: atrest sql');
cli.before(async () => {
  sb = await makeSandbox('atrest-cli-sql-');
  await runJson(sb, ['keys', 'create', '--alias', 'alias/books']);
});
cli.after(async () => {
  await sb.remove();
});

cli('creates the database, runs statements, prints tables and JSON rows; the file is opaque', async () => {
  const db = sb.path('books.atrest');
  const made = await sb.run([
    'sql',
    db,
    'CREATE TABLE books(id INTEGER PRIMARY KEY, title TEXT, secret TEXT)',
    "INSERT INTO books(title, secret) VALUES ('Dune', 'spice-melange'), ('Emma', NULL)",
    '--key',
    'alias/books',
    '--context',
    'app=library',
  ]);
  assert.is(made.code, 0, made.stderr);
  assert.match(made.stderr, /created the encrypted database .* under alias\/books/);
  const r = await sb.run([
    'sql',
    db,
    'SELECT id, title, secret FROM books ORDER BY id',
    'SELECT count(*) AS n FROM books',
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n'), [
    'id  title  secret',
    '1   Dune   spice-melange',
    '2   Emma   NULL',
    '',
    'n',
    '2',
  ]);
  const json = await sb.run([
    'sql',
    db,
    'SELECT id, title FROM books ORDER BY id',
    '--json',
    '--context',
    'app=library',
  ]);
  assert.is(json.code, 0, json.stderr);
  assert.equal(jsonLines(json.stdout), [
    { id: 1, title: 'Dune' },
    { id: 2, title: 'Emma' },
  ]);
  const piped = await sb.run(['sql', db], {
    input: "INSERT INTO books(title) VALUES ('Ulysses; a novel');\nSELECT title FROM books WHERE id = 3;",
  });
  assert.is(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout.trim().split('\n'), ['title', 'Ulysses; a novel']);
  const raw = new TextDecoder('latin1').decode(await readFile(db));
  for (const needle of ['SQLite format 3', 'books', 'Dune', 'spice-melange', 'Ulysses'])
    assert.not.ok(raw.includes(needle), `the database file holds ${needle} in clear`);
});

cli('--export writes a standard SQLite file python3 reads; --import makes an encrypted database from one', async () => {
  const db = sb.path('export-src.atrest');
  assert.is((await sb.run(['sql', db, "CREATE TABLE t(v); INSERT INTO t VALUES ('one'), ('two')"])).code, 0);
  const plain = sb.path('plain.db');
  const ex = await runJson(sb, ['sql', db, '--export', plain]);
  assert.is(ex.exportedTo, plain);
  assert.is(new TextDecoder().decode((await readFile(plain)).subarray(0, 15)), 'SQLite format 3');
  if (await hasTool('/usr/bin/python3', 'atrest sql --export read by python3')) {
    const py = await runProcess('/usr/bin/python3', [
      '-c',
      'import sqlite3, sys, json; c = sqlite3.connect(sys.argv[1]); print(json.dumps([c.execute("PRAGMA integrity_check").fetchone()[0], c.execute("SELECT v FROM t ORDER BY v").fetchall()]))',
      plain,
    ]);
    assert.equal(JSON.parse(py.stdout), ['ok', [['one'], ['two']]]);
  }
  const imported = sb.path('imported.atrest');
  const im = await runJson(sb, ['sql', imported, '--import', plain, '--key', 'alias/books']);
  assert.equal(im.tables, ['t']);
  const back = await sb.run(['sql', imported, 'SELECT v FROM t ORDER BY v', '--json']);
  assert.equal(
    jsonLines(back.stdout).map((r) => r.v),
    ['one', 'two'],
  );
  assertCleanFailure(assert, await sb.run(['sql', imported, '--import', plain]), 1, /exists; --import makes a new/);
  assertCleanFailure(assert, await sb.run(['sql', sb.path('nope.atrest'), '--export', plain]), 1, /no such database/);
  assertCleanFailure(assert, await sb.run(['sql', db, 'SELECT 1', '--export', plain]), 1, /take no SQL statements/);
});

const ADMIN = 'arn:aws:iam::111122223333:role/admin';
const APP = 'arn:aws:iam::111122223333:role/app';
const READER = 'arn:aws:iam::111122223333:role/reader';

cli('failures: bad SQL (1), a principal without Decrypt (2), a wrong context (3), a foreign file (3)', async () => {
  const policy = appOnlyPolicy({
    admin: ADMIN,
    app: APP,
    appActions: ['kms:DescribeKey', 'kms:GenerateDataKey*', 'kms:Decrypt'],
  });
  await writeFile(sb.path('policy.json'), policy);
  await runJson(sb, ['keys', 'create', '--alias', 'alias/guarded', '--policy', sb.path('policy.json'), '--as', ADMIN]);
  const db = sb.path('fail.atrest');
  const asApp = ['--as', APP];
  const made = await sb.run(['sql', db, 'CREATE TABLE t(v)', '--key', 'alias/guarded', '--context', 'app=a', ...asApp]);
  assert.is(made.code, 0, made.stderr);
  assertCleanFailure(assert, await sb.run(['sql', db, 'SELEC 1', ...asApp]), 1, /sql: .*syntax error/);
  assertCleanFailure(assert, await sb.run(['sql', db, 'SELECT 1', '--as', READER]), 2, /not authorized|denied/i);
  assertCleanFailure(assert, await sb.run(['sql', db, 'SELECT 1', '--context', 'app=b', ...asApp]), 3, /context/);
  const foreign = sb.path('foreign.bin');
  await writeFile(foreign, new Uint8Array(70_000).fill(7));
  assertCleanFailure(assert, await sb.run(['sql', foreign, 'SELECT 1']), 3, /atrest header|not an atrest/);
});

cli('without the optional @sqlite.org/sqlite-wasm, atrest sql says how to install it', async () => {
  // A copy of the package whose node_modules holds every dependency except the SQLite build.
  const pkg = sb.path('pkg');
  await mkdir(join(pkg, 'node_modules', '@sqlite.org'), { recursive: true });
  // Copies, not links: Node resolves a linked module's imports from its real path.
  for (const entry of ['dist', 'bin', 'package.json'])
    await cp(join(ROOT, entry), join(pkg, entry), { recursive: true });
  for (const name of await readdir(join(ROOT, 'node_modules'))) {
    if (name === '@sqlite.org' || name === '.bin') continue;
    await symlink(join(ROOT, 'node_modules', name), join(pkg, 'node_modules', name));
  }
  const r = await runProcess(
    process.execPath,
    [join(pkg, 'bin', 'atrest.js'), 'sql', sb.path('x.atrest'), 'SELECT 1'],
    {
      env: sb.env,
      cwd: sb.dir,
    },
  );
  assert.ok(BIN.length > 0);
  assertCleanFailure(
    assert,
    r,
    1,
    /needs the optional package @sqlite\.org\/sqlite-wasm: npm install @sqlite\.org\/sqlite-wasm@3\.54\.1-build1/,
  );
});

cli.run();
