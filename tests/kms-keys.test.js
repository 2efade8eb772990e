// LocalKms keys: creation (symmetric only), identifiers (id, key ARN, alias name, alias ARN),
// aliases, key states (disable, enable), scheduled deletion on the injected clock, and the
// LocalKms-only destroyKeyNow for scratch keys. Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ACCOUNT, ADMIN, ALICE, EVE, ROOT, onlyPolicy, newKey, rejects, setup, utf8 } from './_lib/kms.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// ---------------------------------------------------------------------------------------------
const create = suite('kms keys: CreateKey / DescribeKey / ListKeys');

create('creates a symmetric key with a UUID id, an ARN and AWS-shaped metadata', async () => {
  const { root, clock } = setup();
  const m = await newKey(root, { Description: 'volume keys' });
  assert.match(m.KeyId, UUID);
  assert.is(m.Arn, `arn:aws:kms:us-east-1:${ACCOUNT}:key/${m.KeyId}`);
  assert.is(m.AWSAccountId, ACCOUNT);
  assert.is(m.KeyState, 'Enabled');
  assert.is(m.Enabled, true);
  assert.is(m.KeySpec, 'SYMMETRIC_DEFAULT');
  assert.is(m.KeyUsage, 'ENCRYPT_DECRYPT');
  assert.is(m.KeyManager, 'CUSTOMER');
  assert.is(m.Description, 'volume keys');
  assert.equal(m.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
  assert.ok(m.CreationDate instanceof Date);
  assert.is(m.CreationDate.getTime(), clock().getTime());
  assert.match(m.CurrentKeyMaterialId, /^[0-9a-f]{64}$/);
});

create('region and account come from the LocalKms options', async () => {
  const { kms } = setup({ kms: { accountId: '999988887777', region: 'eu-west-3' } });
  const m = await newKey(kms.as('arn:aws:iam::999988887777:root'));
  assert.is(m.Arn, `arn:aws:kms:eu-west-3:999988887777:key/${m.KeyId}`);
});

create('refuses every key that is not a symmetric encryption key', async () => {
  const { root } = setup();
  for (const request of [
    { KeySpec: 'RSA_2048' },
    { KeySpec: 'HMAC_256' },
    { CustomerMasterKeySpec: 'ECC_NIST_P256' },
    { KeyUsage: 'SIGN_VERIFY' },
    { KeyUsage: 'GENERATE_VERIFY_MAC' },
  ]) {
    await rejects(root.createKey(request), 'UnsupportedOperationException', /only symmetric encryption keys/);
  }
  await rejects(root.createKey({ Origin: 'EXTERNAL' }), 'UnsupportedOperationException');
  const ok = await newKey(root, { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' });
  assert.is(ok.KeyState, 'Enabled');
});

create('CreateKey is for principals of the account; others are refused', async () => {
  const { alice, eve } = setup();
  assert.is((await newKey(alice)).KeyState, 'Enabled');
  await rejects(eve.createKey({}), 'AccessDeniedException', /not authorized to perform: kms:CreateKey/);
});

create("without a Policy the key gets AWS's default policy (the account may do kms:*)", async () => {
  const { root, alice, eve } = setup();
  const m = await newKey(root);
  const { Policy, PolicyName } = await root.getKeyPolicy({ KeyId: m.KeyId });
  assert.is(PolicyName, 'default');
  const doc = JSON.parse(Policy);
  assert.is(doc.Statement[0].Principal.AWS, ROOT);
  assert.is(doc.Statement[0].Action, 'kms:*');
  // The root statement covers every principal of the account (LocalKms has no IAM) ...
  assert.is((await alice.describeKey({ KeyId: m.KeyId })).KeyMetadata.KeyId, m.KeyId);
  // ... and nobody else.
  await rejects(eve.describeKey({ KeyId: m.KeyId }), 'AccessDeniedException');
});

create('validates Description and Tags', async () => {
  const { root } = setup();
  await rejects(root.createKey({ Description: 'x'.repeat(8193) }), 'ValidationException', /Description/);
  await rejects(root.createKey({ Tags: [{ TagKey: '', TagValue: 'v' }] }), 'ValidationException', /Tags\[0\]/);
  await rejects(
    root.createKey({
      Tags: [
        { TagKey: 'a', TagValue: '1' },
        { TagKey: 'a', TagValue: '2' },
      ],
    }),
    'ValidationException',
    /twice/,
  );
});

create('ListKeys lists every key, with pagination', async () => {
  const { root, eve } = setup();
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await newKey(root)).KeyId);
  const all = await root.listKeys();
  assert.equal(
    all.Keys.map((k) => k.KeyId),
    ids,
  );
  assert.is(all.Truncated, false);
  const first = await root.listKeys({ Limit: 2 });
  assert.is(first.Keys.length, 2);
  assert.is(first.Truncated, true);
  const second = await root.listKeys({ Limit: 2, Marker: first.NextMarker });
  assert.equal(
    second.Keys.map((k) => k.KeyId),
    ids.slice(2, 4),
  );
  await rejects(root.listKeys({ Limit: 0 }), 'ValidationException', /Limit/);
  await rejects(root.listKeys({ Marker: 'bogus' }), 'ValidationException', /Marker/);
  await rejects(eve.listKeys(), 'AccessDeniedException');
});

create.run();

// ---------------------------------------------------------------------------------------------
const ids = suite('kms keys: every KeyId form');

ids('key id, key ARN, alias name and alias ARN all name the key', async () => {
  const { root } = setup();
  const m = await newKey(root);
  await root.createAlias({ AliasName: 'alias/app', TargetKeyId: m.KeyId });
  for (const KeyId of [m.KeyId, m.Arn, 'alias/app', `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`]) {
    assert.is((await root.describeKey({ KeyId })).KeyMetadata.KeyId, m.KeyId, KeyId);
    const e = await root.encrypt({ KeyId, Plaintext: utf8('x') });
    assert.is(e.KeyId, m.Arn);
    await root.disableKey({ KeyId });
    await root.enableKey({ KeyId });
  }
});

ids('unknown ids, aliases, other Regions and malformed ids are refused', async () => {
  const { root } = setup();
  const m = await newKey(root);
  await rejects(
    root.describeKey({ KeyId: '00000000-0000-4000-8000-000000000000' }),
    'NotFoundException',
    /does not exist/,
  );
  await rejects(root.describeKey({ KeyId: 'alias/nope' }), 'NotFoundException', /alias\/nope/);
  await rejects(
    root.describeKey({ KeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${m.KeyId}` }),
    'NotFoundException',
    /another Region or account/,
  );
  await rejects(root.describeKey({ KeyId: 'not a key' }), 'ValidationException');
  await rejects(root.describeKey({}), 'ValidationException', /KeyId/);
});

ids.run();

// ---------------------------------------------------------------------------------------------
const aliases = suite('kms keys: aliases');

aliases('CreateAlias, UpdateAlias, DeleteAlias, ListAliases', async () => {
  const { root, clock } = setup();
  const a = await newKey(root);
  const b = await newKey(root);
  await root.createAlias({ AliasName: 'alias/app', TargetKeyId: a.KeyId });
  let list = await root.listAliases();
  const entry = list.Aliases.find((x) => x.AliasName === 'alias/app');
  assert.is(entry.TargetKeyId, a.KeyId);
  assert.is(entry.AliasArn, `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`);
  // The default key's predefined alias is listed before its key exists, with no TargetKeyId.
  const predefined = list.Aliases.find((x) => x.AliasName === 'alias/aws/atrest');
  assert.ok(predefined);
  assert.is(predefined.TargetKeyId, undefined);

  clock.advanceDays(1);
  await root.updateAlias({ AliasName: 'alias/app', TargetKeyId: b.KeyId });
  assert.is((await root.describeKey({ KeyId: 'alias/app' })).KeyMetadata.KeyId, b.KeyId);
  list = await root.listAliases({ KeyId: b.KeyId });
  assert.equal(
    list.Aliases.map((x) => x.AliasName),
    ['alias/app'],
  );
  assert.ok(list.Aliases[0].LastUpdatedDate > list.Aliases[0].CreationDate);
  assert.equal((await root.listAliases({ KeyId: a.KeyId })).Aliases, []);

  await root.deleteAlias({ AliasName: 'alias/app' });
  await rejects(root.describeKey({ KeyId: 'alias/app' }), 'NotFoundException');
  await rejects(root.deleteAlias({ AliasName: 'alias/app' }), 'NotFoundException');
  await rejects(root.updateAlias({ AliasName: 'alias/app', TargetKeyId: a.KeyId }), 'NotFoundException');
});

aliases('alias names: alias/ prefix required, alias/aws/ reserved, duplicates refused', async () => {
  const { root } = setup();
  const a = await newKey(root);
  await rejects(root.createAlias({ AliasName: 'app', TargetKeyId: a.KeyId }), 'ValidationException', /alias\//);
  await rejects(root.createAlias({ AliasName: 'alias/bad name', TargetKeyId: a.KeyId }), 'ValidationException');
  await rejects(
    root.createAlias({ AliasName: 'alias/aws/mine', TargetKeyId: a.KeyId }),
    'ValidationException',
    /reserved/,
  );
  await root.createAlias({ AliasName: 'alias/x', TargetKeyId: a.KeyId });
  await rejects(
    root.createAlias({ AliasName: 'alias/x', TargetKeyId: a.KeyId }),
    'AlreadyExistsException',
    /already exists/,
  );
  await rejects(
    root.createAlias({ AliasName: 'alias/y', TargetKeyId: '00000000-0000-4000-8000-000000000000' }),
    'NotFoundException',
  );
});

aliases('at most 50 aliases per key', async () => {
  const { root } = setup();
  const a = await newKey(root);
  for (let i = 0; i < 50; i++) await root.createAlias({ AliasName: `alias/n${i}`, TargetKeyId: a.KeyId });
  await rejects(root.createAlias({ AliasName: 'alias/n50', TargetKeyId: a.KeyId }), 'LimitExceededException', /50/);
});

aliases("alias operations need the key policy's permission", async () => {
  const { admin, alice } = setup();
  const a = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  await rejects(
    alice.createAlias({ AliasName: 'alias/z', TargetKeyId: a.KeyId }),
    'AccessDeniedException',
    /kms:CreateAlias/,
  );
  await admin.createAlias({ AliasName: 'alias/z', TargetKeyId: a.KeyId });
  await rejects(alice.deleteAlias({ AliasName: 'alias/z' }), 'AccessDeniedException', /kms:DeleteAlias/);
  await admin.deleteAlias({ AliasName: 'alias/z' });
});

aliases.run();

// ---------------------------------------------------------------------------------------------
const states = suite('kms keys: Disabled and PendingDeletion');

states('DisableKey: crypto calls fail with DisabledException; EnableKey restores them', async () => {
  const { root } = setup();
  const m = await newKey(root);
  const blob = (await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p') })).CiphertextBlob;
  await root.disableKey({ KeyId: m.KeyId });
  const d = (await root.describeKey({ KeyId: m.KeyId })).KeyMetadata;
  assert.is(d.KeyState, 'Disabled');
  assert.is(d.Enabled, false);
  await rejects(
    root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p') }),
    'DisabledException',
    new RegExp(`${m.Arn} is disabled`),
  );
  await rejects(root.decrypt({ CiphertextBlob: blob }), 'DisabledException');
  await rejects(root.generateDataKey({ KeyId: m.KeyId, KeySpec: 'AES_256' }), 'DisabledException');
  await rejects(root.generateDataKeyWithoutPlaintext({ KeyId: m.KeyId, KeySpec: 'AES_256' }), 'DisabledException');
  await root.enableKey({ KeyId: m.KeyId });
  assert.is((await root.decrypt({ CiphertextBlob: blob })).Plaintext[0], 'p'.charCodeAt(0));
});

states("DisableKey and EnableKey need the key policy's permission", async () => {
  const { admin, alice } = setup();
  const m = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  await rejects(alice.disableKey({ KeyId: m.KeyId }), 'AccessDeniedException', /kms:DisableKey/);
  await admin.disableKey({ KeyId: m.KeyId });
  await rejects(alice.enableKey({ KeyId: m.KeyId }), 'AccessDeniedException', /kms:EnableKey/);
});

states('ScheduleKeyDeletion: window 7..30 days (default 30), crypto → KMSInvalidStateException', async () => {
  const { root, clock } = setup();
  const m = await newKey(root);
  for (const PendingWindowInDays of [6, 31, 7.5, '10']) {
    await rejects(
      root.scheduleKeyDeletion({ KeyId: m.KeyId, PendingWindowInDays }),
      'ValidationException',
      /PendingWindowInDays/,
    );
  }
  const r = await root.scheduleKeyDeletion({ KeyId: m.KeyId });
  assert.is(r.KeyState, 'PendingDeletion');
  assert.is(r.PendingWindowInDays, 30);
  assert.is(r.KeyId, m.Arn);
  assert.is(r.DeletionDate.getTime(), clock().getTime() + 30 * 86400000);
  const d = (await root.describeKey({ KeyId: m.KeyId })).KeyMetadata;
  assert.is(d.KeyState, 'PendingDeletion');
  assert.is(d.DeletionDate.getTime(), r.DeletionDate.getTime());
  await rejects(
    root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p') }),
    'KMSInvalidStateException',
    /is pending deletion/,
  );
  await rejects(root.enableKey({ KeyId: m.KeyId }), 'KMSInvalidStateException');
  await rejects(root.scheduleKeyDeletion({ KeyId: m.KeyId }), 'KMSInvalidStateException');
});

states('CancelKeyDeletion returns the key to Disabled; only a key pending deletion can be cancelled', async () => {
  const { root } = setup();
  const m = await newKey(root);
  await rejects(root.cancelKeyDeletion({ KeyId: m.KeyId }), 'KMSInvalidStateException', /is not pending deletion/);
  await root.scheduleKeyDeletion({ KeyId: m.KeyId, PendingWindowInDays: 7 });
  assert.is((await root.cancelKeyDeletion({ KeyId: m.KeyId })).KeyId, m.Arn);
  const d = (await root.describeKey({ KeyId: m.KeyId })).KeyMetadata;
  assert.is(d.KeyState, 'Disabled');
  assert.is(d.DeletionDate, undefined);
});

states('deletion timeline: usable until scheduled, gone once the clock passes DeletionDate', async () => {
  const { kms, root, alice, clock } = setup();
  const m = await newKey(root);
  await root.createAlias({ AliasName: 'alias/doomed', TargetKeyId: m.KeyId });
  const blob = (await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('secret') })).CiphertextBlob;
  await root.createGrant({ KeyId: m.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] });
  await root.scheduleKeyDeletion({ KeyId: m.KeyId, PendingWindowInDays: 7 });
  clock.advanceDays(7);
  clock.advanceMs(-1);
  assert.is((await root.describeKey({ KeyId: m.KeyId })).KeyMetadata.KeyState, 'PendingDeletion');
  clock.advanceMs(1);
  await rejects(root.describeKey({ KeyId: m.KeyId }), 'NotFoundException', /does not exist/);
  await rejects(root.decrypt({ CiphertextBlob: blob }), 'NotFoundException');
  await rejects(alice.decrypt({ CiphertextBlob: blob }), 'NotFoundException');
  await rejects(root.describeKey({ KeyId: 'alias/doomed' }), 'NotFoundException');
  await rejects(root.cancelKeyDeletion({ KeyId: m.KeyId }), 'NotFoundException');
  assert.not.ok((await root.listKeys()).Keys.some((k) => k.KeyId === m.KeyId));
  // The service's own deletion is in the audit log.
  const deleted = kms.auditLog().find((r) => r.eventName === 'DeleteKey');
  assert.is(deleted.keyArn, m.Arn);
  assert.is(deleted.principal, 'kms.amazonaws.com');
});

states("ScheduleKeyDeletion and CancelKeyDeletion need the key policy's permission", async () => {
  const { admin, alice } = setup();
  const m = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  await rejects(alice.scheduleKeyDeletion({ KeyId: m.KeyId }), 'AccessDeniedException', /kms:ScheduleKeyDeletion/);
  await admin.scheduleKeyDeletion({ KeyId: m.KeyId });
  await rejects(alice.cancelKeyDeletion({ KeyId: m.KeyId }), 'AccessDeniedException', /kms:CancelKeyDeletion/);
});

states.run();

// ---------------------------------------------------------------------------------------------
const scratch = suite('kms keys: destroyKeyNow (LocalKms only, scratch keys)');

scratch('destroys a key tagged atrest:scratch=true at once; its ciphertexts are unrecoverable', async () => {
  const { kms, root } = setup();
  const m = await newKey(root, { Tags: [{ TagKey: 'atrest:scratch', TagValue: 'true' }] });
  const blob = (await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('scratch') })).CiphertextBlob;
  await kms.destroyKeyNow(m.KeyId);
  await rejects(root.describeKey({ KeyId: m.KeyId }), 'NotFoundException');
  await rejects(root.decrypt({ CiphertextBlob: blob }), 'NotFoundException');
  const destroyed = kms.auditLog().find((r) => r.eventName === 'DestroyKeyNow');
  assert.is(destroyed.outcome, 'Success');
  assert.is(destroyed.keyArn, m.Arn);
});

scratch('refuses keys without the scratch tag, and unknown keys', async () => {
  const { kms, root } = setup();
  const m = await newKey(root, { Tags: [{ TagKey: 'atrest:scratch', TagValue: 'false' }] });
  await rejects(kms.destroyKeyNow(m.KeyId), 'UnsupportedOperationException', /not a scratch key/);
  assert.is((await root.describeKey({ KeyId: m.KeyId })).KeyMetadata.KeyState, 'Enabled');
  await rejects(kms.destroyKeyNow('00000000-0000-4000-8000-000000000000'), 'NotFoundException');
  const last = kms.auditLog().at(-1);
  assert.is(last.outcome, 'Failure');
  assert.is(last.errorCode, 'NotFoundException');
});

scratch.run();

// ---------------------------------------------------------------------------------------------
const material = suite('kms keys: key material in memory (bytes, shared by state copies, zeroed when dropped)');

material(
  'material is one Uint8Array per key, shared by every saved state; zeroed when its key is destroyed and at close',
  async () => {
    const { LocalKms } = await import('../dist/index.js');
    const saves = [];
    const store = { load: async () => undefined, save: async (s) => void saves.push(s), close: async () => undefined };
    const kms = new LocalKms({ store });
    const root = kms.as(ROOT);
    const keep = await newKey(root);
    const scratchKey = await newKey(root, { Tags: [{ TagKey: 'atrest:scratch', TagValue: 'true' }] });
    const bytesOf = (state, id) => state.keys[id].materials[0].material;
    const keepBytes = bytesOf(saves.at(-1), keep.KeyId);
    const scratchBytes = bytesOf(saves.at(-1), scratchKey.KeyId);
    assert.instance(keepBytes, Uint8Array);
    assert.is(keepBytes.length, 32);
    assert.ok(keepBytes.some((b) => b !== 0) && scratchBytes.some((b) => b !== 0));
    await root.enableKeyRotation({ KeyId: keep.KeyId }); // a change: a new state copy
    assert.is(bytesOf(saves.at(-1), keep.KeyId), keepBytes, 'the new copy shares the bytes, it does not copy them');
    assert.is.not(saves.at(-1), saves.at(-2));
    const blob = (await root.encrypt({ KeyId: keep.KeyId, Plaintext: utf8('kept') })).CiphertextBlob;
    await kms.destroyKeyNow(scratchKey.KeyId);
    assert.ok(
      scratchBytes.every((b) => b === 0),
      "the destroyed key's material is zeroed once the state without it is saved",
    );
    assert.ok(
      keepBytes.some((b) => b !== 0),
      'other keys keep theirs',
    );
    assert.is(new TextDecoder().decode((await root.decrypt({ CiphertextBlob: blob })).Plaintext), 'kept');
    await kms.close();
    assert.ok(
      keepBytes.every((b) => b === 0),
      'close zeroes the material in memory',
    );
    await rejects(root.decrypt({ CiphertextBlob: blob }), 'Error', /the key service is closed/);
    await kms.close(); // idempotent
  },
);

material(
  'a failed save leaves the material of a key being destroyed intact (memory stays at the saved state)',
  async () => {
    const { LocalKms } = await import('../dist/index.js');
    let failNext = false;
    const store = {
      load: async () => undefined,
      save: async () => {
        if (failNext) throw new Error('disk full');
      },
      close: async () => undefined,
    };
    const kms = new LocalKms({ store });
    const root = kms.as(ROOT);
    const m = await newKey(root, { Tags: [{ TagKey: 'atrest:scratch', TagValue: 'true' }] });
    const blob = (await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('still here') })).CiphertextBlob;
    failNext = true;
    await rejects(kms.destroyKeyNow(m.KeyId), 'Error', /disk full/);
    failNext = false;
    assert.is(new TextDecoder().decode((await root.decrypt({ CiphertextBlob: blob })).Plaintext), 'still here');
    await kms.close();
  },
);

material.run();
