// Debian's AWS CLI v2 (/usr/bin/aws; the `aws` on PATH may be another copy) against the server
// with --endpoint-url: create-key, create-alias, generate-data-key, decrypt of fileb://,
// list-keys with paging, and a refused call (exit 254 with AWS's message). 127.0.0.1 only.
// Each invocation takes about 1.5 s, so the cases are few.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from './cli-harness.js';
import { KEYS, awsEnv, startServer } from './wire/harness.js';

const AWS = '/usr/bin/aws';

test('AWS CLI v2: create-key, create-alias, generate-data-key, decrypt fileb://, list-keys paging, a refused call', async () => {
  assert.ok(existsSync(AWS), `${AWS} is missing: install Debian's awscli (.ci/run does)`);
  const dir = await mkdtemp(join(tmpdir(), 'atrest-awscli-'));
  const w = await startServer();
  const aws = (key, args) =>
    runProcess(AWS, ['--endpoint-url', w.url, '--output', 'json', 'kms', ...args], { env: awsEnv(key, dir), cwd: dir });
  try {
    const version = await runProcess(AWS, ['--version'], { env: awsEnv(KEYS.root, dir) });
    assert.match(version.stdout + version.stderr, /^aws-cli\/2\./);

    const created = await aws(KEYS.root, ['create-key', '--description', 'from the cli']);
    assert.is(created.code, 0, created.stderr);
    const meta = JSON.parse(created.stdout).KeyMetadata;
    assert.match(meta.Arn, /^arn:aws:kms:us-east-1:111122223333:key\//);
    assert.is(meta.Description, 'from the cli');
    assert.is(meta.KeyState, 'Enabled');

    const alias = await aws(KEYS.root, ['create-alias', '--alias-name', 'alias/cli', '--target-key-id', meta.KeyId]);
    assert.is(alias.code, 0, alias.stderr);

    const gdk = await aws(KEYS.root, [
      'generate-data-key',
      '--key-id',
      'alias/cli',
      '--key-spec',
      'AES_256',
      '--encryption-context',
      'app=cli',
    ]);
    assert.is(gdk.code, 0, gdk.stderr);
    const { CiphertextBlob, Plaintext, KeyId } = JSON.parse(gdk.stdout);
    assert.is(KeyId, meta.Arn);
    assert.is(Buffer.from(Plaintext, 'base64').length, 32);
    await writeFile(join(dir, 'blob.bin'), Buffer.from(CiphertextBlob, 'base64'));

    const dec = await aws(KEYS.root, [
      'decrypt',
      '--ciphertext-blob',
      'fileb://blob.bin',
      '--encryption-context',
      'app=cli',
    ]);
    assert.is(dec.code, 0, dec.stderr);
    assert.is(JSON.parse(dec.stdout).Plaintext, Plaintext, 'decrypt gives back the data key');

    for (let i = 0; i < 2; i++) assert.is((await w.client(KEYS.root).createKey({})).KeyMetadata.KeyState, 'Enabled');
    const listed = await aws(KEYS.root, ['list-keys', '--page-size', '1']);
    assert.is(listed.code, 0, listed.stderr);
    assert.is(JSON.parse(listed.stdout).Keys.length, 3, 'the CLI followed NextMarker over three pages');
    assert.is(
      w.server.auditRecords().filter((r) => r.eventName === 'ListKeys').length,
      3,
      'three ListKeys requests of one key each',
    );

    const refused = await aws(KEYS.eve, [
      'decrypt',
      '--ciphertext-blob',
      'fileb://blob.bin',
      '--encryption-context',
      'app=cli',
    ]);
    assert.is(refused.code, 254);
    assert.match(
      refused.stderr,
      /An error occurred \(AccessDeniedException\) when calling the Decrypt operation: User: arn:aws:iam::444455556666:user\/eve is not authorized to perform: kms:Decrypt/,
    );

    const badSecret = await aws({ ...KEYS.root, secretAccessKey: 'wrong' }, ['list-keys']);
    assert.is(badSecret.code, 254);
    assert.match(
      badSecret.stderr,
      /\(InvalidSignatureException\) when calling the ListKeys operation: The request signature we calculated does not match/,
    );
  } finally {
    await w.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
