// The KmsClient conformance scenario: one sequence that calls every KmsClient operation (all
// 27), as three principals, through success and through AWS's error names, and records what
// came back. Run against LocalKms in process and against the same LocalKms behind `atrest
// serve` through @aws-sdk/client-kms (tests/node/kms-wire-sdk.test.js), the two transcripts must
// be equal once random values (key ids, grant ids, tokens, ciphertexts) are replaced by their
// order of first appearance. The scenario also asserts behaviour as it goes (a decrypt returns
// what was encrypted), so an equal transcript of wrong answers still fails. Portable.
import * as assert from 'uvu/assert';

export const OPERATIONS = [
  'createKey',
  'describeKey',
  'listKeys',
  'enableKey',
  'disableKey',
  'scheduleKeyDeletion',
  'cancelKeyDeletion',
  'createAlias',
  'updateAlias',
  'deleteAlias',
  'listAliases',
  'encrypt',
  'decrypt',
  'reEncrypt',
  'generateDataKey',
  'generateDataKeyWithoutPlaintext',
  'createGrant',
  'listGrants',
  'retireGrant',
  'revokeGrant',
  'enableKeyRotation',
  'disableKeyRotation',
  'getKeyRotationStatus',
  'rotateKeyOnDemand',
  'listKeyRotations',
  'getKeyPolicy',
  'putKeyPolicy',
];

const utf8 = (s) => new TextEncoder().encode(s);
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * @param {{root, admin, alice, bob}} c KmsClients acting as the account root, admin and alice (IAM
 *   users) and bob (an assumed-role session of role bob)
 * @param {{admin: string, alice: string, bobRole: string, bob: string}} who principal ARNs
 * @param {{advanceDays(n: number): void}} clock the key service's clock
 */
