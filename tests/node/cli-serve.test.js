// `atrest serve` and `atrest access-keys` as a person or script uses them: the URL at the end of
// the first stdout line; access keys created and deleted while the server runs take effect
// within a second; SIGTERM/SIGINT stop it cleanly (lock released, exit 0); an answered
// CreateKey/CreateGrant/PutKeyPolicy survives SIGKILL; CLI data commands through --endpoint
// run in parallel without the key store lock; TLS; plain HTTP off loopback refused.
// Only 127.0.0.1 is ever bound.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request as httpsRequest } from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import { KMSClient } from '@aws-sdk/client-kms';
import { kmsClientFromAws } from '../../dist/kms/aws/index.js';
import { makeSandbox, ROOT, runJson } from './cli-harness.js';
import { startServe } from './wire/serve-process.js';

const ACCOUNT_ROOT = 'arn:aws:iam::111122223333:root';
const TLS_CERT = `${ROOT}/tests/node/wire/tls/cert.pem`;
const TLS_KEY = `${ROOT}/tests/node/wire/tls/key.pem`;

const clientFor = (url, k) =>
  kmsClientFromAws(
    new KMSClient({
      endpoint: url,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey },
    }),
  );
const endpointEnv = (url, k) => ({
  ATREST_KMS_ENDPOINT: url,
  AWS_ACCESS_KEY_ID: k.AccessKeyId,
  AWS_SECRET_ACCESS_KEY: k.SecretAccessKey,
  AWS_SESSION_TOKEN: undefined,
});

async function eventually(check, ms = 1000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await check();
    if (result || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('serve: URL on the first line; access keys added and deleted while running take effect within a second; SIGTERM exits 0 and unlocks', async () => {
  const sandbox = await makeSandbox('atrest-serve-');
  const serve = startServe(sandbox);
  try {
    const url = await serve.ready;
    assert.match(
      serve.stdout.split('\n')[0],
      /^atrest serve: key store .*keystore, 0 access key\(s\), listening on http:\/\/127\.0\.0\.1:\d+$/,
    );
    const created = await runJson(sandbox, [
      'access-keys',
      'create',
      '--principal',
      ACCOUNT_ROOT,
      '--description',
      'ci',
    ]);
    assert.match(created.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.match(created.SecretAccessKey, /^[A-Za-z0-9+/]{40}$/);
    assert.is(created.Principal, ACCOUNT_ROOT);
    const listed = await runJson(sandbox, ['access-keys', 'list']);
    assert.equal(
      listed.AccessKeys.map((k) => k.AccessKeyId),
      [created.AccessKeyId],
    );
    assert.not.ok(JSON.stringify(listed).includes(created.SecretAccessKey), 'list never shows a secret');
    const raw = await readFile(sandbox.path('home/access-keys'));
    assert.not.ok(raw.toString('latin1').includes(created.SecretAccessKey), 'the secret is sealed on disk');

    const kms = clientFor(url, created);
    const t0 = Date.now();
    const ok = await eventually(async () => (await kms.listKeys({}).catch((e) => e)).Keys !== undefined);
    assert.ok(ok, 'a new access key is accepted within a second');
    assert.ok(Date.now() - t0 < 1000);

    await runJson(sandbox, ['access-keys', 'delete', created.AccessKeyId]);
    const refused = await eventually(
      async () => (await kms.listKeys({}).catch((e) => e)).name === 'UnrecognizedClientException',
    );
    assert.ok(refused, 'a deleted access key is refused within a second');
    const missing = await sandbox.run(['access-keys', 'delete', created.AccessKeyId]);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /no access key AKIA/);

    const { code, signal } = await serve.stop('SIGTERM');
    assert.is(code, 0, serve.stderr);
    assert.is(signal, null);
    assert.match(serve.stderr, /SIGTERM: finishing calls in flight/);
    const after = await sandbox.run(['keys', 'list']);
    assert.is(after.code, 0, `the lock was released: ${after.stderr}`);
  } finally {
    await serve.stop('SIGKILL');
    await sandbox.remove();
  }
});

test('serve: answered CreateKey, CreateGrant and PutKeyPolicy survive SIGKILL; audit records of answered calls too', async () => {
  const sandbox = await makeSandbox('atrest-serve-kill-');
  const key = await runJson(sandbox, ['access-keys', 'create', '--principal', ACCOUNT_ROOT]);
  let serve = startServe(sandbox);
  try {
    let kms = clientFor(await serve.ready, key);
    const k = (await kms.createKey({ Description: 'survives' })).KeyMetadata;
    const g = await kms.createGrant({
      KeyId: k.KeyId,
      GranteePrincipal: 'arn:aws:iam::111122223333:user/g',
      Operations: ['Decrypt'],
    });
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'only-root', Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: 'kms:*', Resource: '*' },
      ],
    });
    await kms.putKeyPolicy({ KeyId: k.KeyId, Policy: policy });
    assert.is((await serve.stop('SIGKILL')).signal, 'SIGKILL');

    // A killed server leaves its lock behind; the next serve must be told it is stale.
    const lock = sandbox.path('home/keystore.lock');
    await writeFile(lock, ''); // (its content does not matter for the check below)
    const blocked = startServe(sandbox);
    await blocked.ready.catch(() => undefined);
    const exit = await blocked.exited;
    assert.is(exit.code, 2, 'a held lock refuses a second server (exit 2)');
    await import('node:fs/promises').then((fs) => fs.unlink(lock));

    serve = startServe(sandbox);
    kms = clientFor(await serve.ready, key);
    assert.is((await kms.describeKey({ KeyId: k.KeyId })).KeyMetadata.Description, 'survives');
    assert.equal(
      (await kms.listGrants({ KeyId: k.KeyId })).Grants.map((x) => x.GrantId),
      [g.GrantId],
    );
    assert.equal(JSON.parse((await kms.getKeyPolicy({ KeyId: k.KeyId })).Policy), JSON.parse(policy));
    const trail = await runJson(sandbox, ['audit']);
    for (const name of ['CreateKey', 'CreateGrant', 'PutKeyPolicy']) {
      assert.ok(
        trail.Records.some((r) => r.eventName === name && r.outcome === 'Success' && r.accessKeyId === key.AccessKeyId),
        `${name} is in the audit trail`,
      );
    }
  } finally {
    await serve.stop('SIGKILL');
    await sandbox.remove();
  }
});

