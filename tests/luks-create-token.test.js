// LUKS2 containers made by atrest: create (attached and detached headers, every sector size),
// add and remove keyslots, the data segment as a byte-range volume, and the atrest-kms token —
// a keyslot opened through the key service, refused to a principal the key policy refuses or
// that the application policy rejects, and dead once the key is disabled. Portable: Node,
// Deno, Chromium (tests/node/luks-cryptsetup.test.js checks the same images with cryptsetup).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryBlockStore } from '../dist/index.js';
import {
  createLuks,
  LuksContainer,
  WrongPassphraseError,
  KMS_TOKEN_TYPE,
  LuksClosedError,
} from '../dist/luks/index.js';
import { APP, appOnlyPolicy, pattern, setup } from './_lib/envelope.js';
import { hex } from './_lib/luks.js';
import { assertBytes } from './_lib/assert.js';

const FAST = { type: 'argon2id', memory: 256, time: 4 };
const SMALL = { keyslotsSize: 1 << 20 };

const t = suite('luks: create, keyslots, data volume, atrest-kms token');

t(
  'create → reopen: passphrase keyslot, every sector size, attached and detached headers; data round trip',
  async () => {
    for (const sectorSize of [512, 1024, 2048, 4096]) {
      for (const detached of [false, true]) {
        const store = new MemoryBlockStore();
        const header = detached ? new MemoryBlockStore() : undefined;
        const { container, key } = await createLuks(store, {
          size: 64 * 1024,
          sectorSize,
          passphrase: 'pw',
          pbkdf: FAST,
          header,
          ...SMALL,
        });
        assert.is(container.dataOffset, detached ? 0 : Math.ceil((32768 + (1 << 20)) / sectorSize) * sectorSize);
        const vol = await container.openVolume(key);
        assert.is(vol.size, 64 * 1024);
        const data = pattern(64 * 1024, sectorSize);
        await vol.write(0, data);
        await vol.write(1234, data.subarray(0, 5000)); // partial sectors on both ends
        const expected = data.slice();
        expected.set(data.subarray(0, 5000), 1234);
        await vol.close();
        const again = await LuksContainer.open(store, { header });
        const k2 = await again.unlock({ passphrase: 'pw' });
        assert.is(hex(k2.bytes()), hex(key.bytes()));
        const v2 = await again.openVolume(k2);
        assertBytes(await v2.read(0, v2.size), expected, `S=${sectorSize} detached=${detached}`);
        const raw = await store.read(again.dataOffset, 4096);
        assert.not.equal(hex(raw), hex(expected.subarray(0, 4096)), 'stored bytes are ciphertext');
        await assertRejects(v2.read(64 * 1024 - 10, 11), RangeError, /passes the end of the data segment/);
        await v2.close();
        await assertRejects(v2.read(0, 1), LuksClosedError);
      }
    }
  },
);

