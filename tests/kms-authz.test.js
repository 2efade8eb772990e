// LocalKms authorization through key policies: explicit deny over allow, the account-root
// statement covering the account's principals, conditions fed from the request (encryption
// context, kms:RequestAlias, kms:CallerAccount, kms:ViaService, aws:CurrentTime), Decrypt
// authorized against the key inside the blob, PutKeyPolicy / CreateKey lockout safety.
// Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ACCOUNT, ADMIN, ALICE, BOB, EVE, ROOT, newKey, onlyPolicy, rejects, setup, utf8 } from './_lib/kms.js';

const policy = (...statements) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const adminStatement = { Sid: 'admin', Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' };

const authz = suite('kms authz: key policies');

authz('Allow for a named principal; others (same account or not) are refused with AWS wording', async () => {
  const { admin, alice, eve } = setup();
  const m = await newKey(admin, {
    Policy: policy(adminStatement, {
      Effect: 'Allow',
      Principal: { AWS: ALICE },
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Resource: '*',
    }),
  });
  const e = await alice.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x') });
  await alice.decrypt({ CiphertextBlob: e.CiphertextBlob });
  const err = await rejects(alice.describeKey({ KeyId: m.KeyId }), 'AccessDeniedException');
  assert.is(
    err.message,
    `User: ${ALICE} is not authorized to perform: kms:DescribeKey on resource: ${m.Arn} because no resource-based policy allows the kms:DescribeKey action`,
  );
  await rejects(
    eve.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x') }),
    'AccessDeniedException',
    /no resource-based policy allows the kms:Encrypt action/,
  );
});

authz('an explicit Deny wins over any Allow, with the explicit-deny wording', async () => {
  const { root, alice, bob } = setup();
  const m = await newKey(root, {
    Policy: policy(
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'kms:Decrypt', Resource: '*' },
    ),
  });
  const e = await bob.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x') });
  await bob.decrypt({ CiphertextBlob: e.CiphertextBlob });
  const err = await rejects(alice.decrypt({ CiphertextBlob: e.CiphertextBlob }), 'AccessDeniedException');
  assert.is(
    err.message,
    `User: ${ALICE} is not authorized to perform: kms:Decrypt on resource: ${m.Arn} with an explicit deny in a resource-based policy`,
  );
  // A Deny also beats a grant.
  await root.createGrant({ KeyId: m.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] });
  await rejects(alice.decrypt({ CiphertextBlob: e.CiphertextBlob }), 'AccessDeniedException', /explicit deny/);
});

authz('an account-root statement covers every principal of that account (no IAM in LocalKms)', async () => {
  const { root, alice, bob, eve, kms } = setup();
  const m = await newKey(root);
  await alice.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x') });
  await bob.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x') });
  await kms.as(`arn:aws:sts::${ACCOUNT}:assumed-role/bob/session-1`).encrypt({ KeyId: m.KeyId, Plaintext: utf8('x') });
  await rejects(eve.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');
});

authz('Decrypt is authorized against the key inside the blob, not the KeyId argument', async () => {
  const { admin, alice } = setup();
  const open = await newKey(admin, {
    Policy: policy(adminStatement, { Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' }),
  });
  const closed = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  const e = await admin.encrypt({ KeyId: closed.KeyId, Plaintext: utf8('x') });
  await rejects(alice.decrypt({ CiphertextBlob: e.CiphertextBlob }), 'AccessDeniedException', new RegExp(closed.Arn));
  // Naming a key alice may use does not help: IncorrectKeyException.
  await rejects(alice.decrypt({ CiphertextBlob: e.CiphertextBlob, KeyId: open.KeyId }), 'IncorrectKeyException');
});

authz('ReEncrypt needs ReEncryptFrom on the source key and ReEncryptTo on the destination', async () => {
  const { admin, alice } = setup();
  const from = (a) => ({ Effect: 'Allow', Principal: { AWS: ALICE }, Action: a, Resource: '*' });
  const src = await newKey(admin, { Policy: policy(adminStatement, from('kms:ReEncryptFrom')) });
  const dstOk = await newKey(admin, { Policy: policy(adminStatement, from('kms:ReEncrypt*')) });
  const dstNo = await newKey(admin, { Policy: policy(adminStatement, from('kms:ReEncryptFrom')) });
  const e = await admin.encrypt({ KeyId: src.KeyId, Plaintext: utf8('x') });
  await alice.reEncrypt({ CiphertextBlob: e.CiphertextBlob, DestinationKeyId: dstOk.KeyId });
  await rejects(
    alice.reEncrypt({ CiphertextBlob: e.CiphertextBlob, DestinationKeyId: dstNo.KeyId }),
    'AccessDeniedException',
    /kms:ReEncryptTo/,
  );
  const e2 = await admin.encrypt({ KeyId: dstNo.KeyId, Plaintext: utf8('x') });
  await rejects(
    alice.reEncrypt({ CiphertextBlob: e2.CiphertextBlob, DestinationKeyId: dstNo.KeyId }),
    'AccessDeniedException',
    /kms:ReEncryptTo/,
  );
  await rejects(admin.decrypt({ CiphertextBlob: e.CiphertextBlob, KeyId: dstOk.KeyId }), 'IncorrectKeyException');
});

authz('conditions see the encryption context', async () => {
  const { admin, alice } = setup();
  const m = await newKey(admin, {
    Policy: policy(adminStatement, {
      Effect: 'Allow',
      Principal: { AWS: ALICE },
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } },
    }),
  });
  const e = await alice.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x'), EncryptionContext: { tenant: 'acme' } });
  await alice.decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { tenant: 'acme' } });
  await rejects(
    alice.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x'), EncryptionContext: { tenant: 'other' } }),
    'AccessDeniedException',
  );
  await rejects(alice.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');
});

