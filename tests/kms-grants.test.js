// LocalKms grants: CreateGrant / ListGrants / RetireGrant / RevokeGrant, constraints,
// delegation (subset of operations, constraints at least as strict), grant tokens, Name
// idempotency. Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ACCOUNT, ADMIN, ALICE, BOB, EVE, newKey, onlyPolicy, rejects, setup, utf8 } from './_lib/kms.js';
import { MemoryKeystore } from '../dist/index.js';

const CAROL = `arn:aws:iam::${ACCOUNT}:user/carol`;

async function fixture() {
  const s = setup();
  const key = await newKey(s.admin, { Policy: onlyPolicy(ADMIN) });
  return { ...s, key, carol: s.kms.as(CAROL) };
}

const grants = suite('kms grants: use');

grants('a grant lets its grantee do exactly its operations, at once', async () => {
  const { admin, alice, bob, key } = await fixture();
  await rejects(alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');
  const g = await admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt', 'Decrypt'] });
  assert.match(g.GrantId, /^[0-9a-f]{64}$/);
  assert.type(g.GrantToken, 'string');
  const e = await alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x') });
  await alice.decrypt({ CiphertextBlob: e.CiphertextBlob });
  await rejects(
    alice.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }),
    'AccessDeniedException',
    /kms:GenerateDataKey/,
  );
  await rejects(alice.describeKey({ KeyId: key.KeyId }), 'AccessDeniedException');
  await rejects(bob.decrypt({ CiphertextBlob: e.CiphertextBlob }), 'AccessDeniedException');
});

grants('EncryptionContextEquals: only that exact context', async () => {
  const { admin, alice, key } = await fixture();
  await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['GenerateDataKey', 'Decrypt'],
    Constraints: { EncryptionContextEquals: { volume: 'v1' } },
  });
  const g = await alice.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { volume: 'v1' } });
  await alice.decrypt({ CiphertextBlob: g.CiphertextBlob, EncryptionContext: { volume: 'v1' } });
  await rejects(
    alice.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { volume: 'v2' } }),
    'AccessDeniedException',
  );
  await rejects(
    alice.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { volume: 'v1', extra: 'x' } }),
    'AccessDeniedException',
  );
  await rejects(alice.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }), 'AccessDeniedException');
});

grants('EncryptionContextSubset: those pairs and possibly more', async () => {
  const { admin, alice, key } = await fixture();
  await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['Encrypt'],
    Constraints: { EncryptionContextSubset: { tenant: 'acme' } },
  });
  await alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: { tenant: 'acme' } });
  await alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: { tenant: 'acme', file: 'a' } });
  await rejects(
    alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: { file: 'a' } }),
    'AccessDeniedException',
  );
  await rejects(
    alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: { tenant: 'ACME' } }),
    'AccessDeniedException',
  );
});

grants('a constraint on "__proto__" is a real constraint, not dropped (issue 12 item 7)', async () => {
  const { admin, alice, key } = await fixture();
  await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['Encrypt'],
    Constraints: JSON.parse('{"EncryptionContextSubset":{"__proto__":"acme"}}'),
  });
  const listed = (await admin.listGrants({ KeyId: key.KeyId })).Grants[0];
  assert.equal(Object.keys(listed.Constraints.EncryptionContextSubset), ['__proto__']);
  await alice.encrypt({
    KeyId: key.KeyId,
    Plaintext: utf8('x'),
    EncryptionContext: JSON.parse('{"__proto__":"acme","file":"a"}'),
  });
  await rejects(
    alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: {} }),
    'AccessDeniedException',
  );
  await rejects(
    alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: { file: 'a' } }),
    'AccessDeniedException',
  );
  await rejects(
    alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: JSON.parse('{"__proto__":"globex"}') }),
    'AccessDeniedException',
  );
});

