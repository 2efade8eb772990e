// The CLI's key commands (keys, grants, policy, audit), the key store it creates on first use,
// usage errors, and exit codes: 0 ok, 1 usage, 2 access denied or key state. Each suite spawns
// bin/atrest.js with its own ATREST_HOME (tests/node/cli-harness.js).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile, readFile, stat, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import process from 'node:process';
import { assertCleanFailure, BIN, hasTool, makeSandbox, runJson, runProcess } from './cli-harness.js';

const ROLE_APP = 'arn:aws:iam::111122223333:role/app';
const ROLE_READER = 'arn:aws:iam::111122223333:role/reader';
// LocalKms treats a key policy naming the account root as allowing every principal of the
// account (AWS's "delegate to IAM", with no IAM here), so the keys under test name a key
// administrator role instead, and admin commands run --as it.
const ADMIN = 'arn:aws:iam::111122223333:role/admin';
const asAdmin = ['--as', ADMIN];
const adminPolicy = (...more) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'admin', Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' }, ...more],
});

// ---- key store ---------------------------------------------------------------------------------

const store = suite('cli: the key store');
let sb;
store.before.each(async () => {
  sb = await makeSandbox();
});
store.after.each(async () => {
  await sb.remove();
});

store(
  'parallel first commands on a fresh ATREST_HOME never replace a store another one created: every acknowledged key survives (issue 12 item 1)',
  async () => {
    for (let round = 0; round < 2; round++) {
      const home = sb.path(`race-${round}`);
      const runs = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          sb.run(['keys', 'create', '--description', `r${round}-${i}`, '--json'], { env: { ATREST_HOME: home } }),
        ),
      );
      const created = runs.filter((r) => r.code === 0).map((r) => JSON.parse(r.stdout).KeyMetadata.KeyId);
      // The others may be refused while the store is busy, but only with a clean error.
      for (const r of runs) if (r.code !== 0) assert.not.ok(/\n\s+at /.test(r.stderr), r.stderr);
      assert.ok(created.length >= 1, 'at least one create succeeded');
      const listed = await runJson(sb, ['keys', 'list'], { env: { ATREST_HOME: home } });
      const ids = new Set(listed.Keys.map((k) => k.KeyId));
      for (const id of created) assert.ok(ids.has(id), `round ${round}: key ${id} was acknowledged and then lost`);
    }
  },
);

store('--version, help, help <command>, keys --help: exit 0 with usage on stdout (issue 12 item 23)', async () => {
  const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = await sb.run(['--version']);
  assert.is(version.code, 0, version.stderr);
  assert.is(version.stdout, `atrest ${manifest.version}\n`);
  const help = await sb.run(['help']);
  assert.is(help.code, 0, help.stderr);
  assert.match(help.stdout, 'usage: atrest <command>');
  const helpCreate = await sb.run(['help', 'keys', 'create']);
  assert.is(helpCreate.code, 0, helpCreate.stderr);
  assert.match(helpCreate.stdout, 'usage: atrest keys create');
  const keysHelp = await sb.run(['keys', '--help']);
  assert.is(keysHelp.code, 0, keysHelp.stderr);
  assert.match(keysHelp.stdout, 'usage: atrest keys create');
  assert.match(keysHelp.stdout, 'usage: atrest keys list');
  assert.is(keysHelp.stderr, '');
  // None of these touched the key store.
  assert.not.ok(
    await stat(sb.home).then(
      () => true,
      () => false,
    ),
    'help created a key store',
  );
});

store('first use creates it and says where and how in one line; later uses say nothing', async () => {
  const first = await sb.run(['keys', 'list']);
  assert.is(first.code, 0, first.stderr);
  const lines = first.stderr.trim().split('\n');
  assert.is(lines.length, 1, first.stderr);
  assert.match(lines[0], `${sb.home}/keystore`);
  assert.match(lines[0], 'ATREST_ROOT_KEY');
  assert.ok((await stat(`${sb.home}/keystore`)).size > 0);
  const second = await sb.run(['keys', 'list']);
  assert.is(second.stderr, '');
  assert.match(second.stdout, 'no keys yet');
});

store('./.atrest/ in the working directory when ATREST_HOME is not set', async () => {
  const r = await sb.run(['keys', 'list'], { env: { ATREST_HOME: undefined } });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `${sb.dir}/.atrest/keystore`);
});