t(
  'add and remove keyslots: pbkdf2-sha256/sha512 and argon2i; removal wipes the area; the last one needs force',
  async () => {
    const store = new MemoryBlockStore();
    const { container: c, key } = await createLuks(store, { size: 4096, passphrase: 'zero', pbkdf: FAST, ...SMALL });
    assert.is(
      await c.addKeyslot(key, { passphrase: 'one', pbkdf: { type: 'pbkdf2', hash: 'sha512', iterations: 1000 } }),
      '1',
    );
    assert.is(
      await c.addKeyslot(key, { passphrase: 'two', pbkdf: { type: 'argon2i', memory: 64, cpus: 2 }, keyslot: '5' }),
      '5',
    );
    assert.is(await c.addKeyslot(key, { passphrase: 'three', pbkdf: { type: 'pbkdf2', iterations: 1000 } }), '2');
    assert.equal(
      c.keyslots.map((k) => [k.id, k.kdf, k.afHash]),
      [
        ['0', 'argon2id', 'sha256'],
        ['1', 'pbkdf2', 'sha512'],
        ['2', 'pbkdf2', 'sha256'],
        ['5', 'argon2i', 'sha256'],
      ],
    );
    const reopened = await LuksContainer.open(store);
    for (const [pw, slot] of [
      ['zero', '0'],
      ['one', '1'],
      ['two', '5'],
      ['three', '2'],
    ]) {
      assert.is((await reopened.unlock({ passphrase: pw })).keyslot, slot);
    }
    const area = Number(reopened.metadata().keyslots['1'].area.offset);
    await c.removeKeyslot('1');
    const wiped = await store.read(area, 4096);
    assert.ok(
      wiped.every((b) => b === 0),
      'the keyslot area is wiped',
    );
    await assertRejects((await LuksContainer.open(store)).unlock({ passphrase: 'one' }), WrongPassphraseError);
    await c.removeKeyslot('5');
    await c.removeKeyslot('2');
    await assertRejects(c.removeKeyslot('0'), RangeError, /last one/);
    await assertRejects(c.addKeyslot(key, { passphrase: 'x', keyslot: '0' }), RangeError, /in use/);
    assert.is((await (await LuksContainer.open(store)).unlock({ passphrase: 'zero' })).keyslot, '0');
  },
);