test('CLI over --endpoint: keys create, then four encrypt/decrypt commands at once with no key store lock', async () => {
  const sandbox = await makeSandbox('atrest-serve-endpoint-');
  const key = await runJson(sandbox, ['access-keys', 'create', '--principal', ACCOUNT_ROOT]);
  const serve = startServe(sandbox);
  try {
    const url = await serve.ready;
    const env = endpointEnv(url, key);
    const created = await runJson(sandbox, ['keys', 'create', '--alias', 'alias/remote'], { env });
    assert.match(JSON.stringify(created), /alias\/remote/);
    for (let i = 0; i < 4; i++) await writeFile(sandbox.path(`in-${i}.txt`), `secret number ${i}\n`.repeat(1000));
    const enc = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        sandbox.run(['encrypt', `in-${i}.txt`, `out-${i}.atrest`, '--key', 'alias/remote'], { env }),
      ),
    );
    enc.forEach((r, i) => assert.is(r.code, 0, `encrypt ${i}: ${r.stderr}`));
    const dec = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        sandbox.run(['decrypt', `out-${i}.atrest`, `back-${i}.txt`], { env: { ...sandbox.env, ...env } }),
      ),
    );
    dec.forEach((r, i) => assert.is(r.code, 0, `decrypt ${i}: ${r.stderr}`));
    for (let i = 0; i < 4; i++)
      assert.is(await readFile(sandbox.path(`back-${i}.txt`), 'utf8'), `secret number ${i}\n`.repeat(1000));
    const asFlag = await sandbox.run(['keys', 'list', '--as', ACCOUNT_ROOT], { env });
    assert.is(asFlag.code, 1);
    assert.match(asFlag.stderr, /--as works only on the embedded key store/);
    const wrong = await sandbox.run(['keys', 'list'], { env: { ...env, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) } });
    assert.is(wrong.code, 1);
    assert.match(wrong.stderr, /InvalidSignatureException/);
  } finally {
    await serve.stop('SIGTERM');
    await sandbox.remove();
  }
});

test('serve: TLS with --tls-cert/--tls-key; plain HTTP on a non-loopback address is refused before binding', async () => {
  const sandbox = await makeSandbox('atrest-serve-tls-');
  const key = await runJson(sandbox, ['access-keys', 'create', '--principal', ACCOUNT_ROOT]);
  const refused = startServe(sandbox, ['--listen', '192.0.2.1:0']); // TEST-NET-1: never bound, refused first
  await refused.ready.catch(() => undefined);
  assert.is((await refused.exited).code, 1);
  assert.match(refused.stderr, /refusing to serve plain HTTP on 192\.0\.2\.1, which is not a loopback address/);

  const serve = startServe(sandbox, ['--tls-cert', TLS_CERT, '--tls-key', TLS_KEY]);
  try {
    const url = await serve.ready;
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await readFile(TLS_CERT);
    const reply = await new Promise((resolve, reject) => {
      const u = new URL(url);
      const req = httpsRequest(
        {
          host: u.hostname,
          port: u.port,
          method: 'POST',
          path: '/',
          ca,
          headers: { 'X-Amz-Target': 'TrentService.ListKeys' },
        },
        (res) => {
          let body = '';
          res
            .setEncoding('utf8')
            .on('data', (d) => (body += d))
            .on('end', () => resolve({ status: res.statusCode, body }));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.is(reply.status, 400);
    assert.is(JSON.parse(reply.body).__type, 'MissingAuthenticationTokenException');
    const listed = await sandbox.run(['keys', 'list', '--json'], {
      env: { ...endpointEnv(url, key), NODE_EXTRA_CA_CERTS: TLS_CERT },
    });
    assert.is(listed.code, 0, listed.stderr);
  } finally {
    await serve.stop('SIGINT');
    await sandbox.remove();
  }
});

test('serve: CORS preflight for an allowed origin; other origins get no CORS headers', async () => {
  const sandbox = await makeSandbox('atrest-serve-cors-');
  const serve = startServe(sandbox, ['--allow-origin', 'http://127.0.0.1:8080']);
  try {
    const url = await serve.ready;
    const pre = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://127.0.0.1:8080',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,x-amz-target',
      },
    });
    assert.is(pre.status, 204);
    assert.is(pre.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8080');
    assert.match(pre.headers.get('access-control-allow-headers'), /authorization/);
    assert.match(pre.headers.get('access-control-allow-headers'), /x-amz-target/);
    const other = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: 'http://127.0.0.1:9999', 'Access-Control-Request-Method': 'POST' },
    });
    assert.is(other.status, 403);
    assert.is(other.headers.get('access-control-allow-origin'), null);
    const post = await fetch(url, {
      method: 'POST',
      headers: { Origin: 'http://127.0.0.1:8080', 'X-Amz-Target': 'TrentService.ListKeys' },
      body: '{}',
    });
    assert.is(post.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8080');
    assert.match(post.headers.get('access-control-expose-headers'), /x-amzn-RequestId/);
  } finally {
    await serve.stop('SIGTERM');
    await sandbox.remove();
  }
});

test.run();