store('a passphrase from ATREST_PASSPHRASE; the wrong one is refused with exit 2', async () => {
  const env = { ATREST_ROOT_KEY: undefined, ATREST_PASSPHRASE: 'correct horse' };
  const created = await sb.run(['keys', 'create', '--alias', 'alias/p'], { env });
  assert.is(created.code, 0, created.stderr);
  assert.match(created.stderr, 'passphrase in ATREST_PASSPHRASE');
  assert.match(created.stderr, 'scrypt');
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'list'], { env: { ...env, ATREST_PASSPHRASE: 'wrong horse' } }),
    2,
    /passphrase|root key|secret/i,
  );
  const listed = await sb.run(['keys', 'list'], { env });
  assert.match(listed.stdout, 'alias/p');
});

store(
  'a wrong root key: exit 2; a malformed one: exit 1; no secret and no terminal: exit 1 naming the variables',
  async () => {
    assert.is((await sb.run(['keys', 'list'])).code, 0);
    assertCleanFailure(
      assert,
      await sb.run(['keys', 'list'], { env: { ATREST_ROOT_KEY: 'b2'.repeat(32) } }),
      2,
      /root key|secret|open/i,
    );
    assertCleanFailure(
      assert,
      await sb.run(['keys', 'list'], { env: { ATREST_ROOT_KEY: 'xyz' } }),
      1,
      /ATREST_ROOT_KEY must be 64 hex digits/,
    );
    assertCleanFailure(
      assert,
      await sb.run(['keys', 'list'], { env: { ATREST_ROOT_KEY: undefined } }),
      1,
      /ATREST_ROOT_KEY.*ATREST_PASSPHRASE/,
    );
  },
);

store('on a terminal without a secret in the environment: asks for the passphrase twice, without echo', async () => {
  if (!(await hasTool('script', 'the passphrase prompt on a terminal'))) return;
  const env = { ...sb.env, ATREST_ROOT_KEY: undefined };
  const onTerminal = (typed, args) =>
    runProcess(
      'sh',
      [
        '-c',
        `(sleep 1; ${typed.map((t) => `printf '${t}\\r'; sleep 0.5;`).join(' ')} sleep 2) | script -qfec "${process.execPath} ${BIN} ${args}" /dev/null`,
      ],
      { env, cwd: sb.dir },
    );
  const created = await onTerminal(['tty secret', 'tty secret'], 'keys list');
  assert.match(created.stdout, 'New passphrase for the key store');
  assert.match(created.stdout, 'Repeat the passphrase');
  assert.match(created.stdout, 'sealed with AES-256-GCM under the passphrase just entered');
  assert.not.match(created.stdout, 'tty secret', 'the passphrase is not echoed');
  const again = await onTerminal(['tty secret'], 'keys list');
  assert.match(again.stdout, 'no keys yet');
  const wrong = await onTerminal(['not it'], 'keys list');
  assert.match(wrong.stdout, /wrong passphrase/);
  assert.ok(
    (await sb.run(['keys', 'list'], { env: { ATREST_ROOT_KEY: undefined, ATREST_PASSPHRASE: 'tty secret' } })).code ===
      0,
  );
});