authz('conditions see kms:RequestAlias, kms:CallerAccount, kms:ViaService and aws:CurrentTime', async () => {
  const { admin, alice, kms, clock } = setup();
  const allow = (Condition) => ({
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: 'kms:Encrypt',
    Resource: '*',
    Condition,
  });
  const byAlias = await newKey(admin, {
    Policy: policy(adminStatement, allow({ StringEquals: { 'kms:RequestAlias': 'alias/ok' } })),
  });
  await admin.createAlias({ AliasName: 'alias/ok', TargetKeyId: byAlias.KeyId });
  await alice.encrypt({ KeyId: 'alias/ok', Plaintext: utf8('x') });
  await rejects(alice.encrypt({ KeyId: byAlias.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');

  const byAccount = await newKey(admin, {
    Policy: policy(adminStatement, allow({ StringEquals: { 'kms:CallerAccount': ACCOUNT } })),
  });
  await alice.encrypt({ KeyId: byAccount.KeyId, Plaintext: utf8('x') });
  await rejects(kms.as(EVE).encrypt({ KeyId: byAccount.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');

  const bySvc = await newKey(admin, {
    Policy: policy(adminStatement, allow({ StringEquals: { 'kms:ViaService': 'fsx.us-east-1.amazonaws.com' } })),
  });
  await kms
    .as(ALICE, { viaService: 'fsx.us-east-1.amazonaws.com' })
    .encrypt({ KeyId: bySvc.KeyId, Plaintext: utf8('x') });
  await rejects(alice.encrypt({ KeyId: bySvc.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');

  const byTime = await newKey(admin, {
    Policy: policy(adminStatement, allow({ DateLessThan: { 'aws:CurrentTime': '2030-06-01T00:00:00Z' } })),
  });
  await alice.encrypt({ KeyId: byTime.KeyId, Plaintext: utf8('x') });
  clock.advanceDays(200);
  await rejects(alice.encrypt({ KeyId: byTime.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');
});

authz(
  'kms:EncryptionContext:<k>: a case-variant second pair does not unlock a refused context (issue 12 item 6)',
  async () => {
    const { admin, alice } = setup();
    const m = await newKey(admin, {
      Policy: policy(adminStatement, {
        Effect: 'Allow',
        Principal: { AWS: ALICE },
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } },
      }),
    });
    const enc = (EncryptionContext) => alice.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x'), EncryptionContext });
    await enc({ tenant: 'acme' });
    await enc({ Tenant: 'acme' }); // the condition key name is case-insensitive: either spelling alone
    await enc({ tenant: 'acme', TENANT: 'acme' });
    await rejects(enc({ tenant: 'globex' }), 'AccessDeniedException');
    await rejects(enc({ tenant: 'globex', Tenant: 'acme' }), 'AccessDeniedException');
    await rejects(enc({ Tenant: 'acme', tenant: 'globex' }), 'AccessDeniedException');
    // Decrypt of a blob made by admin with the mixed context is refused for alice too.
    const e = await admin.encrypt({
      KeyId: m.KeyId,
      Plaintext: utf8('x'),
      EncryptionContext: { tenant: 'globex', Tenant: 'acme' },
    });
    await rejects(
      alice.decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { tenant: 'globex', Tenant: 'acme' } }),
      'AccessDeniedException',
    );
  },
);

authz.run();

// ---------------------------------------------------------------------------------------------
const policies = suite('kms authz: GetKeyPolicy / PutKeyPolicy / lockout');

policies('PutKeyPolicy replaces the policy; GetKeyPolicy returns it unchanged', async () => {
  const { root, alice } = setup();
  const m = await newKey(root);
  const text = policy(
    { Sid: 'root only', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
    { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' },
  );
  await root.putKeyPolicy({ KeyId: m.KeyId, Policy: text });
  assert.is((await root.getKeyPolicy({ KeyId: m.KeyId })).Policy, text);
  await rejects(alice.getKeyPolicy({ KeyId: m.KeyId }), 'AccessDeniedException', /kms:GetKeyPolicy/);
  await rejects(root.getKeyPolicy({ KeyId: m.KeyId, PolicyName: 'other' }), 'ValidationException', /default/);
});

policies('malformed documents are MalformedPolicyDocumentException', async () => {
  const { root } = setup();
  const m = await newKey(root);
  for (const bad of [
    '{not json',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Maybe', Principal: '*', Action: 'kms:*', Resource: '*' }],
    }),
    'x'.repeat(40000),
  ]) {
    await rejects(root.putKeyPolicy({ KeyId: m.KeyId, Policy: bad }), 'MalformedPolicyDocumentException');
    await rejects(root.createKey({ Policy: bad }), 'MalformedPolicyDocumentException');
  }
  await rejects(root.putKeyPolicy({ KeyId: m.KeyId, Policy: 42 }), 'MalformedPolicyDocumentException');
});

policies('a policy that would lock the caller out is refused unless BypassPolicyLockoutSafetyCheck', async () => {
  const { admin } = setup();
  const m = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  const lockout = onlyPolicy(ALICE);
  await rejects(
    admin.putKeyPolicy({ KeyId: m.KeyId, Policy: lockout }),
    'MalformedPolicyDocumentException',
    /will not allow you to update the key policy/,
  );
  await rejects(
    admin.createKey({ Policy: lockout }),
    'MalformedPolicyDocumentException',
    /will not allow you to update the key policy/,
  );
  await admin.putKeyPolicy({ KeyId: m.KeyId, Policy: lockout, BypassPolicyLockoutSafetyCheck: true });
  await rejects(
    admin.putKeyPolicy({ KeyId: m.KeyId, Policy: onlyPolicy(ADMIN) }),
    'AccessDeniedException',
    /kms:PutKeyPolicy/,
  );
  const k = await newKey(admin, { Policy: lockout, BypassPolicyLockoutSafetyCheck: true });
  await rejects(admin.describeKey({ KeyId: k.KeyId }), 'AccessDeniedException');
});

policies('PutKeyPolicy needs kms:PutKeyPolicy', async () => {
  const { admin, alice } = setup();
  const m = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  await rejects(
    alice.putKeyPolicy({ KeyId: m.KeyId, Policy: onlyPolicy(ALICE) }),
    'AccessDeniedException',
    /kms:PutKeyPolicy/,
  );
});

policies('CreateKey and PutKeyPolicy refuse a policy that repeats a JSON name (issue 12 item 8)', async () => {
  const { admin } = setup();
  const dup =
    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"${ADMIN}"},"Action":"kms:*","Resource":"*"},` +
    `{"Effect":"Allow","Principal":{"AWS":"${ALICE}"},"Action":"kms:Decrypt","Resource":"*",` +
    '"Condition":{"StringEquals":{"kms:EncryptionContext:tenant":"acme"},"StringEquals":{"kms:CallerAccount":"111122223333"}}}]}';
  await rejects(admin.createKey({ Policy: dup }), 'MalformedPolicyDocumentException', /StringEquals" appears twice/);
  const m = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  await rejects(
    admin.putKeyPolicy({ KeyId: m.KeyId, Policy: dup }),
    'MalformedPolicyDocumentException',
    /appears twice/,
  );
});

policies.run();