grants('constraint values: at most 384 characters (AWS CreateGrant) (issue 12 item 14)', async () => {
  const { admin, key } = await fixture();
  await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['Encrypt'],
    Constraints: { EncryptionContextSubset: { k: 'v'.repeat(384) } },
  });
  await rejects(
    admin.createGrant({
      KeyId: key.KeyId,
      GranteePrincipal: ALICE,
      Operations: ['Encrypt'],
      Constraints: { EncryptionContextEquals: { k: 'v'.repeat(385) } },
    }),
    'ValidationException',
    /at most 384 characters/,
  );
});

grants('a grant works for DescribeKey, ReEncrypt and GenerateDataKeyWithoutPlaintext too', async () => {
  const { admin, alice, key } = await fixture();
  const other = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['DescribeKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom'],
  });
  await admin.createGrant({ KeyId: other.KeyId, GranteePrincipal: ALICE, Operations: ['ReEncryptTo'] });
  assert.is((await alice.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeyId, key.KeyId);
  const g = await alice.generateDataKeyWithoutPlaintext({ KeyId: key.KeyId, NumberOfBytes: 64 });
  const r = await alice.reEncrypt({ CiphertextBlob: g.CiphertextBlob, DestinationKeyId: other.KeyId });
  assert.is(r.KeyId, other.Arn);
  await rejects(alice.decrypt({ CiphertextBlob: r.CiphertextBlob }), 'AccessDeniedException');
});

grants('the audit log names the grant that authorized a call', async () => {
  const { kms, admin, alice, key } = await fixture();
  const g = await admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt'] });
  await alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x') });
  const rec = kms.auditLog().at(-1);
  assert.is(rec.eventName, 'Encrypt');
  assert.is(rec.grantId, g.GrantId);
});

grants.run();

// ---------------------------------------------------------------------------------------------
const create = suite('kms grants: CreateGrant rules');

create('validation: operations, constraints, principals, name', async () => {
  const { admin, key } = await fixture();
  const base = { KeyId: key.KeyId, GranteePrincipal: ALICE };
  await rejects(admin.createGrant({ ...base, Operations: [] }), 'ValidationException', /Operations/);
  await rejects(admin.createGrant({ ...base, Operations: ['Sign'] }), 'ValidationException', /Sign/);
  await rejects(admin.createGrant({ ...base, Operations: ['RevokeGrant'] }), 'ValidationException');
  await rejects(
    admin.createGrant({ ...base, Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { a: 1 } } }),
    'ValidationException',
  );
  await rejects(
    admin.createGrant({ ...base, Operations: ['Decrypt'], Constraints: { SourceArn: 'x' } }),
    'ValidationException',
  );
  await rejects(
    admin.createGrant({ ...base, Operations: ['DescribeKey'], Constraints: { EncryptionContextSubset: { a: 'b' } } }),
    'ValidationException',
    /encryption context/,
  );
  const nine = Object.fromEntries([...Array(9)].map((_, i) => [`k${i}`, 'v']));
  await rejects(
    admin.createGrant({ ...base, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: nine } }),
    'ValidationException',
    /at most 8/,
  );
  await rejects(
    admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: 'alice', Operations: ['Decrypt'] }),
    'ValidationException',
    /GranteePrincipal/,
  );
  await rejects(
    admin.createGrant({ ...base, Operations: ['Decrypt'], Name: 'bad name!' }),
    'ValidationException',
    /Name/,
  );
});

create('CreateGrant needs the policy or a grant with CreateGrant; the key must be enabled', async () => {
  const { admin, alice, key } = await fixture();
  await rejects(
    alice.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'] }),
    'AccessDeniedException',
    /kms:CreateGrant/,
  );
  await admin.disableKey({ KeyId: key.KeyId });
  await rejects(
    admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'] }),
    'DisabledException',
  );
});