store(
  'a key store created while a first command sits at its passphrase prompt is opened, not replaced (issue 12 item 1)',
  async () => {
    if (!(await hasTool('script', 'the passphrase prompt on a terminal'))) return;
    const env = { ...sb.env, ATREST_ROOT_KEY: undefined };
    // The terminal command looks, finds no store, and asks for a new passphrase; it is answered 4 s later.
    const prompting = runProcess(
      'sh',
      [
        '-c',
        `(sleep 4; printf 'tty secret\\r'; sleep 0.5; printf 'tty secret\\r'; sleep 3) | script -qfec "${process.execPath} ${BIN} keys list" /dev/null`,
      ],
      { env, cwd: sb.dir },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const key = await runJson(sb, ['keys', 'create', '--description', 'made meanwhile'], {
      env: { ...env, ATREST_PASSPHRASE: 'tty secret' },
    });
    const prompted = await prompting;
    assert.match(prompted.stdout, 'New passphrase for the key store');
    assert.not.match(
      prompted.stdout,
      'created the key store',
      'the second command did not create a store over the first',
    );
    const listed = await runJson(sb, ['keys', 'list'], { env: { ...env, ATREST_PASSPHRASE: 'tty secret' } });
    assert.ok(
      listed.Keys.some((k) => k.KeyId === key.KeyMetadata.KeyId),
      `the key made meanwhile was lost: ${prompted.stdout}`,
    );
  },
);

store('a store held by another process: exit 2 naming the lock file', async () => {
  assert.is((await sb.run(['keys', 'list'])).code, 0);
  await writeFile(
    `${sb.home}/keystore.lock`,
    JSON.stringify({ pid: 999999, token: 'x', created: new Date().toISOString() }),
  );
  assertCleanFailure(assert, await sb.run(['keys', 'list', '--wait', '0.2']), 2, /waited 0\.2 s.*keystore\.lock/);
});

store(
  "a stale lock whose process is dead on this host is taken over; a live holder's lock is waited for, up to --wait (issue 12 item 20)",
  async () => {
    assert.is((await sb.run(['keys', 'list'])).code, 0);
    const lockPath = `${sb.home}/keystore.lock`;
    // A pid that certainly existed and has exited: a child that ran and ended.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('close', r));
    await writeFile(
      lockPath,
      JSON.stringify({ pid: dead.pid, token: 'dead', created: new Date().toISOString(), host: hostname() }),
    );
    const taken = await sb.run(['keys', 'list', '--wait', '0']);
    assert.is(taken.code, 0, `a dead holder's lock blocked the store: ${taken.stderr}`);
    assert.not.ok(existsSync(lockPath), 'the command released the lock it took over');
    // A live holder (this test process) on this host: never broken; waited for, then exit 2.
    await writeFile(
      lockPath,
      JSON.stringify({ pid: process.pid, token: 'live', created: new Date().toISOString(), host: hostname() }),
    );
    assertCleanFailure(assert, await sb.run(['keys', 'list', '--wait', '0.3']), 2, /keystore\.lock/);
    // The same dead pid recorded on another host: not provably dead, so not taken over.
    await writeFile(
      lockPath,
      JSON.stringify({
        pid: dead.pid,
        token: 'other-host',
        created: new Date().toISOString(),
        host: `not-${hostname()}`,
      }),
    );
    assertCleanFailure(assert, await sb.run(['keys', 'list', '--wait', '0']), 2, /keystore\.lock/);
    // Released while the command waits: it gets the store.
    const waiting = sb.run(['keys', 'list', '--wait', '20']);
    await new Promise((r) => setTimeout(r, 700));
    await unlink(lockPath);
    const waited = await waiting;
    assert.is(waited.code, 0, waited.stderr);
    assertCleanFailure(assert, await sb.run(['keys', 'list', '--wait', 'soon']), 1, /--wait takes a number of seconds/);
  },
);

store.run();

// ---- keys ----------------------------------------------------------------------------------

const keys = suite('cli: keys');
keys.before(async () => {
  sb = await makeSandbox();
});
keys.after(async () => {
  await sb.remove();
});

keys(
  'create --alias that the key policy refuses CreateAlias rolls the new key back: no Enabled nameless key remains (issue 12 item 16)',
  async () => {
    const policy = adminPolicy({
      Sid: 'no-alias',
      Effect: 'Deny',
      Principal: { AWS: ADMIN },
      Action: 'kms:CreateAlias',
      Resource: '*',
    });
    await writeFile(sb.path('no-alias.json'), JSON.stringify(policy));
    const before = (await runJson(sb, ['keys', 'list', ...asAdmin])).Keys.map((k) => k.KeyId);
    const refused = await sb.run([
      'keys',
      'create',
      '--alias',
      'alias/refused',
      '--policy',
      sb.path('no-alias.json'),
      ...asAdmin,
    ]);
    assertCleanFailure(assert, refused, 2, /not authorized|denied/i);
    assert.match(refused.stderr, /rolled back: it is PendingDeletion/);
    const added = (await runJson(sb, ['keys', 'list', ...asAdmin])).Keys.filter((k) => !before.includes(k.KeyId));
    assert.is(added.length, 1, 'the key service cannot delete at once: the key exists, scheduled for deletion');
    assert.is(
      added[0].KeyState,
      'PendingDeletion',
      `the refused create left an ${added[0].KeyState} key without an alias`,
    );
    assert.equal(added[0].Aliases, []);
  },
);

keys('create with an alias, a key policy and rotation; list and describe show them', async () => {
  const policy = adminPolicy({
    Sid: 'app',
    Effect: 'Allow',
    Principal: { AWS: ROLE_APP },
    Action: ['kms:DescribeKey', 'kms:GenerateDataKey*', 'kms:Decrypt'],
    Resource: '*',
  });
  await writeFile(sb.path('policy.json'), JSON.stringify(policy));
  const created = await runJson(sb, [
    'keys',
    'create',
    '--alias',
    'alias/photos',
    '--policy',
    sb.path('policy.json'),
    '--rotation-days',
    '365',
    '--description',
    'photo archive',
    ...asAdmin,
  ]);
  assert.is(created.KeyMetadata.KeyState, 'Enabled');
  assert.is(created.AliasName, 'alias/photos');
  const listed = await runJson(sb, ['keys', 'list', ...asAdmin]);
  const row = listed.Keys.find((k) => k.KeyId === created.KeyMetadata.KeyId);
  assert.equal(row.Aliases, ['alias/photos']);
  assert.is(row.KeyManager, 'CUSTOMER');
  // The root is not in this key's policy: it sees the key in the list, without details.
  const asRoot = await sb.run(['keys', 'list']);
  assert.match(asRoot.stdout, /not allowed to describe/);
  const described = await runJson(sb, ['keys', 'describe', 'alias/photos', ...asAdmin]);
  assert.is(described.Rotation.KeyRotationEnabled, true);
  assert.is(described.Rotation.RotationPeriodInDays, 365);
  assert.is(described.KeyMetadata.Description, 'photo archive');
  const text = await sb.run(['keys', 'describe', 'alias/photos', ...asAdmin]);
  assert.match(text.stdout, /rotation:\s+every 365 days/);
  assert.match(text.stdout, /aliases:\s+alias\/photos/);
});

keys('the key policy decides what --as principals may do (exit 2 when denied)', async () => {
  const allowed = await runJson(sb, ['keys', 'describe', 'alias/photos', '--as', ROLE_APP]);
  assert.is(allowed.KeyMetadata.KeyState, 'Enabled');
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'disable', 'alias/photos', '--as', ROLE_APP]),
    2,
    /not authorized|AccessDenied|denied/i,
  );
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'describe', 'alias/photos', '--as', ROLE_READER]),
    2,
    /not authorized|denied/i,
  );
  assertCleanFailure(assert, await sb.run(['keys', 'list', '--as', 'not-an-arn']), 1, /principal ARN/);
});

