// `atrest luks …`: format (passphrase and/or atrest-kms token), dump, write, read, add-key,
// remove-key on image files, the exit codes (1 usage, 2 refused: wrong passphrase, key policy;
// 3 corrupt or foreign input), and cryptsetup opening what the CLI made.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { assertCleanFailure, makeSandbox, runJson } from './cli-harness.js';

const CRYPTSETUP = '/usr/sbin/cryptsetup';
let sb;
const t = suite('cli: atrest luks');
t.before(async () => {
  sb = await makeSandbox('atrest-cli-luks-');
  await runJson(sb, ['keys', 'create', '--alias', 'alias/disk']);
  await writeFile(sb.path('pw'), 'hunter2');
  await writeFile(sb.path('new'), 'second passphrase');
  await writeFile(sb.path('bad'), 'wrong');
});
t.after(async () => {
  await sb.remove();
});

t(
  'format with a token and a passphrase; write and read through the token; cryptsetup accepts the passphrase',
  async () => {
    const f = await runJson(sb, [
      'luks',
      'format',
      sb.path('a.img'),
      '--size',
      '262144',
      '--sector-size',
      '4096',
      '--key',
      'alias/disk',
      '--context',
      'host=db1',
      '--passphrase-file',
      sb.path('pw'),
      '--pbkdf',
      'pbkdf2',
    ]);
    assert.is(f.sectorSize, 4096);
    assert.equal(
      f.keyslots.map((k) => k.kdf),
      ['pbkdf2', 'pbkdf2'],
    );
    assert.equal(f.tokens, [{ id: '0', type: 'atrest-kms', keyslots: ['1'] }]);
    const d = await runJson(sb, ['luks', 'dump', sb.path('a.img')]);
    assert.equal(d.metadata.tokens['0'].encryption_context, { host: 'db1', 'atrest:luks': f.uuid });
    const plain = randomBytes(100_000);
    await writeFile(sb.path('in.bin'), plain);
    const w = await runJson(sb, ['luks', 'write', sb.path('a.img'), sb.path('in.bin'), '--offset', '5000']);
    assert.is(w.bytes, 100_000);
    const r = await runJson(sb, ['luks', 'read', sb.path('a.img'), sb.path('out.bin')]);
    assert.is(r.keyslot, '1', 'through the token');
    const out = await readFile(sb.path('out.bin'));
    assert.is(out.length, 262144);
    assert.ok(out.subarray(5000, 105_000).equals(plain));
    const byPass = await runJson(sb, [
      'luks',
      'read',
      sb.path('a.img'),
      sb.path('out2.bin'),
      '--passphrase-file',
      sb.path('pw'),
    ]);
    assert.is(byPass.keyslot, '0');
    assert.ok((await readFile(sb.path('out2.bin'))).equals(out));
    const cs = spawnSync(CRYPTSETUP, ['open', '--test-passphrase', '--key-file', sb.path('pw'), sb.path('a.img')]);
    assert.is(cs.status, 0, cs.stderr.toString());
  },
);

t('a detached header (--header): format, write, dump; cryptsetup decrypts the data file with that header', async () => {
  await runJson(sb, [
    'luks',
    'format',
    sb.path('d.data'),
    '--size',
    '65536',
    '--sector-size',
    '2048',
    '--header',
    sb.path('d.hdr'),
    '--passphrase-file',
    sb.path('pw'),
    '--pbkdf',
    'pbkdf2',
  ]);
  const plain = randomBytes(65536);
  await writeFile(sb.path('d.in'), plain);
  await runJson(sb, [
    'luks',
    'write',
    sb.path('d.data'),
    sb.path('d.in'),
    '--header',
    sb.path('d.hdr'),
    '--passphrase-file',
    sb.path('pw'),
  ]);
  const d = await runJson(sb, ['luks', 'dump', sb.path('d.data'), '--header', sb.path('d.hdr')]);
  assert.is(d.dataOffset, 0);
  assert.is(d.sectorSize, 2048);
  const cs = spawnSync(CRYPTSETUP, [
    'reencrypt',
    '--decrypt',
    '--force-offline-reencrypt',
    '-q',
    '--batch-mode',
    '--header',
    sb.path('d.hdr'),
    '--key-file',
    sb.path('pw'),
    sb.path('d.data'),
  ]);
  assert.is(cs.status, 0, cs.stderr.toString());
  assert.ok((await readFile(sb.path('d.data'))).equals(plain));
});

t('add-key and remove-key; exit codes 1, 2, 3 with clean messages', async () => {
  await runJson(sb, [
    'luks',
    'format',
    sb.path('b.img'),
    '--size',
    '65536',
    '--passphrase-file',
    sb.path('pw'),
    '--pbkdf',
    'pbkdf2',
  ]);
  const added = await runJson(sb, [
    'luks',
    'add-key',
    sb.path('b.img'),
    '--new-passphrase-file',
    sb.path('new'),
    '--passphrase-file',
    sb.path('pw'),
    '--pbkdf',
    'pbkdf2',
  ]);
  assert.is(added.keyslot, '1');
  const token = await runJson(sb, [
    'luks',
    'add-key',
    sb.path('b.img'),
    '--key',
    'alias/disk',
    '--passphrase-file',
    sb.path('new'),
  ]);
  assert.equal(token, { token: '0', keyslot: '2' });
  await runJson(sb, ['luks', 'remove-key', sb.path('b.img'), '--keyslot', '0']);
  assertCleanFailure(
    assert,
    await sb.run(['luks', 'read', sb.path('b.img'), sb.path('x'), '--passphrase-file', sb.path('pw')]),
    2,
    /no keyslot opens/,
  );
  assert.is(
    (await runJson(sb, ['luks', 'read', sb.path('b.img'), sb.path('x'), '--passphrase-file', sb.path('new')])).keyslot,
    '1',
  );
  assertCleanFailure(
    assert,
    await sb.run(['luks', 'read', sb.path('b.img'), sb.path('y'), '--as', 'arn:aws:iam::444455556666:user/eve']),
    2,
    /neither the key policy nor a grant allows it/,
  );
  assertCleanFailure(
    assert,
    await sb.run(['luks', 'format', sb.path('c.img'), '--size', '65536']),
    1,
    /--key KMS-KEY, --passphrase-file FILE, or both/,
  );
  assertCleanFailure(
    assert,
    await sb.run(['luks', 'format', sb.path('b.img'), '--size', '65536', '--passphrase-file', sb.path('pw')]),
    1,
    /not empty/,
  );
  assertCleanFailure(
    assert,
    await sb.run(['luks', 'format', sb.path('c.img'), '--size', '1000', '--passphrase-file', sb.path('pw')]),
    1,
    /multiple of the sector size/,
  );
  assertCleanFailure(
    assert,
    await sb.run(['luks', 'remove-key', sb.path('b.img'), '--keyslot', '9']),
    1,
    /does not exist/,
  );
  assertCleanFailure(assert, await sb.run(['luks', 'dump', sb.path('pw')]), 3, /not a LUKS device/);
  const bytes = await readFile(sb.path('b.img'));
  bytes[4200] ^= 1;
  bytes[16384 + 4200] ^= 1;
  await writeFile(sb.path('broken.img'), bytes);
  assertCleanFailure(assert, await sb.run(['luks', 'dump', sb.path('broken.img')]), 3, /no intact copy/);
});

t.run();