create('delegation: a grantee passes on only a subset of its operations', async () => {
  const { admin, alice, bob, key } = await fixture();
  await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['CreateGrant', 'Decrypt', 'Encrypt'],
  });
  await alice.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'] });
  await alice.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt', 'Decrypt'] });
  await rejects(
    alice.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['GenerateDataKey'] }),
    'AccessDeniedException',
    /kms:CreateGrant/,
  );
  await rejects(
    alice.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt', 'DescribeKey'] }),
    'AccessDeniedException',
  );
  await bob.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x') });
  // A principal with kms:CreateGrant from the policy may grant anything.
  await admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['GenerateDataKey'] });
});

create("delegation: constraints must be at least as strict as the delegating grant's", async () => {
  const { admin, alice, bob, key } = await fixture();
  await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['CreateGrant', 'Decrypt'],
    Constraints: { EncryptionContextSubset: { tenant: 'acme' } },
  });
  const req = (Constraints) => ({
    KeyId: key.KeyId,
    GranteePrincipal: BOB,
    Operations: ['Decrypt'],
    ...(Constraints ? { Constraints } : {}),
  });
  await alice.createGrant(req({ EncryptionContextSubset: { tenant: 'acme' } }));
  await alice.createGrant(req({ EncryptionContextSubset: { tenant: 'acme', project: 'p' } }));
  await alice.createGrant(req({ EncryptionContextEquals: { tenant: 'acme', file: 'f' } }));
  await rejects(alice.createGrant(req(undefined)), 'AccessDeniedException');
  await rejects(alice.createGrant(req({ EncryptionContextSubset: { project: 'p' } })), 'AccessDeniedException');
  await rejects(alice.createGrant(req({ EncryptionContextEquals: { tenant: 'other' } })), 'AccessDeniedException');
});

create('Name makes CreateGrant idempotent (same GrantId, fresh token)', async () => {
  const { admin, key } = await fixture();
  const req = { KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'], Name: 'vol-1' };
  const a = await admin.createGrant(req);
  const b = await admin.createGrant(req);
  assert.is(b.GrantId, a.GrantId);
  assert.is.not(b.GrantToken, a.GrantToken);
  const c = await admin.createGrant({ ...req, Operations: ['Encrypt'] });
  assert.is.not(c.GrantId, a.GrantId);
  assert.is((await admin.listGrants({ KeyId: key.KeyId })).Grants.length, 2);
});

create('GrantTokens: up to 10, each must name a live grant', async () => {
  const { admin, alice, key } = await fixture();
  const g = await admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt'] });
  await alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), GrantTokens: [g.GrantToken] });
  await rejects(
    alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), GrantTokens: ['not-a-token'] }),
    'InvalidGrantTokenException',
  );
  await rejects(
    alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), GrantTokens: Array(11).fill(g.GrantToken) }),
    'ValidationException',
    /at most 10/,
  );
  await admin.revokeGrant({ KeyId: key.KeyId, GrantId: g.GrantId });
  await rejects(
    alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), GrantTokens: [g.GrantToken] }),
    'InvalidGrantTokenException',
    /does not exist/,
  );
});

create(
  "AWS's quota of 50,000 grants per key: the next CreateGrant is LimitExceededException; after a revoke there is room again; other keys are not counted (issue 12 item 15)",
  async () => {
    const { store, admin, key } = await fixture();
    const other = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
    const seed = await admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] });
    // Filling the quota call by call would take minutes: copy the one real grant in the saved state.
    const state = await store.load();
    const template = state.grants[seed.GrantId];
    for (let i = 1; i < 50_000; i++) {
      const grantId = i.toString(16).padStart(64, '0');
      state.grants[grantId] = { ...template, grantId };
    }
    await store.save(state);
    const { kms } = setup({ store });
    const again = kms.as(ADMIN);
    await rejects(
      again.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt'] }),
      'LimitExceededException',
      /50000 grants/,
    );
    await again.createGrant({ KeyId: other.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt'] });
    await again.revokeGrant({ KeyId: key.KeyId, GrantId: seed.GrantId });
    await again.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt'] });
    await rejects(
      again.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'] }),
      'LimitExceededException',
    );
  },
);