export async function runConformance(c, who, clock) {
  const log = [];
  const called = new Set();
  const step = async (label, client, op, request) => {
    called.add(op);
    try {
      const result = await client[op](request);
      log.push({ label, op, ok: result });
      return result;
    } catch (e) {
      assert.ok(e instanceof Error, `${label}: rejections are Errors`);
      assert.type(e.name, 'string');
      assert.ok(e.message.length > 0, `${label}: ${e.name} has a message`);
      log.push({ label, op, error: e.name });
      return e;
    }
  };

  // keys
  const k1 = (
    await step('create k1', c.root, 'createKey', { Description: 'first', Tags: [{ TagKey: 'team', TagValue: 'a' }] })
  ).KeyMetadata;
  const k2 = (await step('create k2', c.root, 'createKey', { Description: 'second' })).KeyMetadata;
  assert.is(k1.KeyState, 'Enabled');
  assert.instance(k1.CreationDate, Date);
  await step('create bad spec', c.root, 'createKey', { KeySpec: 'RSA_2048' });
  await step('create bad policy', c.root, 'createKey', { Policy: '{not json' });
  await step('describe k1', c.root, 'describeKey', { KeyId: k1.Arn });
  await step('describe missing', c.root, 'describeKey', { KeyId: '00000000-0000-0000-0000-000000000000' });
  await step('describe empty', c.root, 'describeKey', {});
  const p1 = await step('list p1', c.root, 'listKeys', { Limit: 1 });
  assert.is(p1.Truncated, true);
  assert.ok(p1.NextMarker);
  const p2 = await step('list p2', c.root, 'listKeys', { Limit: 1, Marker: p1.NextMarker });
  assert.is(p2.Truncated, false);
  assert.is(p2.NextMarker, undefined);
  await step('list bad marker', c.root, 'listKeys', { Marker: 'nope' });
  await step('list bad limit', c.root, 'listKeys', { Limit: 0 });

  // aliases
  await step('alias app', c.root, 'createAlias', { AliasName: 'alias/app', TargetKeyId: k1.KeyId });
  await step('alias app again', c.root, 'createAlias', { AliasName: 'alias/app', TargetKeyId: k2.KeyId });
  await step('alias reserved', c.root, 'createAlias', { AliasName: 'alias/aws/mine', TargetKeyId: k2.KeyId });
  await step('alias other', c.root, 'createAlias', { AliasName: 'alias/other', TargetKeyId: k2.KeyId });
  await step('update other', c.root, 'updateAlias', { AliasName: 'alias/other', TargetKeyId: k1.KeyId });
  await step('aliases of k1', c.root, 'listAliases', { KeyId: k1.KeyId });
  await step('delete other', c.root, 'deleteAlias', { AliasName: 'alias/other' });
  await step('delete other again', c.root, 'deleteAlias', { AliasName: 'alias/other' });
  await step('aliases all', c.root, 'listAliases', {});

  // cryptography (non-ASCII encryption context, as boto3 and the SDK encode it differently)
  const ec = { tenant: 'acme', ünï: 'çødé ✓' };
  const enc = await step('encrypt', c.root, 'encrypt', {
    KeyId: 'alias/app',
    Plaintext: utf8('hello'),
    EncryptionContext: ec,
  });
  const dec = await step('decrypt', c.root, 'decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec });
  assert.ok(same(dec.Plaintext, utf8('hello')), 'decrypt returns the plaintext');
  assert.is(dec.KeyId, k1.Arn);
  await step('decrypt wrong ec', c.root, 'decrypt', {
    CiphertextBlob: enc.CiphertextBlob,
    EncryptionContext: { tenant: 'other' },
  });
  await step('decrypt wrong key', c.root, 'decrypt', {
    CiphertextBlob: enc.CiphertextBlob,
    EncryptionContext: ec,
    KeyId: k2.Arn,
  });
  const broken = enc.CiphertextBlob.slice();
  broken[broken.length - 1] ^= 1;
  await step('decrypt tampered', c.root, 'decrypt', { CiphertextBlob: broken, EncryptionContext: ec });
  await step('encrypt too big', c.root, 'encrypt', { KeyId: k1.KeyId, Plaintext: new Uint8Array(4097) });
  const gdk = await step('gdk', c.root, 'generateDataKey', {
    KeyId: k1.Arn,
    KeySpec: 'AES_256',
    EncryptionContext: ec,
  });
  assert.is(gdk.Plaintext.length, 32);
  await step('gdk both sizes', c.root, 'generateDataKey', { KeyId: k1.Arn, KeySpec: 'AES_256', NumberOfBytes: 32 });
  const gdkn = await step('gdk no plaintext', c.root, 'generateDataKeyWithoutPlaintext', {
    KeyId: k1.Arn,
    NumberOfBytes: 64,
  });
  assert.is(gdkn.Plaintext, undefined);
  const re = await step('reencrypt', c.root, 'reEncrypt', {
    CiphertextBlob: gdk.CiphertextBlob,
    SourceEncryptionContext: ec,
    DestinationKeyId: k2.KeyId,
    DestinationEncryptionContext: { v: '2' },
  });
  const back = await step('decrypt reencrypted', c.root, 'decrypt', {
    CiphertextBlob: re.CiphertextBlob,
    EncryptionContext: { v: '2' },
  });
  assert.ok(same(back.Plaintext, gdk.Plaintext), 'ReEncrypt keeps the data key');

  // key policy and principals
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'admin', Effect: 'Allow', Principal: { AWS: who.admin }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'alice',
        Effect: 'Allow',
        Principal: { AWS: who.alice },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
      },
    ],
  });
  await step('get policy', c.root, 'getKeyPolicy', { KeyId: k2.KeyId });
  await step('get policy bad name', c.root, 'getKeyPolicy', { KeyId: k2.KeyId, PolicyName: 'other' });
  await step('put policy', c.admin, 'putKeyPolicy', { KeyId: k2.KeyId, Policy: policy });
  await step('put malformed', c.admin, 'putKeyPolicy', { KeyId: k2.KeyId, Policy: '{"Statement": 3}' });
  await step('policy after put', c.admin, 'getKeyPolicy', { KeyId: k2.KeyId, PolicyName: 'default' });
  const aliceKey = await step('alice gdk', c.alice, 'generateDataKey', {
    KeyId: k2.KeyId,
    NumberOfBytes: 16,
    EncryptionContext: { app: 'x' },
  });
  await step('alice decrypt', c.alice, 'decrypt', {
    CiphertextBlob: aliceKey.CiphertextBlob,
    EncryptionContext: { app: 'x' },
  });
  await step('root refused by the new policy', c.root, 'describeKey', { KeyId: k2.KeyId });
  await step('alice encrypt refused', c.alice, 'encrypt', { KeyId: k2.KeyId, Plaintext: utf8('x') });
  await step('bob gdk refused', c.bob, 'generateDataKey', { KeyId: k2.KeyId, NumberOfBytes: 16 });

  // grants (to bob's assumed-role session), with an encryption-context constraint
  const g = await step('grant bob', c.admin, 'createGrant', {
    KeyId: k2.KeyId,
    GranteePrincipal: who.bob,
    Operations: ['Decrypt', 'GenerateDataKey'],
    Constraints: { EncryptionContextSubset: { app: 'x' } },
    Name: 'bob-grant',
  });
  const gAgain = await step('grant bob again (same name)', c.admin, 'createGrant', {
    KeyId: k2.KeyId,
    GranteePrincipal: who.bob,
    Operations: ['Decrypt', 'GenerateDataKey'],
    Constraints: { EncryptionContextSubset: { app: 'x' } },
    Name: 'bob-grant',
  });
  assert.is(gAgain.GrantId, g.GrantId, 'CreateGrant with the same Name is idempotent');
  const viaGrant = await step('bob decrypt in ec', c.bob, 'decrypt', {
    CiphertextBlob: aliceKey.CiphertextBlob,
    EncryptionContext: { app: 'x' },
  });
  assert.ok(same(viaGrant.Plaintext, aliceKey.Plaintext), 'the grant lets bob decrypt');
  await step('bob gdk other ec', c.bob, 'generateDataKey', {
    KeyId: k2.KeyId,
    NumberOfBytes: 16,
    EncryptionContext: { app: 'y' },
  });
  await step('grants', c.admin, 'listGrants', { KeyId: k2.KeyId });
  await step('grants bad key', c.root, 'listGrants', { KeyId: 'alias/none' });
  await step('retire bad token', c.root, 'retireGrant', { GrantToken: 'not-a-token' });
  const g2 = await step('grant alice', c.admin, 'createGrant', {
    KeyId: k2.KeyId,
    GranteePrincipal: who.alice,
    Operations: ['Encrypt'],
    RetiringPrincipal: who.alice,
  });
  await step('alice encrypt via grant', c.alice, 'encrypt', {
    KeyId: k2.Arn,
    Plaintext: utf8('via grant'),
    GrantTokens: [g2.GrantToken],
  });
  await step('alice retires', c.alice, 'retireGrant', { GrantToken: g2.GrantToken });
  await step('alice encrypt after retire', c.alice, 'encrypt', { KeyId: k2.Arn, Plaintext: utf8('x') });
  await step('revoke bob', c.admin, 'revokeGrant', { KeyId: k2.KeyId, GrantId: g.GrantId });
  await step('revoke bob again', c.admin, 'revokeGrant', { KeyId: k2.KeyId, GrantId: g.GrantId });
  await step('bob after revoke', c.bob, 'decrypt', {
    CiphertextBlob: aliceKey.CiphertextBlob,
    EncryptionContext: { app: 'x' },
  });

  // rotation
  await step('rotation status', c.root, 'getKeyRotationStatus', { KeyId: k1.KeyId });
  await step('enable rotation', c.root, 'enableKeyRotation', { KeyId: k1.KeyId, RotationPeriodInDays: 90 });
  await step('enable rotation bad period', c.root, 'enableKeyRotation', { KeyId: k1.KeyId, RotationPeriodInDays: 10 });
  await step('rotation status on', c.root, 'getKeyRotationStatus', { KeyId: k1.KeyId });
  await step('rotate now', c.root, 'rotateKeyOnDemand', { KeyId: k1.KeyId });
  clock.advanceDays(91);
  await step('rotations', c.root, 'listKeyRotations', { KeyId: k1.KeyId });
  await step('rotations all material', c.root, 'listKeyRotations', {
    KeyId: k1.KeyId,
    IncludeKeyMaterial: 'ALL_KEY_MATERIAL',
    Limit: 2,
  });
  const old = await step('decrypt across rotations', c.root, 'decrypt', {
    CiphertextBlob: enc.CiphertextBlob,
    EncryptionContext: ec,
  });
  assert.ok(same(old.Plaintext, utf8('hello')), 'old material still decrypts');
  await step('disable rotation', c.root, 'disableKeyRotation', { KeyId: k1.KeyId });

  // key states and deletion
  await step('disable k2', c.admin, 'disableKey', { KeyId: k2.KeyId });
  await step('encrypt disabled', c.admin, 'encrypt', { KeyId: k2.KeyId, Plaintext: utf8('x') });
  await step('enable k2', c.admin, 'enableKey', { KeyId: k2.KeyId });
  await step('schedule deletion', c.admin, 'scheduleKeyDeletion', { KeyId: k2.KeyId, PendingWindowInDays: 7 });
  await step('schedule bad window', c.root, 'scheduleKeyDeletion', { KeyId: k1.KeyId, PendingWindowInDays: 3 });
  await step('encrypt pending', c.admin, 'encrypt', { KeyId: k2.KeyId, Plaintext: utf8('x') });
  await step('cancel deletion', c.admin, 'cancelKeyDeletion', { KeyId: k2.KeyId });
  await step('describe after cancel', c.admin, 'describeKey', { KeyId: k2.KeyId });
  await step('schedule again', c.admin, 'scheduleKeyDeletion', { KeyId: k2.KeyId, PendingWindowInDays: 7 });
  clock.advanceDays(8);
  await step('describe deleted', c.admin, 'describeKey', { KeyId: k2.KeyId });
  await step('decrypt under deleted', c.admin, 'decrypt', {
    CiphertextBlob: re.CiphertextBlob,
    EncryptionContext: { v: '2' },
  });
  await step('list at end', c.root, 'listKeys', {});

  const missing = OPERATIONS.filter((op) => !called.has(op));
  assert.equal(missing, [], 'the scenario calls every KmsClient operation');
  return log;
}

