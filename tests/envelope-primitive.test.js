// The envelope primitive (sealEnvelope / openEnvelope), the application policy checks that come
// before any KMS call, the key cache, and the mapping of key-service errors. Portable (Node,
// Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  sealEnvelope,
  openEnvelope,
  clearKeyCache,
  PolicyViolationError,
  UnsuitableKeyError,
  KeyUnavailableError,
  WrongEncryptionContextError,
  AccessDeniedError,
  VolumeClosedError,
  EnvelopeError,
} from '../dist/index.js';
import {
  ADMIN,
  APP,
  appOnlyPolicy,
  counting,
  forbiddenKms,
  pattern,
  rejects,
  rsaKeyStub,
  setup,
  throws,
} from './_lib/envelope.js';
import { assertBytes, sameBytes } from './_lib/assert.js';

const prim = suite('envelope: seal and open');

prim('seal returns only the wrapped key and a working cipher; open gives the same cipher', async () => {
  const { app } = setup();
  const sealed = await sealEnvelope({ kms: app, encryptionContext: { tenant: 't1' } });
  assert.ok(sealed.wrappedKey instanceof Uint8Array);
  assert.match(sealed.keyId, /^arn:aws:kms:us-east-1:111122223333:key\//);
  assert.equal(sealed.encryptionContext, { tenant: 't1' });
  assert.equal(Object.keys(sealed).sort(), ['cipher', 'encryptionContext', 'keyId', 'wrappedKey']);
  const plain = pattern(3 * 4096 + 100, 5);
  const ct = sealed.cipher.encrypt(plain, 42);
  assert.not.ok(sameBytes(ct, plain));
  const cipher = await openEnvelope({
    kms: app,
    wrappedKey: sealed.wrappedKey,
    keyId: sealed.keyId,
    encryptionContext: { tenant: 't1' },
  });
  assertBytes(cipher.decrypt(ct, 42), plain);
  assert.not.ok(sameBytes(cipher.decrypt(ct, 43), plain), 'the tweak is the sector number');
  sealed.cipher.close();
  cipher.close();
});

prim(
  'the default key is alias/aws/atrest; the calls are DescribeKey, GenerateDataKeyWithoutPlaintext, Decrypt',
  async () => {
    const { app, kms } = setup();
    const client = counting(app);
    const sealed = await sealEnvelope({ kms: client });
    assert.equal(client.calls, ['describeKey', 'generateDataKeyWithoutPlaintext', 'decrypt']);
    const aliases = await kms.as(ADMIN).listAliases({});
    const alias = aliases.Aliases.find((a) => a.AliasName === 'alias/aws/atrest');
    assert.ok(alias, 'the default key was created on first use');
    assert.ok(sealed.keyId.endsWith(alias.TargetKeyId));
    sealed.cipher.close();
  },
);

prim('close() zeroes the keys: the cipher refuses to work afterwards', async () => {
  const { app } = setup();
  const { cipher } = await sealEnvelope({ kms: app });
  cipher.close();
  throws(() => cipher.encrypt(new Uint8Array(4096), 0), VolumeClosedError, /after close/);
  cipher.close(); // twice is fine
});

prim('a wrong encryption context is a WrongEncryptionContextError with the KMS error as cause', async () => {
  const { app } = setup();
  const sealed = await sealEnvelope({ kms: app, encryptionContext: { tenant: 't1' } });
  const e = await rejects(
    openEnvelope({ kms: app, wrappedKey: sealed.wrappedKey, keyId: sealed.keyId, encryptionContext: { tenant: 't2' } }),
    WrongEncryptionContextError,
  );
  assert.is(e.code, 'WRONG_ENCRYPTION_CONTEXT');
  assert.is(e.cause.name, 'InvalidCiphertextException');
  assert.ok(e instanceof EnvelopeError);
  sealed.cipher.close();
});

prim('an RSA key (stub client) is refused after DescribeKey, saying why', async () => {
  const stub = rsaKeyStub();
  const e = await rejects(
    sealEnvelope({ kms: stub, keyId: 'alias/rsa' }),
    UnsuitableKeyError,
    /RSA_2048.*symmetric encryption key/,
  );
  assert.is(e.code, 'UNSUITABLE_KEY');
  assert.equal(stub.calls, ['describeKey'], 'nothing after DescribeKey');
});

prim('a disabled key is refused by DescribeKey; a disabled key cannot unwrap either', async () => {
  const { admin, app } = setup();
  const key = (await admin.createKey({})).KeyMetadata;
  const sealed = await sealEnvelope({ kms: app, keyId: key.Arn });
  await admin.disableKey({ KeyId: key.KeyId });
  const e1 = await rejects(sealEnvelope({ kms: app, keyId: key.Arn }), KeyUnavailableError, /Disabled, not Enabled/);
  assert.is(e1.keyState, 'Disabled');
  const e2 = await rejects(
    openEnvelope({ kms: app, wrappedKey: sealed.wrappedKey, keyId: key.Arn }),
    KeyUnavailableError,
    /disabled/,
  );
  assert.is(e2.cause.name, 'DisabledException');
  await admin.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
  const e3 = await rejects(
    openEnvelope({ kms: app, wrappedKey: sealed.wrappedKey, keyId: key.Arn }),
    KeyUnavailableError,
    /pending deletion/,
  );
  assert.is(e3.keyState, 'PendingDeletion');
  sealed.cipher.close();
});

prim('access denied by the key policy is an AccessDeniedError', async () => {
  const { admin, app } = setup();
  const key = (
    await admin.createKey({
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' }],
      }),
    })
  ).KeyMetadata;
  const sealed = await sealEnvelope({ kms: admin, keyId: key.Arn });
  const e = await rejects(openEnvelope({ kms: app, wrappedKey: sealed.wrappedKey, keyId: key.Arn }), AccessDeniedError);
  assert.is(e.code, 'ACCESS_DENIED');
  assert.is(e.cause.name, 'AccessDeniedException');
  sealed.cipher.close();
});