create(
  'grant records cannot be changed through what ListGrants returns or through a failed call (grants are shared between state copies)',
  async () => {
    const { admin, alice, key } = await fixture();
    await admin.createGrant({
      KeyId: key.KeyId,
      GranteePrincipal: ALICE,
      Operations: ['Encrypt'],
      Constraints: { EncryptionContextSubset: { t: 'a' } },
    });
    const listed = (await admin.listGrants({ KeyId: key.KeyId })).Grants[0];
    listed.Operations.push('Decrypt');
    listed.Constraints.EncryptionContextSubset.t = 'b';
    await alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: { t: 'a' } });
    await rejects(
      alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: { t: 'b' } }),
      'AccessDeniedException',
    );
    const again = (await admin.listGrants({ KeyId: key.KeyId })).Grants[0];
    assert.equal(again.Operations, ['Encrypt']);
    assert.equal(again.Constraints, { EncryptionContextSubset: { t: 'a' } });
  },
);

create.run();

// ---------------------------------------------------------------------------------------------
const manage = suite('kms grants: ListGrants / RetireGrant / RevokeGrant');

manage('ListGrants lists grants with their fields and filters; needs kms:ListGrants', async () => {
  const { admin, alice, key } = await fixture();
  const g = await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    RetiringPrincipal: BOB,
    Operations: ['Decrypt'],
    Constraints: { EncryptionContextSubset: { a: 'b' } },
    Name: 'n',
  });
  await admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Encrypt'] });
  const all = await admin.listGrants({ KeyId: key.KeyId });
  assert.is(all.Grants.length, 2);
  const [entry] = (await admin.listGrants({ KeyId: key.KeyId, GrantId: g.GrantId })).Grants;
  assert.is(entry.KeyId, key.Arn);
  assert.is(entry.GranteePrincipal, ALICE);
  assert.is(entry.RetiringPrincipal, BOB);
  assert.is(entry.Name, 'n');
  assert.equal(entry.Operations, ['Decrypt']);
  assert.equal(entry.Constraints, { EncryptionContextSubset: { a: 'b' } });
  assert.is(entry.IssuingAccount, `arn:aws:iam::${ACCOUNT}:root`);
  assert.ok(entry.CreationDate instanceof Date);
  assert.is((await admin.listGrants({ KeyId: key.KeyId, GranteePrincipal: BOB })).Grants.length, 1);
  await rejects(alice.listGrants({ KeyId: key.KeyId }), 'AccessDeniedException', /kms:ListGrants/);
  await rejects(admin.listGrants({ KeyId: key.KeyId, GrantId: 'xyz' }), 'InvalidGrantIdException');
});

manage('RetireGrant by the retiring principal (KeyId + GrantId), not by others', async () => {
  const { admin, alice, bob, carol, key } = await fixture();
  const g = await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    RetiringPrincipal: BOB,
    Operations: ['Encrypt'],
  });
  await rejects(
    alice.retireGrant({ KeyId: key.KeyId, GrantId: g.GrantId }),
    'AccessDeniedException',
    /kms:RetireGrant/,
  );
  await rejects(carol.retireGrant({ KeyId: key.KeyId, GrantId: g.GrantId }), 'AccessDeniedException');
  await bob.retireGrant({ KeyId: key.KeyId, GrantId: g.GrantId });
  await rejects(alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');
  await rejects(bob.retireGrant({ KeyId: key.KeyId, GrantId: g.GrantId }), 'NotFoundException');
});

manage('RetireGrant by a grantee holding RetireGrant, with the GrantToken', async () => {
  const { admin, alice, key } = await fixture();
  const g = await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['Encrypt', 'RetireGrant'],
  });
  await alice.retireGrant({ GrantToken: g.GrantToken });
  assert.equal((await admin.listGrants({ KeyId: key.KeyId })).Grants, []);
  await rejects(alice.retireGrant({ GrantToken: g.GrantToken }), 'InvalidGrantTokenException');
});

