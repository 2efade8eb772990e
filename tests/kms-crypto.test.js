// LocalKms cryptographic operations: Encrypt / Decrypt / ReEncrypt / GenerateDataKey(WithoutPlaintext),
// encryption context bound as additional data, self-describing ciphertext blobs (Decrypt
// without KeyId, IncorrectKeyException, every altered byte refused), size limits.
// Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newKey, rejects, setup, text, utf8 } from './_lib/kms.js';

// ---------------------------------------------------------------------------------------------
const roundTrip = suite('kms crypto: Encrypt / Decrypt');

roundTrip('round trip, with and without KeyId; responses name the key ARN and material', async () => {
  const { root } = setup();
  const m = await newKey(root);
  const e = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('attack at dawn') });
  assert.ok(e.CiphertextBlob instanceof Uint8Array);
  assert.is(e.KeyId, m.Arn);
  assert.is(e.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
  const d1 = await root.decrypt({ CiphertextBlob: e.CiphertextBlob });
  assert.is(text(d1.Plaintext), 'attack at dawn');
  assert.is(d1.KeyId, m.Arn);
  assert.is(d1.KeyMaterialId, m.CurrentKeyMaterialId);
  const d2 = await root.decrypt({ CiphertextBlob: e.CiphertextBlob, KeyId: m.Arn });
  assert.is(text(d2.Plaintext), 'attack at dawn');
});

roundTrip('two encryptions of the same plaintext differ (random nonce)', async () => {
  const { root } = setup();
  const m = await newKey(root);
  const a = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('same') });
  const b = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('same') });
  assert.not.equal(a.CiphertextBlob, b.CiphertextBlob);
});

roundTrip('plaintext must be 1..4096 bytes', async () => {
  const { root } = setup();
  const m = await newKey(root);
  await rejects(root.encrypt({ KeyId: m.KeyId, Plaintext: new Uint8Array(0) }), 'ValidationException', /Plaintext/);
  await rejects(root.encrypt({ KeyId: m.KeyId, Plaintext: new Uint8Array(4097) }), 'ValidationException', /4096/);
  await rejects(root.encrypt({ KeyId: m.KeyId, Plaintext: 'text' }), 'ValidationException', /Uint8Array/);
  const big = new Uint8Array(4096).fill(7);
  const e = await root.encrypt({ KeyId: m.KeyId, Plaintext: big });
  assert.equal((await root.decrypt({ CiphertextBlob: e.CiphertextBlob })).Plaintext, big);
  const one = await root.encrypt({ KeyId: m.KeyId, Plaintext: new Uint8Array([1]) });
  assert.equal((await root.decrypt({ CiphertextBlob: one.CiphertextBlob })).Plaintext, new Uint8Array([1]));
});

roundTrip('only SYMMETRIC_DEFAULT as EncryptionAlgorithm', async () => {
  const { root } = setup();
  const m = await newKey(root);
  await rejects(
    root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
    'ValidationException',
    /SYMMETRIC_DEFAULT/,
  );
  await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
});

roundTrip.run();

// ---------------------------------------------------------------------------------------------
const context = suite('kms crypto: encryption context');

context('Decrypt needs exactly the same context (pair order does not matter)', async () => {
  const { root } = setup();
  const m = await newKey(root);
  const ctx = { volume: 'vol-1', purpose: 'data key', ünïcødé: '✓' };
  const e = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p'), EncryptionContext: ctx });
  const reordered = { ünïcødé: '✓', purpose: 'data key', volume: 'vol-1' };
  assert.is(
    text((await root.decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: reordered })).Plaintext),
    'p',
  );
  for (const wrong of [
    undefined,
    {},
    { volume: 'vol-1' },
    { ...ctx, extra: 'x' },
    { ...ctx, volume: 'VOL-1' },
    { ...ctx, Volume: 'vol-1', volume: undefined },
  ]) {
    const w = wrong && Object.fromEntries(Object.entries(wrong).filter(([, v]) => v !== undefined));
    await rejects(
      root.decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: w }),
      'InvalidCiphertextException',
      /encryption context|EncryptionContext/,
    );
  }
});