keys('disable, enable, rotate', async () => {
  assert.is((await runJson(sb, ['keys', 'disable', 'alias/photos', ...asAdmin])).KeyMetadata.KeyState, 'Disabled');
  assert.is((await runJson(sb, ['keys', 'enable', 'alias/photos', ...asAdmin])).KeyMetadata.KeyState, 'Enabled');
  const rotated = await runJson(sb, ['keys', 'rotate', 'alias/photos', ...asAdmin]);
  assert.is.not(rotated.KeyMetadata.CurrentKeyMaterialId, rotated.PreviousKeyMaterialId);
});

keys('schedule-deletion --days 7, cancel-deletion (the key stays Disabled); bad windows are usage errors', async () => {
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'schedule-deletion', 'alias/photos', '--days', '3', ...asAdmin]),
    1,
    /--days must be a whole number from 7 to 30/,
  );
  const scheduled = await runJson(sb, ['keys', 'schedule-deletion', 'alias/photos', '--days', '7', ...asAdmin]);
  assert.is(scheduled.KeyState, 'PendingDeletion');
  assert.is(scheduled.PendingWindowInDays, 7);
  const days = (new Date(scheduled.DeletionDate) - Date.now()) / 86_400_000;
  assert.ok(days > 6.9 && days <= 7.01, String(days));
  assertCleanFailure(assert, await sb.run(['keys', 'enable', 'alias/photos', ...asAdmin]), 2, /pending deletion/i);
  const cancelled = await sb.run(['keys', 'cancel-deletion', 'alias/photos', ...asAdmin]);
  assert.is(cancelled.code, 0, cancelled.stderr);
  assert.match(cancelled.stdout, 'Disabled');
  await runJson(sb, ['keys', 'enable', 'alias/photos', ...asAdmin]);
});