prim('bad arguments: TypeError / RangeError naming the rule, before any KMS call', async () => {
  const none = forbiddenKms();
  await rejects(sealEnvelope(null), TypeError, /options must be an object/);
  await rejects(sealEnvelope({ kms: {} }), TypeError, /kms must be a KmsClient/);
  await rejects(sealEnvelope({ kms: none, sectorSize: 1000 }), RangeError, /power of two from 512 to 65536/);
  await rejects(
    sealEnvelope({ kms: none, encryptionContext: { a: 1 } }),
    TypeError,
    /encryptionContext\["a"\] must be a string/,
  );
  await rejects(sealEnvelope({ kms: none, keyId: '' }), TypeError, /keyId/);
  await rejects(openEnvelope({ kms: none, wrappedKey: 'abc' }), TypeError, /wrappedKey must be a Uint8Array/);
  await rejects(sealEnvelope({ kms: none, policy: { maxWrapedKeys: 3 } }), TypeError, /unknown field "maxWrapedKeys"/);
  await rejects(
    sealEnvelope({ kms: none, policy: { maxWrappedKeys: 0 } }),
    RangeError,
    /maxWrappedKeys must be an integer from 1/,
  );
  await rejects(
    sealEnvelope({ kms: none, policy: { keyCache: { maxAgeMs: -1, maxUses: 2 } } }),
    RangeError,
    /maxAgeMs/,
  );
  await rejects(sealEnvelope({ kms: none, policy: { sectorSizes: [4000] } }), RangeError, /sectorSizes\[0\]/);
});

const policy = suite('envelope: application policy, before any KMS call');

policy('allowedKeyIds refuses a key not listed (ARN and alias patterns with *)', async () => {
  const none = forbiddenKms();
  const e = await rejects(
    sealEnvelope({ kms: none, keyId: 'alias/other', policy: { allowedKeyIds: ['alias/app-*'] } }),
    PolicyViolationError,
    /allowedKeyIds/,
  );
  assert.is(e.rule, 'allowedKeyIds');
  assert.is(e.code, 'POLICY_VIOLATION');
  const { app } = setup();
  const ok = await sealEnvelope({ kms: app, policy: { allowedKeyIds: ['alias/aws/*'] } });
  ok.cipher.close();
  await rejects(
    openEnvelope({
      kms: none,
      wrappedKey: ok.wrappedKey,
      keyId: ok.keyId,
      policy: { allowedKeyIds: ['arn:aws:kms:*:999999999999:key/*'] },
    }),
    PolicyViolationError,
  );
  await rejects(
    openEnvelope({ kms: none, wrappedKey: ok.wrappedKey, policy: { allowedKeyIds: ['*'] } }),
    PolicyViolationError,
    /keyId must name the key/,
  );
  const c = await openEnvelope({
    kms: app,
    wrappedKey: ok.wrappedKey,
    keyId: ok.keyId,
    policy: { allowedKeyIds: ['arn:aws:kms:us-east-1:111122223333:key/*'] },
  });
  c.close();
});

