// The envelope story over the wire: `atrest serve` on a key store, access keys made with
// `atrest access-keys create`, and two processes under two principals that create, write,
// reopen, rewrap and read volumes in files through atrest/aws at the same time; then the
// writer's volume shared with the reader by a grant, and the grant revoked: the reader's next
// open fails with GrantRevokedError. 127.0.0.1 only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KMSClient } from '@aws-sdk/client-kms';
import { kmsClientFromAws } from '../../dist/kms/aws/index.js';
import { makeSandbox, ROOT, runJson, runProcess } from './cli-harness.js';
import { startServe } from './wire/serve-process.js';

const ACCOUNT = '111122223333';
const ADMIN = `arn:aws:iam::${ACCOUNT}:user/admin`;
const APP = `arn:aws:iam::${ACCOUNT}:role/app`;
const READER = `arn:aws:iam::${ACCOUNT}:user/reader`;
const WORKER = `${ROOT}/tests/node/wire/volume-worker.mjs`;
const VOLUME_ACTIONS = [
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:CreateGrant',
  'kms:ReEncrypt*',
];

const policyFor = (user) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'admin', Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' },
      { Sid: 'user', Effect: 'Allow', Principal: { AWS: user }, Action: VOLUME_ACTIONS, Resource: '*' },
    ],
  });

test('two processes, two principals, volumes through the server at once; a revoked grant stops the reader at its next open', async () => {
  const sandbox = await makeSandbox('atrest-wire-envelope-');
  const keys = {};
  for (const [name, principal] of [
    ['admin', ADMIN],
    ['app', APP],
    ['reader', READER],
  ]) {
    keys[name] = await runJson(sandbox, ['access-keys', 'create', '--principal', principal, '--description', name]);
  }
  const serve = startServe(sandbox);
  try {
    const url = await serve.ready;
    const env = (k) => ({
      ...sandbox.env,
      ATREST_KMS_ENDPOINT: url,
      AWS_ACCESS_KEY_ID: k.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: k.SecretAccessKey,
      AWS_SESSION_TOKEN: undefined,
    });
    const admin = kmsClientFromAws(
      new KMSClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: keys.admin.AccessKeyId, secretAccessKey: keys.admin.SecretAccessKey },
      }),
    );
    const key = async (user) => (await admin.createKey({ Policy: policyFor(user) })).KeyMetadata.Arn;
    const [a1, a2, r1, r2] = [await key(APP), await key(APP), await key(READER), await key(READER)];

    const worker = (k, args) =>
      runProcess(process.execPath, [WORKER, ...args], { env: env(k), cwd: sandbox.dir }).then((r) => {
        const line = r.stdout.trim().split('\n').at(-1);
        if (!line) throw new Error(`worker printed nothing (exit ${r.code}): ${r.stderr}`);
        return JSON.parse(line);
      });
    const [appRun, readerRun] = await Promise.all([
      worker(keys.app, ['own', sandbox.dir, 'app', a1, a2, '4']),
      worker(keys.reader, ['own', sandbox.dir, 'reader', r1, r2, '4']),
    ]);
    assert.equal(appRun, { ok: 4 });
    assert.equal(readerRun, { ok: 4 });

    // Each principal is refused the other's keys.
    const cross = await worker(keys.reader, ['read', sandbox.path('app-0.vol')]);
    assert.is(cross.error, 'AccessDeniedError', JSON.stringify(cross));

    const shared = await worker(keys.app, ['share', sandbox.path('shared.vol'), a1, READER]);
    assert.ok(shared.ok);
    const read = await worker(keys.reader, ['read', sandbox.path('shared.vol')]);
    assert.is(read.ok, shared.ok, 'the reader opens the shared volume through its grant');

    const grant = (await admin.listGrants({ KeyId: a1 })).Grants.find((g) => g.GranteePrincipal === READER);
    await admin.revokeGrant({ KeyId: a1, GrantId: grant.GrantId });
    const after = await worker(keys.reader, ['read', sandbox.path('shared.vol')]);
    assert.is(after.error, 'GrantRevokedError', JSON.stringify(after));

    // The server's audit trail has both principals' calls under their access keys.
    const trail = await runJson(sandbox, ['audit']);
    const byPrincipal = (p) => trail.Records.filter((r) => r.principal === p);
    assert.ok(byPrincipal(APP).every((r) => r.accessKeyId === keys.app.AccessKeyId));
    assert.ok(byPrincipal(READER).some((r) => r.eventName === 'ReEncrypt' && r.outcome === 'Success'));
    assert.ok(byPrincipal(READER).some((r) => r.outcome === 'Failure' && r.errorCode === 'AccessDeniedException'));
  } finally {
    const { code } = await serve.stop('SIGTERM');
    assert.is(code, 0, serve.stderr);
    await sandbox.remove();
  }
});

test.run();
