// The FSx story end to end, as one test: a customer managed key whose policy gives the app role
// exactly what FSx needs (GenerateDataKeyWithoutPlaintext, Decrypt, DescribeKey, CreateGrant);
// create a volume, write, rotate the key, reopen; rewrap to a second key, disable the first and
// open through the second; revoke the grant; a scratch volume destroyed → unrecoverable.
// Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Volume, MemoryBlockStore, GrantRevokedError, KeyUnavailableError } from '../dist/index.js';
import { ADMIN, APP, READER, pattern, rejects, setup, snapshot } from './_lib/envelope.js';
import { assertBytes } from './_lib/assert.js';

const story = suite('FSx story');

const FSX_APP_ACTIONS = ['kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'];

function keyPolicy() {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Key administrators', Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'Allow the app role to use the key for its volumes',
        Effect: 'Allow',
        Principal: { AWS: APP },
        Action: FSX_APP_ACTIONS,
        Resource: '*',
      },
    ],
  });
}

story(
  'customer managed key → create → write → rotate → reopen → rewrap → disable → revoke → scratch destroy',
  async () => {
    const { kms, admin, app, reader } = setup();
    const policy = {
      allowedKeyIds: ['alias/app-*', 'arn:aws:kms:us-east-1:111122223333:key/*'],
      requiredEncryptionContext: { service: 'files' },
    };

    // A customer managed key, with an alias and yearly rotation.
    const k1 = (await admin.createKey({ Policy: keyPolicy(), Description: 'app volumes' })).KeyMetadata;
    await admin.createAlias({ AliasName: 'alias/app-volumes', TargetKeyId: k1.KeyId });
    await admin.enableKeyRotation({ KeyId: k1.KeyId });

    // Create and write as the app role; the reader gets a grant for this volume only.
    const store = new MemoryBlockStore();
    const vol = await Volume.create(store, {
      kms: app,
      keyId: 'alias/app-volumes',
      encryptionContext: { service: 'files' },
      size: 64 * 1024,
      metadata: { name: 'home' },
      grantTo: READER,
      retiringPrincipal: APP,
      policy,
    });
    const data = pattern(50_000, 2024);
    await vol.write(1000, data);
    await vol.close();
    const appCalls = kms
      .auditLog()
      .filter((r) => r.principal === APP)
      .map((r) => `${r.eventName}:${r.outcome}`);
    assert.equal(
      [...new Set(appCalls)].sort(),
      ['CreateGrant:Success', 'Decrypt:Success', 'DescribeKey:Success', 'GenerateDataKeyWithoutPlaintext:Success'],
      'the FSx permission list is all the app needs',
    );
    const asReader = await Volume.open(store, { kms: reader, policy, readOnly: true });
    assertBytes(await asReader.read(1000, 50_000), data);
    await asReader.close();

    // Rotate the key: new material encrypts, the old still decrypts; the volume reopens unchanged.
    await admin.rotateKeyOnDemand({ KeyId: k1.KeyId });
    const rotated = await Volume.open(store, { kms: app, policy });
    assertBytes(await rotated.read(1000, 50_000), data);
    assert.equal(rotated.metadata, { name: 'home' });

    // Rewrap to a second key (the admin may ReEncrypt between the keys; the app role may not).
    const k2 = (await admin.createKey({ Policy: keyPolicy(), Description: 'app volumes 2' })).KeyMetadata;
    const before = await snapshot(store);
    await rotated.rewrap({ kms: admin, keyId: k2.Arn, grantTo: READER });
    assert.equal(rotated.keyIds, [k2.Arn]);
    const after = await snapshot(store);
    assertBytes(after.subarray(32768), before.subarray(32768), 'rewrap touched no data sector');
    assert.is((await admin.listGrants({ KeyId: k1.KeyId })).Grants.length, 0, 'the grant on the first key was retired');
    await rotated.close();

    // Disable the first key: the volume still opens, through the second.
    await admin.disableKey({ KeyId: k1.KeyId });
    const viaK2 = await Volume.open(store, { kms: app, policy });
    assertBytes(await viaK2.read(1000, 50_000), data);
    await viaK2.close();
    const viaGrant = await Volume.open(store, { kms: reader, policy, readOnly: true });
    await viaGrant.close();

    // Revoke the reader's grant: the reader is locked out, with an error that says why.
    const grant = (await admin.listGrants({ KeyId: k2.KeyId })).Grants.find((g) => g.GranteePrincipal === READER);
    await admin.revokeGrant({ KeyId: k2.KeyId, GrantId: grant.GrantId });
    const revoked = await rejects(Volume.open(store, { kms: reader, policy }), GrantRevokedError);
    assert.is(revoked.grantId, grant.GrantId);
    const stillApp = await Volume.open(store, { kms: app, policy });
    await stillApp.close();

    // A scratch volume: a key of its own, destroyed with the volume: unrecoverable.
    const scratchStore = new MemoryBlockStore();
    const scratch = await Volume.create(scratchStore, {
      kms: app,
      scratch: true,
      size: 8192,
      encryptionContext: { service: 'files' },
    });
    await scratch.write(0, pattern(8192, 7));
    const scratchKey = scratch.keyIds[0];
    const stolen = await snapshot(scratchStore);
    await scratch.destroy({ keyService: kms });
    assert.is(await scratchStore.size(), 0);
    const gone = await rejects(
      Volume.open(new MemoryBlockStore(stolen), { kms: app }),
      KeyUnavailableError,
      /does not exist/,
    );
    assert.is(gone.keyState, 'Deleted');
    await rejects(admin.describeKey({ KeyId: scratchKey }), 'NotFoundException');
    assert.ok(kms.auditLog().some((r) => r.eventName === 'DestroyKeyNow' && r.outcome === 'Success'));
  },
);

story.run();