async function assertRejects(promise, cls, pattern) {
  try {
    await promise;
  } catch (e) {
    assert.instance(e, cls, `${e.name}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.unreachable(`expected ${cls.name}`);
}

t('create refuses bad options with named errors and writes nothing', async () => {
  const store = new MemoryBlockStore();
  await assertRejects(createLuks(store, { size: 4096 }), RangeError, /passphrase, a kms token, or both/);
  await assertRejects(createLuks(store, { size: 1000, passphrase: 'p' }), RangeError, /multiple of the sector size/);
  await assertRejects(
    createLuks(store, { size: 4096, sectorSize: 8192, passphrase: 'p' }),
    RangeError,
    /512, 1024, 2048 or 4096/,
  );
  await assertRejects(createLuks(store, { size: 4096, passphrase: 'p', keySize: 48 }), RangeError, /32 or 64 bytes/);
  await assertRejects(createLuks(store, { size: 4096, passphrase: '' }), RangeError, /must not be empty/);
  assert.is(await store.size(), 0);
  await store.write(0, new Uint8Array(1));
  await assertRejects(createLuks(store, { size: 4096, passphrase: 'p' }), RangeError, /must be empty/);
});

async function kmsSetup() {
  const s = setup();
  const { KeyMetadata } = await s.admin.createKey({
    Description: 'luks',
    Policy: appOnlyPolicy(),
  });
  return { ...s, keyArn: KeyMetadata.Arn, keyId: KeyMetadata.KeyId };
}

t(
  'atrest-kms token: opens through the key service; the token names key, context, keyslot; audit records the Decrypt',
  async () => {
    const { kms, app, keyArn } = await kmsSetup();
    const store = new MemoryBlockStore();
    const { container, key } = await createLuks(store, {
      size: 8192,
      passphrase: 'recovery',
      pbkdf: FAST,
      kms: { kms: app, keyId: keyArn, encryptionContext: { host: 'db1' } },
      ...SMALL,
    });
    const token = container.metadata().tokens['0'];
    assert.is(token.type, KMS_TOKEN_TYPE);
    assert.equal(token.keyslots, ['1']);
    assert.is(token.key_id, keyArn);
    assert.equal(token.encryption_context, { host: 'db1', 'atrest:luks': container.uuid });
    assert.is(container.metadata().keyslots['1'].kdf.type, 'pbkdf2');
    const reopened = await LuksContainer.open(store);
    const viaToken = await reopened.unlock({ kms: app });
    assert.is(viaToken.keyslot, '1');
    assert.is(hex(viaToken.bytes()), hex(key.bytes()));
    const decrypts = kms
      .auditLog()
      .filter((r) => r.eventName === 'Decrypt' && r.outcome === 'Success' && r.principal === APP);
    assert.ok(decrypts.length >= 2 && decrypts.at(-1).keyArn === keyArn, 'the unwrap is audited');
    assert.equal(decrypts.at(-1).encryptionContext, { host: 'db1', 'atrest:luks': container.uuid });
    // The token's secret is not the recovery passphrase's keyslot: removing slot 1 removes the token.
    await reopened.removeKeyslot('1');
    assert.equal(reopened.tokens, []);
    await assertRejects(reopened.unlock({ kms: app }), Error, /no atrest-kms token/);
  },
);

t(
  'atrest-kms token: refused to a principal the key policy refuses, by the application policy, and once the key is disabled',
  async () => {
    const { admin, app, reader, keyArn } = await kmsSetup();
    const store = new MemoryBlockStore();
    const { container, key } = await createLuks(store, { size: 4096, passphrase: 'recovery', pbkdf: FAST, ...SMALL });
    const ids = await container.addKmsToken(key, { kms: app, keyId: keyArn, encryptionContext: { host: 'db1' } });
    assert.equal(ids, { token: '0', keyslot: '1' });
    const c = await LuksContainer.open(store);
    const denied = await assertRejects(c.unlock({ kms: reader }), Error);
    assert.is(denied.name, 'AccessDeniedError');
    assert.match(denied.message, /Decrypt/);
    const policyRefused = await assertRejects(
      c.unlock({ kms: app, policy: { allowedKeyIds: ['arn:aws:kms:*:111122223333:alias/other'] } }),
      Error,
    );
    assert.is(policyRefused.name, 'PolicyViolationError');
    const contextRefused = await assertRejects(
      c.unlock({ kms: app, policy: { requiredEncryptionContext: { host: 'db2' } } }),
      Error,
    );
    assert.is(contextRefused.name, 'PolicyViolationError');
    assert.is(
      (await c.unlock({ kms: app, policy: { allowedKeyIds: [keyArn], requiredEncryptionContext: { host: 'db1' } } }))
        .keyslot,
      '1',
    );
    const sectorRefused = await assertRejects(c.unlock({ kms: app, policy: { sectorSizes: [4096] } }), Error);
    assert.is(sectorRefused.rule, 'sectorSizes');
    await container.addKmsToken(key, { kms: app, keyId: keyArn });
    const tooMany = await assertRejects(
      (await LuksContainer.open(store)).unlock({ kms: app, policy: { maxWrappedKeys: 1 } }),
      Error,
    );
    assert.is(tooMany.name, 'PolicyViolationError');
    assert.is(tooMany.rule, 'maxWrappedKeys');
    await admin.disableKey({ KeyId: keyArn });
    const disabled = await assertRejects(c.unlock({ kms: app }), Error);
    assert.is(disabled.name, 'KeyUnavailableError');
    assert.is((await c.unlock({ passphrase: 'recovery' })).keyslot, '0', 'the passphrase keyslot still opens');
    await admin.enableKey({ KeyId: keyArn });
    assert.is((await c.unlock({ kms: app })).keyslot, '1');
  },
);

t('atrest-kms token: a tampered token (blob, context, keyslot list) does not open', async () => {
  const { app, keyArn } = await kmsSetup();
  const store = new MemoryBlockStore();
  const { container, key } = await createLuks(store, { size: 4096, passphrase: 'recovery', pbkdf: FAST, ...SMALL });
  await container.addKmsToken(key, { kms: app, keyId: keyArn });
  const original = container.metadata().tokens['0'];
  await container.removeToken('0');
  await container.importToken({
    ...original,
    encryption_context: { ...original.encryption_context, 'atrest:luks': 'another' },
  });
  const wrongContext = await assertRejects((await LuksContainer.open(store)).unlock({ kms: app }), Error);
  assert.is(wrongContext.name, 'WrongEncryptionContextError');
  await container.removeToken('0');
  await container.importToken({ ...original, keyslots: ['0'] });
  await assertRejects(
    (await LuksContainer.open(store)).unlock({ kms: app }),
    WrongPassphraseError,
    /opens none of its keyslots/,
  );
});

t.run();