/** Replaces values that differ between runs by construction (random ids, ciphertexts, plaintext
 *  data keys) with stable names in order of first appearance; keeps everything else. */
export function normalizeTranscript(log) {
  const names = new Map();
  const name = (kind, v) => {
    const key = `${kind}:${v}`;
    if (!names.has(key))
      names.set(key, `<${kind}${[...names.keys()].filter((k) => k.startsWith(kind + ':')).length + 1}>`);
    return names.get(key);
  };
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  const hex64 = /\b[0-9a-f]{64}\b/g;
  const walk = (v, field) => {
    if (v instanceof Uint8Array)
      return field === 'CiphertextBlob' || field === 'Plaintext' ? `<${v.length} bytes>` : Array.from(v);
    if (v instanceof Date) return `date:${v.toISOString()}`;
    if (Array.isArray(v)) return v.map((x) => walk(x, field));
    if (v && typeof v === 'object') {
      const out = {};
      for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = walk(v[k], k);
      return out;
    }
    if (typeof v === 'string') {
      if (field === 'GrantToken') return name('token', v);
      if (field === 'GrantId') return name('grant', v);
      if (field === 'Policy') return JSON.parse(v);
      return v.replace(uuid, (m) => name('key', m)).replace(hex64, (m) => name('material', m));
    }
    return v;
  };
  return log.map((entry) => walk(entry));
}
