// The same launcher under Deno (`deno run -A bin/atrest.js …`, Deno from the npm package):
// a key store created, a key made, a file encrypted by Deno and decrypted by Node and back, an
// exit code for a refused call, progress on a pseudo-terminal, without -A a one-line message
// naming the missing permission, and an `atrest sql` database shared by both runtimes. Skipped
// when Deno is missing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertCleanFailure, BIN, hasTool, jsonLines, makeSandbox, ROOT, runProcess } from './cli-harness.js';

const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
const test = suite('cli: under Deno');
let sb;
const deno = (args, options = {}) =>
  runProcess(DENO, ['run', '-A', BIN, ...args], {
    env: { ...sb.env, ...options.env },
    cwd: sb.dir,
    input: options.input,
  });

test.before(async () => {
  sb = await makeSandbox('atrest-cli-deno-');
});
test.after(async () => {
  await sb.remove();
});

test('keys, encrypt in Deno / decrypt in Node and the reverse, exit codes', async () => {
  if (!(await hasTool(DENO, 'the CLI under Deno'))) return;
  const created = await deno(['keys', 'create', '--alias', 'alias/deno', '--json']);
  assert.is(created.code, 0, created.stderr);
  assert.match(created.stderr, 'created the key store');
  assert.is(JSON.parse(created.stdout).AliasName, 'alias/deno');
  const listed = await deno(['keys', 'list']);
  assert.match(listed.stdout, 'alias/deno');

  const plain = randomBytes(300_000);
  await writeFile(sb.path('p.bin'), plain);
  assert.is((await deno(['encrypt', 'p.bin', 'p.atrest', '--key', 'alias/deno', '--context', 'by=deno'])).code, 0);
  const viaNode = await sb.run(['decrypt', 'p.atrest', 'p.node']);
  assert.is(viaNode.code, 0, viaNode.stderr);
  assert.ok(Buffer.compare(await readFile(sb.path('p.node')), plain) === 0);
  assert.is((await sb.run(['encrypt', 'p.bin', 'q.atrest', '--key', 'alias/deno'])).code, 0);
  const viaDeno = await deno(['decrypt', 'q.atrest', 'q.deno']);
  assert.is(viaDeno.code, 0, viaDeno.stderr);
  assert.ok(Buffer.compare(await readFile(sb.path('q.deno')), plain) === 0);

  assertCleanFailure(assert, await deno(['keys', 'describe', 'alias/none']), 2, /alias\/none/);
  assertCleanFailure(assert, await deno(['keys', 'frob']), 1, /"keys" takes/);
  await writeFile(sb.path('junk.bin'), randomBytes(9000));
  assertCleanFailure(assert, await deno(['decrypt', 'junk.bin', 'junk.out']), 3, /atrest header/);
  const audit = await deno(['audit', '--json']);
  assert.ok(JSON.parse(audit.stdout).Records.some((r) => r.eventName === 'GenerateDataKeyWithoutPlaintext'));
});

test('luks: an image formatted in Deno (token + passphrase) is written by Node and read back in Deno through the token', async () => {
  if (!(await hasTool(DENO, 'the CLI under Deno'))) return;
  assert.is((await deno(['keys', 'create', '--alias', 'alias/luks'])).code, 0);
  await writeFile(sb.path('pw'), 'deno passphrase');
  const f = await deno([
    'luks',
    'format',
    'd.img',
    '--size',
    '65536',
    '--key',
    'alias/luks',
    '--passphrase-file',
    'pw',
    '--pbkdf',
    'pbkdf2',
    '--json',
  ]);
  assert.is(f.code, 0, f.stderr);
  assert.equal(JSON.parse(f.stdout).tokens, [{ id: '0', type: 'atrest-kms', keyslots: ['1'] }]);
  const plain = randomBytes(40_000);
  await writeFile(sb.path('l.bin'), plain);
  const w = await sb.run(['luks', 'write', 'd.img', 'l.bin', '--offset', '100', '--passphrase-file', 'pw']);
  assert.is(w.code, 0, w.stderr);
  const r = await deno(['luks', 'read', 'd.img', 'd.out', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).keyslot, '1');
  assert.ok(Buffer.compare((await readFile(sb.path('d.out'))).subarray(100, 40_100), plain) === 0);
  await writeFile(sb.path('bad'), 'nope');
  assertCleanFailure(
    assert,
    await deno(['luks', 'read', 'd.img', 'e.out', '--passphrase-file', 'bad']),
    2,
    /no keyslot opens/,
  );
});