manage('RetireGrant request shape: a token, or KeyId and GrantId', async () => {
  const { admin, key } = await fixture();
  await rejects(admin.retireGrant({}), 'ValidationException', /GrantToken, or both KeyId and GrantId/);
  await rejects(admin.retireGrant({ KeyId: key.KeyId }), 'ValidationException');
  await rejects(admin.retireGrant({ KeyId: key.KeyId, GrantId: 'nope' }), 'InvalidGrantIdException');
  await rejects(admin.retireGrant({ GrantToken: '!!' }), 'InvalidGrantTokenException');
});

manage('RevokeGrant needs kms:RevokeGrant from the policy; a grant cannot give it', async () => {
  const { admin, alice, eve, key } = await fixture();
  const g = await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['Encrypt', 'RetireGrant', 'CreateGrant'],
  });
  await rejects(
    alice.revokeGrant({ KeyId: key.KeyId, GrantId: g.GrantId }),
    'AccessDeniedException',
    /kms:RevokeGrant/,
  );
  await rejects(eve.revokeGrant({ KeyId: key.KeyId, GrantId: g.GrantId }), 'AccessDeniedException');
  await admin.revokeGrant({ KeyId: key.KeyId, GrantId: g.GrantId });
  await rejects(alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');
  await rejects(admin.revokeGrant({ KeyId: key.KeyId, GrantId: g.GrantId }), 'NotFoundException');
  await rejects(admin.revokeGrant({ KeyId: key.KeyId, GrantId: 'zz' }), 'InvalidGrantIdException');
});

/** Grant records that throw, once armed, on any look at them: a call that reads a grant it did
 *  not need to (a scan of all grants, a copy of every grant per call) fails. */
function untouchable(record, alarm) {
  const target = Object.freeze({ ...record, operations: Object.freeze([...record.operations]) });
  const touch = (what) => {
    if (!alarm.armed) return;
    alarm.touched++;
    throw new Error(`grant ${record.grantId} of ${record.keyId} (${record.granteePrincipal}) was touched: ${what}`);
  };
  return new Proxy(target, {
    get: (t, p, r) => (touch(`get ${String(p)}`), Reflect.get(t, p, r)),
    has: (t, p) => (touch(`has ${String(p)}`), Reflect.has(t, p)),
    ownKeys: (t) => (touch('ownKeys'), Reflect.ownKeys(t)),
    getOwnPropertyDescriptor: (t, p) => (touch(`descriptor ${String(p)}`), Reflect.getOwnPropertyDescriptor(t, p)),
    isExtensible: (t) => (touch('isExtensible'), Reflect.isExtensible(t)),
    getPrototypeOf: (t) => (touch('getPrototypeOf'), Reflect.getPrototypeOf(t)),
  });
}

