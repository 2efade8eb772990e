// LocalKms rotation (automatic by the injected clock, on demand, ListKeyRotations) and the
// default key alias/aws/atrest. Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ACCOUNT, ADMIN, ROOT, newKey, onlyPolicy, rejects, setup, text, utf8 } from './_lib/kms.js';

const rotation = suite('kms rotation');

rotation('EnableKeyRotation: period 90..2560 (default 365); status and NextRotationDate', async () => {
  const { root, clock } = setup();
  const m = await newKey(root);
  assert.equal(await root.getKeyRotationStatus({ KeyId: m.KeyId }), { KeyRotationEnabled: false, KeyId: m.Arn });
  for (const RotationPeriodInDays of [89, 2561, 100.5]) {
    await rejects(
      root.enableKeyRotation({ KeyId: m.KeyId, RotationPeriodInDays }),
      'ValidationException',
      /RotationPeriodInDays/,
    );
  }
  await root.enableKeyRotation({ KeyId: m.KeyId });
  const s = await root.getKeyRotationStatus({ KeyId: m.KeyId });
  assert.is(s.KeyRotationEnabled, true);
  assert.is(s.RotationPeriodInDays, 365);
  assert.is(s.NextRotationDate.getTime(), clock().getTime() + 365 * 86400000);
  await root.enableKeyRotation({ KeyId: m.KeyId, RotationPeriodInDays: 90 });
  assert.is((await root.getKeyRotationStatus({ KeyId: m.KeyId })).RotationPeriodInDays, 90);
  await root.disableKeyRotation({ KeyId: m.KeyId });
  assert.is((await root.getKeyRotationStatus({ KeyId: m.KeyId })).KeyRotationEnabled, false);
});

rotation('automatic rotation when the clock passes NextRotationDate; old ciphertexts still decrypt', async () => {
  const { kms, root, clock } = setup();
  const m = await newKey(root);
  await root.enableKeyRotation({ KeyId: m.KeyId, RotationPeriodInDays: 90 });
  const old = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('old') });
  clock.advanceDays(89);
  assert.is((await root.describeKey({ KeyId: m.KeyId })).KeyMetadata.CurrentKeyMaterialId, m.CurrentKeyMaterialId);
  clock.advanceDays(1);
  const after = (await root.describeKey({ KeyId: m.KeyId })).KeyMetadata;
  assert.is.not(after.CurrentKeyMaterialId, m.CurrentKeyMaterialId);
  const fresh = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('new') });
  const d1 = await root.decrypt({ CiphertextBlob: fresh.CiphertextBlob });
  assert.is(d1.KeyMaterialId, after.CurrentKeyMaterialId);
  const d0 = await root.decrypt({ CiphertextBlob: old.CiphertextBlob });
  assert.is(text(d0.Plaintext), 'old');
  assert.is(d0.KeyMaterialId, m.CurrentKeyMaterialId);
  const list = await root.listKeyRotations({ KeyId: m.KeyId });
  assert.is(list.Rotations.length, 1);
  assert.is(list.Rotations[0].RotationType, 'AUTOMATIC');
  assert.is(list.Rotations[0].KeyMaterialState, 'CURRENT');
  assert.is(list.Rotations[0].RotationDate.getTime(), clock().getTime());
  assert.ok(kms.auditLog().some((r) => r.eventName === 'RotateKey' && r.keyArn === m.Arn));
  const s = await root.getKeyRotationStatus({ KeyId: m.KeyId });
  assert.is(s.NextRotationDate.getTime(), clock().getTime() + 90 * 86400000);
});