policy('an exact alias in allowedKeyIds admits the key it points to (resolved with DescribeKey)', async () => {
  const { app } = setup();
  const sealed = await sealEnvelope({ kms: app });
  const c = await openEnvelope({
    kms: app,
    wrappedKey: sealed.wrappedKey,
    keyId: sealed.keyId,
    policy: { allowedKeyIds: ['alias/aws/atrest'] },
  });
  c.close();
  sealed.cipher.close();
});

policy('requiredEncryptionContext, ciphers and sectorSizes are enforced and named', async () => {
  const none = forbiddenKms();
  let e = await rejects(
    sealEnvelope({
      kms: none,
      encryptionContext: { app: 'x' },
      policy: { requiredEncryptionContext: { tenant: 't1' } },
    }),
    PolicyViolationError,
    /lacks the pair "tenant"/,
  );
  assert.is(e.rule, 'requiredEncryptionContext');
  e = await rejects(
    sealEnvelope({
      kms: none,
      encryptionContext: { tenant: 't2' },
      policy: { requiredEncryptionContext: { tenant: 't1' } },
    }),
    PolicyViolationError,
    /requires "t1"/,
  );
  e = await rejects(
    sealEnvelope({ kms: none, policy: { ciphers: ['aes-256-gcm'] } }),
    PolicyViolationError,
    /xts-aes-256/,
  );
  assert.is(e.rule, 'ciphers');
  e = await rejects(
    sealEnvelope({ kms: none, sectorSize: 512, policy: { sectorSizes: [4096] } }),
    PolicyViolationError,
    /sector size 512/,
  );
  assert.is(e.rule, 'sectorSizes');
});

const cache = suite('envelope: key cache');

cache.after.each(() => clearKeyCache());

cache('without keyCache every open calls Decrypt; with it, maxUses opens share one Decrypt', async () => {
  const { app } = setup();
  const sealed = await sealEnvelope({ kms: app });
  sealed.cipher.close();
  const client = counting(app);
  const open = (policy) =>
    openEnvelope({ kms: client, wrappedKey: sealed.wrappedKey, keyId: sealed.keyId, policy }).then((c) => c.close());
  await open();
  await open();
  assert.is(client.calls.filter((c) => c === 'decrypt').length, 2);
  client.calls.length = 0;
  const policy = { keyCache: { maxAgeMs: 60_000, maxUses: 3 } };
  for (let i = 0; i < 7; i++) await open(policy);
  assert.is(client.calls.filter((c) => c === 'decrypt').length, 3, '7 opens, 3 uses per unwrap → 3 Decrypt calls');
});

cache('entries expire after maxAgeMs, are per client, and clearKeyCache() drops them', async () => {
  const { admin, app, reader } = setup();
  const key = (await admin.createKey({ Policy: appOnlyPolicy() })).KeyMetadata;
  const sealed = await sealEnvelope({ kms: app, keyId: key.Arn });
  sealed.cipher.close();
  const client = counting(app);
  const policy = { keyCache: { maxAgeMs: 30, maxUses: 100 } };
  const open = (kms) =>
    openEnvelope({ kms, wrappedKey: sealed.wrappedKey, keyId: sealed.keyId, policy }).then((c) => c.close());
  await open(client);
  await open(client);
  assert.is(client.calls.filter((c) => c === 'decrypt').length, 1);
  await new Promise((r) => setTimeout(r, 60));
  await open(client);
  assert.is(client.calls.filter((c) => c === 'decrypt').length, 2, 'expired');
  // Another client (principal) never gets the cached key: the key policy decides for it.
  await rejects(open(reader), AccessDeniedError);
  clearKeyCache();
  await open(client);
  assert.is(client.calls.filter((c) => c === 'decrypt').length, 3, 'cleared');
});

cache('the cache is off by default and for a different APP principal with its own client', async () => {
  const { kms } = setup();
  const a1 = counting(kms.as(APP));
  const sealed = await sealEnvelope({ kms: a1 });
  sealed.cipher.close();
  assert.is(a1.calls.filter((c) => c === 'decrypt').length, 1);
});

prim.run();
policy.run();
cache.run();