keys('errors: unknown key (2), taken alias, bad alias, bad rotation period, bad policy file (1)', async () => {
  assertCleanFailure(assert, await sb.run(['keys', 'describe', 'alias/nope']), 2, /alias\/nope/);
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'create', '--alias', 'alias/photos']),
    1,
    /alias\/photos already names a key/,
  );
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'create', '--alias', 'photos']),
    1,
    /--alias must look like alias\/name/,
  );
  assertCleanFailure(assert, await sb.run(['keys', 'create', '--alias', 'alias/aws/mine']), 1, /alias\/aws/);
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'create', '--rotation-days', '10']),
    1,
    /--rotation-days must be a whole number from 90 to 2560/,
  );
  await writeFile(sb.path('broken.json'), '{ not json');
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'create', '--policy', sb.path('broken.json')]),
    1,
    /broken\.json is not JSON/,
  );
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'create', '--policy', sb.path('missing.json')]),
    1,
    /missing\.json: no such file/,
  );
  // A policy that locks the caller out is refused by the key service's lockout check.
  await writeFile(
    sb.path('lockout.json'),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE_APP }, Action: 'kms:Decrypt', Resource: '*' }],
    }),
  );
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'create', '--policy', sb.path('lockout.json')]),
    1,
    /will not allow you to update the key policy/,
  );
});

keys('policy get and put (file and stdin); a malformed document is exit 1', async () => {
  const got = await runJson(sb, ['policy', 'get', 'alias/photos', ...asAdmin]);
  assert.is(got.PolicyName, 'default');
  assert.is(got.Policy.Statement.length, 2);
  const text = await sb.run(['policy', 'get', 'alias/photos', ...asAdmin]);
  assert.equal(JSON.parse(text.stdout), got.Policy);
  const next = structuredClone(got.Policy);
  next.Statement.push({
    Sid: 'reader',
    Effect: 'Allow',
    Principal: { AWS: ROLE_READER },
    Action: 'kms:DescribeKey',
    Resource: '*',
  });
  await writeFile(sb.path('next.json'), JSON.stringify(next));
  assert.is((await sb.run(['policy', 'put', 'alias/photos', sb.path('next.json'), ...asAdmin])).code, 0);
  assert.is(
    (await runJson(sb, ['keys', 'describe', 'alias/photos', '--as', ROLE_READER])).KeyMetadata.KeyState,
    'Enabled',
  );
  next.Statement.pop();
  const viaStdin = await sb.run(['policy', 'put', 'alias/photos', ...asAdmin], { input: JSON.stringify(next) });
  assert.is(viaStdin.code, 0, viaStdin.stderr);
  assertCleanFailure(
    assert,
    await sb.run(['keys', 'describe', 'alias/photos', '--as', ROLE_READER]),
    2,
    /not authorized|denied/i,
  );
  assertCleanFailure(
    assert,
    await sb.run(['policy', 'put', 'alias/photos', ...asAdmin], { input: '{"Version":' }),
    1,
    /not JSON/,
  );
  assertCleanFailure(
    assert,
    await sb.run(['policy', 'put', 'alias/photos', ...asAdmin], {
      input: '{"Version":"2012-10-17","Statement":[{"Effect":"Perhaps"}]}',
    }),
    1,
    /Effect|policy/i,
  );
});

keys.run();

// ---- grants ------------------------------------------------------------------------------------

const grants = suite('cli: grants');
grants.before(async () => {
  sb = await makeSandbox();
  await writeFile(sb.path('admin.json'), JSON.stringify(adminPolicy()));
  await runJson(sb, ['keys', 'create', '--alias', 'alias/g', '--policy', sb.path('admin.json'), ...asAdmin]);
  await writeFile(sb.path('plain.txt'), 'granted bytes\n');
  await runJson(sb, [
    'encrypt',
    sb.path('plain.txt'),
    sb.path('plain.enc'),
    '--key',
    'alias/g',
    '--context',
    'team=blue',
    ...asAdmin,
  ]);
});
grants.after(async () => {
  await sb.remove();
});