context('the encoding is unambiguous: {ab:"c"} and {a:"bc"} do not authenticate each other', async () => {
  const { root } = setup();
  const m = await newKey(root);
  const e = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p'), EncryptionContext: { ab: 'c' } });
  await rejects(
    root.decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { a: 'bc' } }),
    'InvalidCiphertextException',
  );
  const e2 = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p'), EncryptionContext: { a: 'b', c: 'd' } });
  await rejects(
    root.decrypt({ CiphertextBlob: e2.CiphertextBlob, EncryptionContext: { a: 'bc', '': 'd' } }),
    'ValidationException',
  );
  await rejects(
    root.decrypt({ CiphertextBlob: e2.CiphertextBlob, EncryptionContext: { a: 'b\u0000c', c: 'd' } }),
    'InvalidCiphertextException',
  );
});

context('context must be string → string', async () => {
  const { root } = setup();
  const m = await newKey(root);
  await rejects(
    root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p'), EncryptionContext: { n: 1 } }),
    'ValidationException',
    /must be a string/,
  );
  await rejects(
    root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p'), EncryptionContext: 'a=b' }),
    'ValidationException',
  );
});

context(
  'prototype-named keys ("__proto__", "constructor") are ordinary context keys, never dropped (issue 12 item 7)',
  async () => {
    const { root } = setup();
    const m = await newKey(root);
    for (const json of ['{"__proto__":"x"}', '{"constructor":"y","__proto__":"x"}', '{"toString":"z"}']) {
      const ctx = JSON.parse(json);
      const e = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p'), EncryptionContext: ctx });
      assert.is(
        text((await root.decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: JSON.parse(json) })).Plaintext),
        'p',
      );
      await rejects(
        root.decrypt({ CiphertextBlob: e.CiphertextBlob }),
        'InvalidCiphertextException',
        /EncryptionContext/,
      );
      await rejects(
        root.decrypt({
          CiphertextBlob: e.CiphertextBlob,
          EncryptionContext: JSON.parse(json.replace(/"x"/, '"other"').replace(/"z"/, '"other"')),
        }),
        'InvalidCiphertextException',
      );
    }
    // A context with "__proto__" differs from the empty one: encrypting without it cannot be decrypted with it.
    const plain = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p') });
    await rejects(
      root.decrypt({ CiphertextBlob: plain.CiphertextBlob, EncryptionContext: JSON.parse('{"__proto__":"x"}') }),
      'InvalidCiphertextException',
    );
  },
);

context(
  'size limits: at most 8192 bytes of UTF-8 keys and values, well-formed Unicode; refusals stay small in the audit log (issue 12 item 14)',
  async () => {
    const { root, kms } = setup();
    const m = await newKey(root);
    const enc = (EncryptionContext) => root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p'), EncryptionContext });
    await enc({ k: 'v'.repeat(8191) });
    await enc({ a: 'x'.repeat(4000), b: 'y'.repeat(4190) });
    await rejects(enc({ k: 'v'.repeat(8192) }), 'ValidationException', /at most 8192 bytes/);
    await rejects(enc({ a: 'x'.repeat(4000), b: 'y'.repeat(4191) }), 'ValidationException', /at most 8192 bytes/);
    // Bytes of UTF-8, not characters: 4096 × "é" is 8192 bytes, plus a 1-byte key is one too many.
    await rejects(enc({ k: 'é'.repeat(4096) }), 'ValidationException', /8192 bytes/);
    await enc({ k: 'é'.repeat(4095) });
    await rejects(enc({ k: 'a\uD800b' }), 'ValidationException', /well-formed Unicode/);
    await rejects(enc({ ['\uDC00']: 'x' }), 'ValidationException', /well-formed Unicode/);
    await enc({ k: '\uD83D\uDE00' }); // a proper surrogate pair is fine
    for (const op of [
      () => root.decrypt({ CiphertextBlob: new Uint8Array(200), EncryptionContext: { k: 'v'.repeat(9000) } }),
      () => root.generateDataKey({ KeyId: m.KeyId, KeySpec: 'AES_256', EncryptionContext: { k: 'v'.repeat(9000) } }),
      () =>
        root.reEncrypt({
          CiphertextBlob: new Uint8Array(200),
          DestinationKeyId: m.KeyId,
          DestinationEncryptionContext: { k: 'v'.repeat(9000) },
        }),
    ])
      await rejects(op(), 'ValidationException', /8192 bytes/);
    // Forty refused calls with 1 MiB contexts do not make the log keep 40 MiB.
    const before = JSON.stringify(kms.auditLog()).length;
    const huge = 'h'.repeat(1 << 20);
    for (let i = 0; i < 40; i++) await rejects(enc({ [huge]: huge }), 'ValidationException');
    const grown = JSON.stringify(kms.auditLog()).length - before;
    assert.ok(grown < 40 * 8192, `the audit log grew by ${grown} characters`);
    assert.is(kms.auditLog().at(-1).outcome, 'Failure');
  },
);