manage(
  "grants are indexed: CreateGrant, ListGrants, RetireGrant, RevokeGrant and authorization through a grant never look at other keys' grants or other grantees' (issue 12 item 15)",
  async () => {
    const seeded = setup();
    const key = await newKey(seeded.admin, { Policy: onlyPolicy(ADMIN) });
    const other = await newKey(seeded.admin, { Policy: onlyPolicy(ADMIN) });
    const template = await seeded.admin.createGrant({
      KeyId: other.KeyId,
      GranteePrincipal: ALICE,
      Operations: ['Encrypt', 'Decrypt'],
      Name: 'shared-name',
    });
    const state = await seeded.store.load();
    const record = state.grants[template.GrantId];
    delete state.grants[template.GrantId];
    // 6,000 grants nobody may look at: 5,000 on the other key (same grantee, same name), and
    // 1,000 on this key for another grantee under another name.
    const alarm = { armed: false, touched: 0 };
    for (let i = 0; i < 6000; i++) {
      const grantId = i.toString(16).padStart(64, '0');
      const mine = i >= 5000;
      const g = { ...record, grantId, ...(mine ? { keyId: key.KeyId, granteePrincipal: BOB, name: 'bobs' } : {}) };
      state.grants[grantId] = untouchable(g, alarm);
    }
    let saves = 0;
    const keystore = {
      load: async () => state,
      // A whole-state keystore is given every grant (ids as keys); this one reads none of them.
      save: async (s) => {
        saves++;
        assert.is(Object.keys(s.grants).length >= 6000, true);
      },
      close: async () => {},
    };
    const { admin, alice } = setup({ store: keystore });
    await admin.describeKey({ KeyId: key.KeyId }); // loads the state (reading every grant once)
    alarm.armed = true;

    const g1 = await admin.createGrant({
      KeyId: key.KeyId,
      GranteePrincipal: ALICE,
      Operations: ['Encrypt', 'Decrypt', 'RetireGrant'],
      Name: 'shared-name',
    });
    const again = await admin.createGrant({
      KeyId: key.KeyId,
      GranteePrincipal: ALICE,
      Operations: ['Encrypt', 'Decrypt', 'RetireGrant'],
      Name: 'shared-name',
    });
    assert.is(again.GrantId, g1.GrantId, 'Name idempotency finds the grant through the index');
    const g2 = await admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] });
    const e = await alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x') });
    await alice.decrypt({ CiphertextBlob: e.CiphertextBlob, GrantTokens: [g2.GrantToken] });
    await rejects(alice.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' }), 'AccessDeniedException');
    const listed = await admin.listGrants({ KeyId: key.KeyId, GranteePrincipal: ALICE });
    assert.equal(
      listed.Grants.map((g) => g.GrantId),
      [g1.GrantId, g2.GrantId],
    );
    const byId = await admin.listGrants({ KeyId: key.KeyId, GrantId: g2.GrantId });
    assert.equal(
      byId.Grants.map((g) => g.GrantId),
      [g2.GrantId],
    );
    await alice.retireGrant({ GrantToken: g1.GrantToken });
    await admin.revokeGrant({ KeyId: key.KeyId, GrantId: g2.GrantId });
    await rejects(alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x') }), 'AccessDeniedException');
    assert.equal((await admin.listGrants({ KeyId: key.KeyId, GranteePrincipal: ALICE })).Grants, []);
    assert.is(saves, 5, 'each CreateGrant (the idempotent one too), the RetireGrant and the RevokeGrant saved');
    assert.is(alarm.touched, 0);
    // The alarm works: a listing of the other key's grants has to read them, and is refused.
    await rejects(admin.listGrants({ KeyId: other.KeyId }), 'Error', /was touched/);
  },
);

manage('a grant change whose save fails is not applied: the grant index keeps the saved grants', async () => {
  let failSaves = false;
  const inner = new MemoryKeystore();
  const keystore = {
    load: () => inner.load(),
    save: (s) => (failSaves ? Promise.reject(new Error('disk full')) : inner.save(s)),
    close: () => inner.close(),
  };
  const { admin, alice } = setup({ store: keystore });
  const key = await newKey(admin, { Policy: onlyPolicy(ADMIN) });
  const kept = await admin.createGrant({
    KeyId: key.KeyId,
    GranteePrincipal: ALICE,
    Operations: ['Encrypt', 'RetireGrant'],
  });
  failSaves = true;
  await rejects(
    admin.createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] }),
    'Error',
    /disk full/,
  );
  await rejects(admin.revokeGrant({ KeyId: key.KeyId, GrantId: kept.GrantId }), 'Error', /disk full/);
  await rejects(alice.retireGrant({ GrantToken: kept.GrantToken }), 'Error', /disk full/);
  failSaves = false;
  const listed = await admin.listGrants({ KeyId: key.KeyId });
  assert.equal(
    listed.Grants.map((g) => g.GrantId),
    [kept.GrantId],
  );
  await alice.encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), GrantTokens: [kept.GrantToken] });
  await admin.revokeGrant({ KeyId: key.KeyId, GrantId: kept.GrantId });
  assert.equal((await admin.listGrants({ KeyId: key.KeyId })).Grants, []);
  assert.equal((await inner.load()).grants, {});
});

manage.run();
