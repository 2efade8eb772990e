// Debian's boto3 (/usr/bin/python3 with python3-boto3) against the server: the flow of
// tests/node/wire/boto3_flow.py, a grant with EncryptionContextSubset allowed and refused,
// modelled errors as client.exceptions classes, unmodelled ones as ClientError codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runProcess } from './cli-harness.js';
import { ADMIN, BOB, KEYS, startServer } from './wire/harness.js';

const PYTHON = '/usr/bin/python3';

test('boto3: envelope flow, grants with EncryptionContextSubset, errors by Code', async () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} is missing`);
  const dir = await mkdtemp(join(tmpdir(), 'atrest-boto3-'));
  const w = await startServer();
  try {
    const r = await runProcess(PYTHON, [join(ROOT, 'tests/node/wire/boto3_flow.py')], {
      cwd: dir,
      env: {
        ATREST_URL: w.url,
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, 'c'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'k'),
        AWS_PROFILE: undefined,
        ADMIN_ID: KEYS.admin.accessKeyId,
        ADMIN_SECRET: KEYS.admin.secretAccessKey,
        ADMIN_ARN: ADMIN,
        BOB_ID: KEYS.bob.accessKeyId,
        BOB_SECRET: KEYS.bob.secretAccessKey,
        BOB_TOKEN: KEYS.bob.sessionToken,
        BOB_ARN: BOB,
      },
    });
    assert.is(r.code, 0, `boto3_flow.py failed (is python3-boto3 installed?):\n${r.stderr}`);
    const out = JSON.parse(r.stdout);
    assert.match(out.boto3, /^1\./);
    assert.match(out.arn, /^arn:aws:kms:us-east-1:111122223333:key\//);
    assert.is(out.creationDateType, 'datetime');
    assert.is(out.describeState, 'Enabled');
    assert.is(out.gdkKeyId, out.arn);
    assert.is(out.plaintextLength, 32);
    assert.is(out.reEncryptSource, out.arn);
    assert.is(out.reEncryptKeepsKey, true);
    assert.equal(out.listKeysPages, [1, 1]);
    assert.equal(out.listKeysTruncated, [true, false]);
    assert.is(out.policyRoundTrip, true);
    assert.is(out.bobBeforeGrant.Code, 'AccessDeniedException');
    assert.match(
      out.bobBeforeGrant.Message,
      new RegExp(`^User: ${BOB.replace(/[/]/g, '\\/')} is not authorized to perform: kms:Decrypt`),
    );
    assert.is(out.bobBeforeGrant.Status, 400);
    assert.is(out.bobWithGrant, 'for bob');
    assert.is(
      out.bobOtherContext.Code,
      'AccessDeniedException',
      "the grant's EncryptionContextSubset refuses another context",
    );
    assert.equal(out.grants, [true]);
    assert.is(out.bobAfterRevoke.Code, 'AccessDeniedException');
    assert.is(out.rotation, true);
    assert.equal(out.scheduled, ['PendingDeletion', 'datetime']);
    assert.is(out.disabled.Code, 'DisabledException');
    assert.is(out.disabled.Modeled, 'DisabledException', 'a modelled error is its client.exceptions class');
    assert.is(out.disabled.Status, 409);
    assert.ok(out.aliases.includes('alias/py'));
    assert.is(out.notFoundClass, 'NotFoundException');
    assert.is(out.alreadyExists.Code, 'AlreadyExistsException');
    assert.is(out.hasAccessDeniedClass, false, 'AccessDeniedException is not modelled in botocore (match on Code)');
    const bobRecords = w.server.auditRecords().filter((x) => x.principal === BOB);
    assert.ok(
      bobRecords.some((x) => x.outcome === 'Success' && x.grantId),
      "bob's allowed decrypt is audited with the grant",
    );
    assert.ok(bobRecords.every((x) => x.accessKeyId === KEYS.bob.accessKeyId));
  } finally {
    await w.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