context.run();

// ---------------------------------------------------------------------------------------------
const blob = suite('kms crypto: ciphertext blobs');

blob("a KeyId that is not the blob's key → IncorrectKeyException", async () => {
  const { root } = setup();
  const a = await newKey(root);
  const b = await newKey(root);
  await root.createAlias({ AliasName: 'alias/b', TargetKeyId: b.KeyId });
  const e = await root.encrypt({ KeyId: a.KeyId, Plaintext: utf8('p') });
  await rejects(
    root.decrypt({ CiphertextBlob: e.CiphertextBlob, KeyId: b.KeyId }),
    'IncorrectKeyException',
    /does not identify/,
  );
  await rejects(root.decrypt({ CiphertextBlob: e.CiphertextBlob, KeyId: 'alias/b' }), 'IncorrectKeyException');
  await root.createAlias({ AliasName: 'alias/a', TargetKeyId: a.KeyId });
  assert.is(text((await root.decrypt({ CiphertextBlob: e.CiphertextBlob, KeyId: 'alias/a' })).Plaintext), 'p');
});

blob('altering any single byte of the blob → InvalidCiphertextException', async () => {
  const { root } = setup();
  const m = await newKey(root);
  const e = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('integrity'), EncryptionContext: { k: 'v' } });
  const original = e.CiphertextBlob;
  for (let i = 0; i < original.length; i++) {
    for (const flip of [0x01, 0x80]) {
      const altered = original.slice();
      altered[i] ^= flip;
      await rejects(
        root.decrypt({ CiphertextBlob: altered, EncryptionContext: { k: 'v' } }),
        'InvalidCiphertextException',
        undefined,
      );
    }
  }
  await rejects(
    root.decrypt({ CiphertextBlob: original.subarray(0, original.length - 1), EncryptionContext: { k: 'v' } }),
    'InvalidCiphertextException',
  );
  await rejects(
    root.decrypt({ CiphertextBlob: new Uint8Array([...original, 0]), EncryptionContext: { k: 'v' } }),
    'InvalidCiphertextException',
  );
  await rejects(root.decrypt({ CiphertextBlob: original.subarray(0, 20) }), 'InvalidCiphertextException', /too short/);
  await rejects(root.decrypt({ CiphertextBlob: new Uint8Array(6145) }), 'ValidationException', /6144/);
  // The untouched blob still decrypts.
  assert.is(
    text((await root.decrypt({ CiphertextBlob: original, EncryptionContext: { k: 'v' } })).Plaintext),
    'integrity',
  );
});

blob('a blob from another LocalKms is refused', async () => {
  const one = setup();
  const two = setup();
  const m = await newKey(one.root);
  const e = await one.root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p') });
  await rejects(two.root.decrypt({ CiphertextBlob: e.CiphertextBlob }), 'InvalidCiphertextException', /does not hold/);
});

blob.run();

// ---------------------------------------------------------------------------------------------
const dataKeys = suite('kms crypto: GenerateDataKey / GenerateDataKeyWithoutPlaintext');

dataKeys('KeySpec AES_128 / AES_256 or NumberOfBytes 1..1024; the blob decrypts to the data key', async () => {
  const { root } = setup();
  const m = await newKey(root);
  for (const [request, length] of [
    [{ KeySpec: 'AES_128' }, 16],
    [{ KeySpec: 'AES_256' }, 32],
    [{ NumberOfBytes: 1 }, 1],
    [{ NumberOfBytes: 64 }, 64],
    [{ NumberOfBytes: 1024 }, 1024],
  ]) {
    const g = await root.generateDataKey({ KeyId: m.KeyId, EncryptionContext: { v: '1' }, ...request });
    assert.is(g.Plaintext.length, length);
    assert.is(g.KeyId, m.Arn);
    assert.is(g.KeyMaterialId, m.CurrentKeyMaterialId);
    const d = await root.decrypt({ CiphertextBlob: g.CiphertextBlob, EncryptionContext: { v: '1' } });
    assert.equal(d.Plaintext, g.Plaintext);
  }
});