rotation('no rotation while disabled; rotation switches need an enabled key', async () => {
  const { root, clock } = setup();
  const m = await newKey(root);
  await root.enableKeyRotation({ KeyId: m.KeyId, RotationPeriodInDays: 90 });
  await root.disableKey({ KeyId: m.KeyId });
  clock.advanceDays(100);
  assert.is((await root.describeKey({ KeyId: m.KeyId })).KeyMetadata.CurrentKeyMaterialId, m.CurrentKeyMaterialId);
  await rejects(root.enableKeyRotation({ KeyId: m.KeyId }), 'DisabledException');
  await rejects(root.disableKeyRotation({ KeyId: m.KeyId }), 'DisabledException');
  await rejects(root.rotateKeyOnDemand({ KeyId: m.KeyId }), 'DisabledException');
  await root.enableKey({ KeyId: m.KeyId });
  // Re-enabled after NextRotationDate: the next call rotates.
  assert.is.not((await root.describeKey({ KeyId: m.KeyId })).KeyMetadata.CurrentKeyMaterialId, m.CurrentKeyMaterialId);
});

rotation('while PendingDeletion the status reads false; cancelling restores it', async () => {
  const { root } = setup();
  const m = await newKey(root);
  await root.enableKeyRotation({ KeyId: m.KeyId });
  await root.scheduleKeyDeletion({ KeyId: m.KeyId });
  assert.is((await root.getKeyRotationStatus({ KeyId: m.KeyId })).KeyRotationEnabled, false);
  await rejects(root.enableKeyRotation({ KeyId: m.KeyId }), 'KMSInvalidStateException');
  await rejects(root.rotateKeyOnDemand({ KeyId: m.KeyId }), 'KMSInvalidStateException');
  await root.cancelKeyDeletion({ KeyId: m.KeyId });
  assert.is((await root.getKeyRotationStatus({ KeyId: m.KeyId })).KeyRotationEnabled, true);
});

rotation('RotateKeyOnDemand: new material each time, at most 25, then ConflictException', async () => {
  const { root } = setup();
  const m = await newKey(root);
  const blobs = [];
  for (let i = 0; i < 25; i++) {
    blobs.push((await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8(`v${i}`) })).CiphertextBlob);
    assert.is((await root.rotateKeyOnDemand({ KeyId: m.KeyId })).KeyId, m.Arn);
  }
  await rejects(root.rotateKeyOnDemand({ KeyId: m.KeyId }), 'ConflictException', /25/);
  for (let i = 0; i < 25; i++) assert.is(text((await root.decrypt({ CiphertextBlob: blobs[i] })).Plaintext), `v${i}`);
  const rotations = await root.listKeyRotations({ KeyId: m.KeyId, Limit: 100 });
  assert.is(rotations.Rotations.length, 25);
  assert.ok(rotations.Rotations.every((r) => r.RotationType === 'ON_DEMAND'));
  assert.is(rotations.Rotations.filter((r) => r.KeyMaterialState === 'CURRENT').length, 1);
  const all = await root.listKeyRotations({ KeyId: m.KeyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL', Limit: 100 });
  assert.is(all.Rotations.length, 26);
  assert.is(all.Rotations[0].KeyMaterialId, m.CurrentKeyMaterialId);
  const page = await root.listKeyRotations({ KeyId: m.KeyId, Limit: 10 });
  assert.is(page.Rotations.length, 10);
  assert.is(page.Truncated, true);
  assert.ok((await root.getKeyRotationStatus({ KeyId: m.KeyId })).OnDemandRotationStartDate instanceof Date);
  await rejects(root.listKeyRotations({ KeyId: m.KeyId, IncludeKeyMaterial: 'SOME' }), 'ValidationException');
});

rotation("rotation operations need the key policy's permission", async () => {
  const { admin, alice } = setup();
  const m = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  for (const op of [
    'enableKeyRotation',
    'disableKeyRotation',
    'getKeyRotationStatus',
    'rotateKeyOnDemand',
    'listKeyRotations',
  ]) {
    await rejects(alice[op]({ KeyId: m.KeyId }), 'AccessDeniedException', /not authorized/);
    await admin[op]({ KeyId: m.KeyId });
  }
});