test('progress on a pseudo-terminal under Deno too', async () => {
  if (!(await hasTool(DENO, 'the CLI under Deno'))) return;
  if (!(await hasTool('script', 'the passphrase prompt under Deno'))) return;
  await writeFile(sb.path('big.bin'), randomBytes(12 * 1024 * 1024));
  const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const r = await runProcess(
    'script',
    ['-qfec', [DENO, 'run', '-A', BIN, 'encrypt', 'big.bin', 'big.atrest'].map(quote).join(' '), '/dev/null'],
    { env: sb.env, cwd: sb.dir },
  );
  assert.is(r.code, 0, r.stdout);
  assert.match(r.stdout, /encrypting .* MiB\/s\s+ETA/);
});

test('without -A: one line naming the permission Deno refused and the command line that has them, exit 1, no stack trace (issue 12 item 23)', async () => {
  if (!(await hasTool(DENO, 'the CLI under Deno'))) return;
  const home = sb.path('perm-home');
  const run = (permissions, args) =>
    runProcess(DENO, ['run', ...permissions, BIN, ...args], {
      env: { ...sb.env, ATREST_HOME: home, NO_COLOR: '1' },
      cwd: sb.dir,
    });
  const suggested = /run with: deno run --allow-read --allow-write --allow-env bin\/atrest\.js … .*or deno run -A/;
  const refused = async (permissions, args, flag, what) => {
    const r = await run(permissions, args);
    assertCleanFailure(assert, r, 1, new RegExp(`^atrest: Deno needs ${flag} \\(it refused ${what}`));
    assert.match(r.stderr, suggested);
    assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.not.match(r.stderr, /Uncaught|NotCapable|PermissionDenied/);
    assert.is(r.stdout, '');
  };
  await refused([], ['keys', 'list'], '--allow-env', 'env access');
  await refused(['--allow-env'], ['keys', 'list'], '--allow-read', 'read access');
  await refused(['--allow-env', '--allow-read'], ['keys', 'create'], '--allow-write', 'write access');
  await refused([], ['--version'], '--allow-read', 'read access to ".*package\\.json"');
  // The command line the message suggests is enough for the key store and files.
  const enough = ['--allow-read', '--allow-write', '--allow-env'];
  const created = await run(enough, ['keys', 'create', '--alias', 'alias/perm']);
  assert.is(created.code, 0, created.stderr);
  await writeFile(sb.path('perm.bin'), randomBytes(5000));
  assert.is((await run(enough, ['encrypt', 'perm.bin', 'perm.atrest', '--key', 'alias/perm'])).code, 0);
  const back = await run(enough, ['decrypt', 'perm.atrest', 'perm.out']);
  assert.is(back.code, 0, back.stderr);
  assert.ok(Buffer.compare(await readFile(sb.path('perm.out')), await readFile(sb.path('perm.bin'))) === 0);
});

test('atrest sql: a database made in Deno reads in Node and back (one container, either runtime)', async () => {
  if (!(await hasTool(DENO, 'the CLI under Deno'))) return;
  const made = await deno(['sql', 'shared.atrest', "CREATE TABLE t(v); INSERT INTO t VALUES ('from deno')"]);
  assert.is(made.code, 0, made.stderr);
  const viaNode = await sb.run([
    'sql',
    'shared.atrest',
    "INSERT INTO t VALUES ('from node')",
    'SELECT v FROM t ORDER BY rowid',
    '--json',
  ]);
  assert.is(viaNode.code, 0, viaNode.stderr);
  assert.equal(
    jsonLines(viaNode.stdout).map((r) => r.v),
    ['from deno', 'from node'],
  );
  const viaDeno = await deno(['sql', 'shared.atrest', 'SELECT count(*) AS n FROM t', '--json']);
  assert.is(viaDeno.code, 0, viaDeno.stderr);
  assert.equal(JSON.parse(viaDeno.stdout.trim()), { n: 2 });
});

test.run();