dataKeys('exactly one of KeySpec and NumberOfBytes, in range', async () => {
  const { root } = setup();
  const m = await newKey(root);
  for (const op of ['generateDataKey', 'generateDataKeyWithoutPlaintext']) {
    await rejects(root[op]({ KeyId: m.KeyId }), 'ValidationException', /exactly one/);
    await rejects(
      root[op]({ KeyId: m.KeyId, KeySpec: 'AES_256', NumberOfBytes: 32 }),
      'ValidationException',
      /exactly one/,
    );
    await rejects(root[op]({ KeyId: m.KeyId, KeySpec: 'AES_512' }), 'ValidationException', /AES_128 or AES_256/);
    await rejects(root[op]({ KeyId: m.KeyId, NumberOfBytes: 0 }), 'ValidationException', /NumberOfBytes/);
    await rejects(root[op]({ KeyId: m.KeyId, NumberOfBytes: 1025 }), 'ValidationException', /NumberOfBytes/);
    await rejects(root[op]({ KeyId: m.KeyId, NumberOfBytes: 1.5 }), 'ValidationException', /NumberOfBytes/);
  }
});

dataKeys('WithoutPlaintext returns no plaintext; Decrypt recovers a 64-byte XTS key', async () => {
  const { root } = setup();
  const m = await newKey(root);
  const g = await root.generateDataKeyWithoutPlaintext({
    KeyId: m.KeyId,
    NumberOfBytes: 64,
    EncryptionContext: { volume: 'v' },
  });
  assert.is(g.Plaintext, undefined);
  assert.is(g.KeyId, m.Arn);
  const d = await root.decrypt({ CiphertextBlob: g.CiphertextBlob, EncryptionContext: { volume: 'v' } });
  assert.is(d.Plaintext.length, 64);
});

dataKeys.run();

// ---------------------------------------------------------------------------------------------
const reEncrypt = suite('kms crypto: ReEncrypt');

reEncrypt('moves a ciphertext to another key and context without returning plaintext', async () => {
  const { root } = setup();
  const a = await newKey(root);
  const b = await newKey(root);
  const e = await root.encrypt({ KeyId: a.KeyId, Plaintext: utf8('moving'), EncryptionContext: { from: 'a' } });
  const r = await root.reEncrypt({
    CiphertextBlob: e.CiphertextBlob,
    SourceEncryptionContext: { from: 'a' },
    DestinationKeyId: b.KeyId,
    DestinationEncryptionContext: { to: 'b' },
  });
  assert.is(r.Plaintext, undefined);
  assert.is(r.SourceKeyId, a.Arn);
  assert.is(r.KeyId, b.Arn);
  assert.is(r.SourceKeyMaterialId, a.CurrentKeyMaterialId);
  assert.is(r.DestinationKeyMaterialId, b.CurrentKeyMaterialId);
  const d = await root.decrypt({ CiphertextBlob: r.CiphertextBlob, EncryptionContext: { to: 'b' } });
  assert.is(text(d.Plaintext), 'moving');
  assert.is(d.KeyId, b.Arn);
});

reEncrypt('wrong source context, wrong SourceKeyId, disabled destination are refused', async () => {
  const { root } = setup();
  const a = await newKey(root);
  const b = await newKey(root);
  const e = await root.encrypt({ KeyId: a.KeyId, Plaintext: utf8('x'), EncryptionContext: { from: 'a' } });
  await rejects(
    root.reEncrypt({ CiphertextBlob: e.CiphertextBlob, DestinationKeyId: b.KeyId }),
    'InvalidCiphertextException',
  );
  await rejects(
    root.reEncrypt({
      CiphertextBlob: e.CiphertextBlob,
      SourceEncryptionContext: { from: 'a' },
      SourceKeyId: b.KeyId,
      DestinationKeyId: b.KeyId,
    }),
    'IncorrectKeyException',
  );
  await root.disableKey({ KeyId: b.KeyId });
  await rejects(
    root.reEncrypt({
      CiphertextBlob: e.CiphertextBlob,
      SourceEncryptionContext: { from: 'a' },
      DestinationKeyId: b.KeyId,
    }),
    'DisabledException',
  );
  await rejects(
    root.reEncrypt({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { from: 'a' } }),
    'ValidationException',
    /DestinationKeyId/,
  );
});

reEncrypt.run();