rotation.run();

// ---------------------------------------------------------------------------------------------
const defaultKey = suite('kms default key alias/aws/atrest');

defaultKey('created on first use, AWS managed, rotated yearly', async () => {
  const { kms, alice, clock } = setup();
  assert.not.ok((await alice.listKeys()).Keys.length);
  const e = await alice.encrypt({ KeyId: 'alias/aws/atrest', Plaintext: utf8('x') });
  const m = (await alice.describeKey({ KeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/aws/atrest` })).KeyMetadata;
  assert.is(m.KeyManager, 'AWS');
  assert.is(e.KeyId, m.Arn);
  assert.ok(kms.auditLog().some((r) => r.eventName === 'CreateDefaultKey'));
  const s = await alice.getKeyRotationStatus({ KeyId: m.KeyId });
  assert.is(s.KeyRotationEnabled, true);
  assert.is(s.RotationPeriodInDays, 365);
  clock.advanceDays(365);
  const after = (await alice.describeKey({ KeyId: 'alias/aws/atrest' })).KeyMetadata;
  assert.is.not(after.CurrentKeyMaterialId, m.CurrentKeyMaterialId);
  assert.is(text((await alice.decrypt({ CiphertextBlob: e.CiphertextBlob })).Plaintext), 'x');
  // Only one default key, whatever names it.
  assert.is((await alice.listKeys()).Keys.length, 1);
});

defaultKey('every principal of the account may use it; other accounts may not', async () => {
  const { kms, alice, eve } = setup();
  const g = await alice.generateDataKey({ KeyId: 'alias/aws/atrest', NumberOfBytes: 64 });
  const bob = kms.as(`arn:aws:iam::${ACCOUNT}:role/any-role`);
  assert.equal((await bob.decrypt({ CiphertextBlob: g.CiphertextBlob })).Plaintext, g.Plaintext);
  await rejects(eve.decrypt({ CiphertextBlob: g.CiphertextBlob }), 'AccessDeniedException');
  // A principal of another account does not make the key appear.
  const fresh = setup();
  await rejects(fresh.eve.encrypt({ KeyId: 'alias/aws/atrest', Plaintext: utf8('x') }), 'NotFoundException');
  assert.is((await fresh.root.listKeys()).Keys.length, 0);
});

defaultKey('nobody — not even the account root — can disable, delete, rotate on demand or re-policy it', async () => {
  const { root } = setup();
  const m = (await root.describeKey({ KeyId: 'alias/aws/atrest' })).KeyMetadata;
  const refused = ['AccessDeniedException', 'UnsupportedOperationException'];
  for (const [op, request] of [
    ['disableKey', { KeyId: m.KeyId }],
    ['scheduleKeyDeletion', { KeyId: m.KeyId }],
    ['rotateKeyOnDemand', { KeyId: m.KeyId }],
    ['disableKeyRotation', { KeyId: m.KeyId }],
    ['putKeyPolicy', { KeyId: m.KeyId, Policy: onlyPolicy(ROOT), BypassPolicyLockoutSafetyCheck: true }],
    ['createAlias', { AliasName: 'alias/mine', TargetKeyId: m.KeyId }],
  ]) {
    let error;
    try {
      await root[op](request);
    } catch (e) {
      error = e;
    }
    assert.ok(error && refused.includes(error.name), `${op} must be refused, got ${error && error.name}`);
  }
  await rejects(root.deleteAlias({ AliasName: 'alias/aws/atrest' }), 'ValidationException', /reserved/);
  const policy = JSON.parse((await root.getKeyPolicy({ KeyId: m.KeyId })).Policy);
  assert.is(policy.Statement[0].Condition.StringEquals['kms:CallerAccount'], ACCOUNT);
  assert.is((await root.describeKey({ KeyId: m.KeyId })).KeyMetadata.KeyState, 'Enabled');
});

defaultKey.run();
