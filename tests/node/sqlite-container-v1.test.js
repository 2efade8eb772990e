// An atrest/sqlite container of version 1 — made by atrest before per-file keys, every file
// under the volume's one sector key (tests/vectors/sqlite-v1, see tests/vectors/README.md) —
// opens with today's code: through the CLI the rows and integrity_check are as they were made,
// new rows are written and read back, and the container stays version 1 (its files keep the
// volume's key; a version-2 reader that mixed keys would garble them). Node only (files).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir } from 'node:fs/promises';
import { LocalKms, Volume } from '../../dist/index.js';
import { FileBlockStore, FileKeystore } from '../../dist/fs/index.js';
import { jsonLines, makeSandbox } from './cli-harness.js';

const FIXTURE = new URL('../vectors/sqlite-v1/', import.meta.url);
const FIXTURE_ROOT_KEY = '5a'.repeat(32);

let sb;
const v1 = suite('atrest/sqlite: a version-1 container');
v1.before(async () => {
  sb = await makeSandbox('atrest-sqlite-v1-');
  await mkdir(sb.home, { recursive: true });
  await copyFile(new URL('keystore', FIXTURE), `${sb.home}/keystore`);
  await copyFile(new URL('notes.db', FIXTURE), sb.path('notes.db'));
});
v1.after(async () => {
  await sb.remove();
});

const env = () => ({ env: { ATREST_ROOT_KEY: FIXTURE_ROOT_KEY } });

v1('opens, reads its rows, writes more and passes integrity_check', async () => {
  const rows = await sb.run(['sql', sb.path('notes.db'), 'SELECT id, body FROM notes ORDER BY id', '--json'], env());
  assert.is(rows.code, 0, rows.stderr);
  assert.equal(jsonLines(rows.stdout), [
    { id: 1, body: 'made by atrest 0.1.0 before per-file keys' },
    { id: 2, body: 'second row!' },
  ]);
  const write = await sb.run(
    [
      'sql',
      sb.path('notes.db'),
      "WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < 400) INSERT INTO notes(body) SELECT 'row ' || i FROM n",
    ],
    env(),
  );
  assert.is(write.code, 0, write.stderr);
  const check = await sb.run(
    [
      'sql',
      sb.path('notes.db'),
      'PRAGMA integrity_check; SELECT count(*) AS n, max(body) AS last FROM notes',
      '--json',
    ],
    env(),
  );
  assert.is(check.code, 0, check.stderr);
  assert.equal(jsonLines(check.stdout), [{ integrity_check: 'ok' }, { n: 400, last: 'second row!' }]);
});

v1('stays version 1 after today’s code wrote to it', async () => {
  const keystore = await FileKeystore.open(`${sb.home}/keystore`, { rootKey: Buffer.from(FIXTURE_ROOT_KEY, 'hex') });
  const local = new LocalKms({ keystore });
  const store = await FileBlockStore.open(sb.path('notes.db'));
  try {
    const vol = await Volume.open(store, { kms: local.as(`arn:aws:iam::${local.accountId}:root`), readOnly: true });
    assert.equal(vol.metadata, { format: 'atrest/sqlite', version: 1 });
    const magic = new TextDecoder().decode(vol.readSync(0, 8));
    const other = new TextDecoder().decode(vol.readSync(65536, 8));
    assert.ok([magic, other].includes('ATSQLFS1'), 'the table under the volume key, magic ATSQLFS1');
    await vol.close();
  } finally {
    await store.close();
    await keystore.close();
  }
});

v1.run();