grants(
  'create gives a principal Decrypt (with a context constraint); revoke takes it back (exit 2 after)',
  async () => {
    assertCleanFailure(
      assert,
      await sb.run(['decrypt', sb.path('plain.enc'), sb.path('out1.txt'), '--as', ROLE_READER]),
      2,
      /denied/i,
    );
    const g = await runJson(sb, [
      'grants',
      'create',
      'alias/g',
      '--grantee',
      ROLE_READER,
      '--operations',
      'Decrypt,DescribeKey',
      '--context-subset',
      'team=blue',
      '--name',
      'reader',
      ...asAdmin,
    ]);
    assert.ok(g.GrantId && g.GrantToken);
    const ok = await sb.run(['decrypt', sb.path('plain.enc'), sb.path('out1.txt'), '--as', ROLE_READER]);
    assert.is(ok.code, 0, ok.stderr);
    assert.is(await readFile(sb.path('out1.txt'), 'utf8'), 'granted bytes\n');
    const listed = await runJson(sb, ['grants', 'list', 'alias/g', ...asAdmin]);
    assert.is(listed.Grants.length, 1);
    assert.equal(listed.Grants[0].Constraints, { EncryptionContextSubset: { team: 'blue' } });
    assert.match((await sb.run(['grants', 'list', 'alias/g', ...asAdmin])).stdout, /context ⊇ team=blue/);
    await runJson(sb, ['grants', 'revoke', 'alias/g', g.GrantId, ...asAdmin]);
    assertCleanFailure(
      assert,
      await sb.run(['decrypt', sb.path('plain.enc'), sb.path('out2.txt'), '--as', ROLE_READER]),
      2,
      /denied/i,
    );
    assert.is((await runJson(sb, ['grants', 'list', 'alias/g', ...asAdmin])).Grants.length, 0);
  },
);

grants(
  'a --context-equals grant cannot match a CLI-encrypted file (it carries atrest:volume), --context-subset does; the refusal names policy and grant, not the policy alone (issue 12 item 22)',
  async () => {
    const ROLE_AUDITOR = 'arn:aws:iam::111122223333:role/auditor';
    await runJson(sb, [
      'grants',
      'create',
      'alias/g',
      '--grantee',
      ROLE_AUDITOR,
      '--operations',
      'Decrypt',
      '--context-equals',
      'team=blue',
      ...asAdmin,
    ]);
    const refused = await sb.run(['decrypt', sb.path('plain.enc'), sb.path('aud1.txt'), '--as', ROLE_AUDITOR]);
    assertCleanFailure(
      assert,
      refused,
      2,
      /neither the key policy nor a grant allows it for this caller and encryption context/,
    );
    assert.not.match(refused.stderr, /denied by the key policy/);
    await runJson(sb, [
      'grants',
      'create',
      'alias/g',
      '--grantee',
      ROLE_AUDITOR,
      '--operations',
      'Decrypt',
      '--context-subset',
      'team=blue',
      ...asAdmin,
    ]);
    const ok = await sb.run(['decrypt', sb.path('plain.enc'), sb.path('aud2.txt'), '--as', ROLE_AUDITOR]);
    assert.is(ok.code, 0, ok.stderr);
    for (const g of (await runJson(sb, ['grants', 'list', 'alias/g', '--grantee', ROLE_AUDITOR, ...asAdmin])).Grants)
      await runJson(sb, ['grants', 'revoke', 'alias/g', g.GrantId, ...asAdmin]);
  },
);

grants('retire by key and grant id, and by token', async () => {
  const a = await runJson(sb, [
    'grants',
    'create',
    'alias/g',
    '--grantee',
    ROLE_READER,
    '--operations',
    'Decrypt',
    '--retiring-principal',
    ADMIN,
    ...asAdmin,
  ]);
  await runJson(sb, ['grants', 'retire', 'alias/g', a.GrantId, ...asAdmin]);
  const b = await runJson(sb, [
    'grants',
    'create',
    'alias/g',
    '--grantee',
    ROLE_READER,
    '--operations',
    'Decrypt',
    '--retiring-principal',
    ADMIN,
    ...asAdmin,
  ]);
  await runJson(sb, ['grants', 'retire', '--token', b.GrantToken, ...asAdmin]);
  assert.is((await runJson(sb, ['grants', 'list', 'alias/g', ...asAdmin])).Grants.length, 0);
});

grants('errors: unknown operation, missing grantee, both constraints (1); unknown grant (2)', async () => {
  assertCleanFailure(
    assert,
    await sb.run(['grants', 'create', 'alias/g', '--grantee', ROLE_READER, '--operations', 'Decrypt,Fly']),
    1,
    /unknown operation "Fly"/,
  );
  assertCleanFailure(assert, await sb.run(['grants', 'create', 'alias/g', '--operations', 'Decrypt']), 1, /--grantee/);
  assertCleanFailure(
    assert,
    await sb.run([
      'grants',
      'create',
      'alias/g',
      '--grantee',
      ROLE_READER,
      '--operations',
      'Decrypt',
      '--context-equals',
      'a=1',
      '--context-subset',
      'b=2',
    ]),
    1,
    /not both/,
  );
  assertCleanFailure(assert, await sb.run(['grants', 'retire']), 1, /<key> <grant-id>|--token/);
  const r = await sb.run(['grants', 'revoke', 'alias/g', 'f'.repeat(64), ...asAdmin]);
  assert.ok(r.code === 1 || r.code === 2, `${r.code} ${r.stderr}`);
  assert.not.ok(/\n\s+at /.test(r.stderr));
});

grants('audit: every call, allowed and refused, with --since and --json', async () => {
  const all = await runJson(sb, ['audit']);
  const names = all.Records.map((r) => r.eventName);
  for (const op of [
    'CreateKey',
    'CreateAlias',
    'CreateGrant',
    'RevokeGrant',
    'RetireGrant',
    'Decrypt',
    'GenerateDataKeyWithoutPlaintext',
  ]) {
    assert.ok(names.includes(op), `${op} in ${names.join(',')}`);
  }
  const refused = all.Records.find((r) => r.outcome === 'Failure' && r.eventName === 'Decrypt');
  assert.is(refused.principal, ROLE_READER);
  assert.is(refused.errorCode, 'AccessDeniedException');
  assert.not.ok(JSON.stringify(all).includes('"Plaintext":'), 'no plaintext field in the trail');
  const text = await sb.run(['audit']);
  assert.match(text.stdout, /Decrypt\s+FAILED AccessDeniedException arn:aws:iam::111122223333:role\/reader/);
  assert.is((await runJson(sb, ['audit', '--since', '2999-01-01'])).Records.length, 0);
  assert.is((await runJson(sb, ['audit', '--since', '1h'])).Records.length, all.Records.length);
  assertCleanFailure(assert, await sb.run(['audit', '--since', 'yesterday']), 1, /--since takes an ISO date/);
});

grants.run();

// ---- usage -------------------------------------------------------------------------------------

const usage = suite('cli: usage and exit code 1');
usage.before(async () => {
  sb = await makeSandbox();
});
usage.after(async () => {
  await sb.remove();
});

usage("--help lists every command (exit 0); a command's --help shows its usage", async () => {
  const help = await sb.run(['--help']);
  assert.is(help.code, 0);
  for (const c of [
    'keys create',
    'keys schedule-deletion',
    'grants revoke',
    'policy put',
    'audit',
    'encrypt',
    'decrypt',
    'inspect',
    'rewrap',
    'bench',
  ])
    assert.match(help.stdout, c);
  assert.match(help.stdout, /exit codes: 0 ok, 1 usage, 2 access denied or key state, 3 corrupt or foreign input/);
  const one = await sb.run(['keys', 'create', '--help']);
  assert.is(one.code, 0);
  assert.match(one.stdout, 'usage: atrest keys create [--alias alias/x] [--policy file.json] [--rotation-days 365]');
});

usage(
  'unknown command, unknown subcommand, unknown option, missing argument, extra argument, option without value',
  async () => {
    assertCleanFailure(assert, await sb.run([]), 1, /no command given/);
    assertCleanFailure(assert, await sb.run(['frobnicate']), 1, /unknown command "frobnicate"/);
    assertCleanFailure(assert, await sb.run(['keys', 'shred', 'x']), 1, /"keys" takes: create, list/);
    assertCleanFailure(assert, await sb.run(['keys', 'list', '--colour']), 1, /unknown option --colour/);
    assertCleanFailure(assert, await sb.run(['keys', 'describe']), 1, /expected <key>, got none/);
    assertCleanFailure(assert, await sb.run(['keys', 'describe', 'a', 'b']), 1, /expected <key>/);
    assertCleanFailure(assert, await sb.run(['keys', 'create', '--alias']), 1, /--alias needs a value/);
    const asJson = await sb.run(['keys', 'describe', '--json']);
    assert.is(asJson.code, 1);
    assert.is(JSON.parse(asJson.stderr).error.exitCode, 1);
    assert.is(asJson.stdout, '');
  },
);

usage.run();
