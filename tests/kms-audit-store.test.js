// LocalKms audit log (one record per call, allowed or refused; never plaintext or key
// material) and the persistence hook (lazy load, save after every change, a failed save leaves
// memory at the stored state). Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalKms, MemoryKeystore } from '../dist/index.js';
import { ADMIN, ALICE, EVE, ROOT, manualClock, newKey, onlyPolicy, rejects, setup, text, utf8 } from './_lib/kms.js';

const toB64 = (bytes) => btoa(String.fromCharCode(...bytes));
const toHex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

// ---------------------------------------------------------------------------------------------
const audit = suite('kms audit log');

audit("one record per call, allowed or refused, with the call's facts", async () => {
  const { kms, root, eve, clock } = setup();
  const m = await newKey(root);
  clock.advanceDays(1);
  const e = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('p'), EncryptionContext: { tenant: 'acme' } });
  await rejects(
    eve.decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { tenant: 'acme' } }),
    'AccessDeniedException',
  );
  await rejects(root.scheduleKeyDeletion({ KeyId: m.KeyId, PendingWindowInDays: 3 }), 'ValidationException');
  const log = kms.auditLog();
  assert.equal(
    log.map((r) => r.eventName),
    ['CreateKey', 'Encrypt', 'Decrypt', 'ScheduleKeyDeletion'],
  );
  const [created, encrypted, denied, invalid] = log;
  assert.is(created.outcome, 'Success');
  assert.is(created.keyArn, m.Arn);
  assert.is(encrypted.principal, ROOT);
  assert.is(encrypted.eventTime.getTime(), clock().getTime());
  assert.equal(encrypted.encryptionContext, { tenant: 'acme' });
  assert.equal(encrypted.requestParameters.EncryptionContext, { tenant: 'acme' });
  assert.is(encrypted.requestParameters.KeyId, m.KeyId);
  assert.is(encrypted.requestParameters.Plaintext, undefined);
  assert.is(denied.outcome, 'Failure');
  assert.is(denied.errorCode, 'AccessDeniedException');
  assert.is(denied.principal, EVE);
  assert.is(denied.keyArn, m.Arn);
  assert.equal(denied.requestParameters.CiphertextBlob, { byteLength: e.CiphertextBlob.length });
  assert.is(invalid.errorCode, 'ValidationException');
  assert.is(invalid.requestParameters.PendingWindowInDays, 3);
});

audit('auditLog() returns copies', async () => {
  const { kms, root } = setup();
  await newKey(root);
  kms.auditLog()[0].principal = 'tampered';
  assert.is(kms.auditLog()[0].principal, ROOT);
});

audit('never holds plaintext or key material', async () => {
  const store = new MemoryKeystore();
  const { kms, root, alice } = setup({ store });
  const m = await newKey(root);
  const secret = 'the-plaintext-that-must-not-leak-' + Math.random().toString(36).slice(2);
  const e = await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8(secret) });
  await root.decrypt({ CiphertextBlob: e.CiphertextBlob });
  const g = await root.generateDataKey({ KeyId: m.KeyId, NumberOfBytes: 32 });
  await root.reEncrypt({ CiphertextBlob: g.CiphertextBlob, DestinationKeyId: m.KeyId });
  await root.rotateKeyOnDemand({ KeyId: m.KeyId });
  await rejects(alice.decrypt({ CiphertextBlob: new Uint8Array(100) }), 'InvalidCiphertextException');
  const json = JSON.stringify(kms.auditLog());
  const state = await store.load();
  const materials = Object.values(state.keys).flatMap((k) => k.materials.map((x) => x.material));
  for (const m of materials) assert.instance(m, Uint8Array, 'MemoryKeystore keeps key material as bytes');
  assert.is(materials.length, 2);
  const needles = [secret, toB64(utf8(secret)), toHex(utf8(secret)), toB64(g.Plaintext), toHex(g.Plaintext)];
  for (const key of materials) needles.push(toB64(key), toHex(key));
  for (const needle of needles) assert.not.ok(json.includes(needle), `audit log contains ${needle}`);
  // Byte arrays are logged as lengths only, so no byte list of the data key either.
  assert.not.ok(json.includes(JSON.stringify(Array.from(g.Plaintext)).slice(1, -1)));
});

audit.run();

// ---------------------------------------------------------------------------------------------
const persistence = suite('kms persistence hook');

/** A store that records calls and can be told to fail. */
class SpyStore extends MemoryKeystore {
  loads = 0;
  saves = 0;
  failNextSave = false;
  async load() {
    this.loads += 1;
    return super.load();
  }
  async save(state) {
    if (this.failNextSave) {
      this.failNextSave = false;
      throw new Error('disk full');
    }
    this.saves += 1;
    return super.save(state);
  }
}

persistence('loads lazily once, saves after every change and not after reads', async () => {
  const store = new SpyStore();
  const kms = new LocalKms({ store, clock: manualClock() });
  assert.is(store.loads, 0);
  const root = kms.as(ROOT);
  const m = await newKey(root);
  assert.is(store.loads, 1);
  assert.is(store.saves, 1);
  await root.describeKey({ KeyId: m.KeyId });
  await root.encrypt({ KeyId: m.KeyId, Plaintext: utf8('x') });
  assert.is(store.saves, 1);
  await root.disableKey({ KeyId: m.KeyId });
  await root.enableKey({ KeyId: m.KeyId });
  await root.createAlias({ AliasName: 'alias/a', TargetKeyId: m.KeyId });
  await root.createGrant({ KeyId: m.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] });
  await root.enableKeyRotation({ KeyId: m.KeyId });
  assert.is(store.saves, 6);
  await rejects(root.disableKey({ KeyId: 'alias/nope' }), 'NotFoundException');
  assert.is(store.saves, 6);
  assert.is(store.loads, 1);
});

persistence('a second LocalKms on the same store sees keys, aliases, grants and decrypts old blobs', async () => {
  const store = new MemoryKeystore();
  const clock = manualClock();
  const first = new LocalKms({ store, clock });
  const m = await newKey(first.as(ADMIN), { Policy: onlyPolicy(ADMIN) });
  await first.as(ADMIN).createAlias({ AliasName: 'alias/kept', TargetKeyId: m.KeyId });
  await first.as(ADMIN).createGrant({ KeyId: m.KeyId, GranteePrincipal: ALICE, Operations: ['Decrypt'] });
  const e = await first.as(ADMIN).encrypt({ KeyId: 'alias/kept', Plaintext: utf8('persisted') });
  await first.close();
  const second = new LocalKms({ store, clock });
  assert.is(text((await second.as(ALICE).decrypt({ CiphertextBlob: e.CiphertextBlob })).Plaintext), 'persisted');
  assert.is((await second.as(ADMIN).describeKey({ KeyId: 'alias/kept' })).KeyMetadata.KeyId, m.KeyId);
  await rejects(second.as(EVE).decrypt({ CiphertextBlob: e.CiphertextBlob }), 'AccessDeniedException');
});

persistence('a failed save fails the call and leaves memory at the stored state', async () => {
  const store = new SpyStore();
  const { root } = setup({ store });
  const m = await newKey(root);
  store.failNextSave = true;
  const err = await rejects(root.disableKey({ KeyId: m.KeyId }), 'Error', /disk full/);
  assert.ok(err);
  assert.is((await root.describeKey({ KeyId: m.KeyId })).KeyMetadata.KeyState, 'Enabled');
  store.failNextSave = true;
  await rejects(root.createKey({}), 'Error', /disk full/);
  assert.is((await root.listKeys()).Keys.length, 1);
  const stored = await store.load();
  assert.is(Object.keys(stored.keys).length, 1);
});

persistence('lazy rotations and deletions are saved before the call, and a failed save defers them', async () => {
  const store = new SpyStore();
  const { root, clock } = setup({ store });
  const m = await newKey(root);
  await root.enableKeyRotation({ KeyId: m.KeyId, RotationPeriodInDays: 90 });
  clock.advanceDays(91);
  store.failNextSave = true;
  await rejects(root.describeKey({ KeyId: m.KeyId }), 'Error', /disk full/);
  assert.is(Object.values((await store.load()).keys)[0].materials.length, 1);
  const after = (await root.describeKey({ KeyId: m.KeyId })).KeyMetadata;
  assert.is.not(after.CurrentKeyMaterialId, m.CurrentKeyMaterialId);
  assert.is(Object.values((await store.load()).keys)[0].materials.length, 2);
});

persistence('a store holding something else is refused loudly', async () => {
  const store = new MemoryKeystore();
  await store.save({ hello: 'world' });
  const kms = new LocalKms({ store });
  await rejects(kms.as(ROOT).listKeys(), 'Error', /not a LocalKms state/);
});

persistence('MemoryKeystore keeps a deep copy', async () => {
  const store = new MemoryKeystore();
  assert.is(await store.load(), undefined);
  const state = { a: { b: 1 } };
  await store.save(state);
  state.a.b = 2;
  const loaded = await store.load();
  assert.is(loaded.a.b, 1);
  loaded.a.b = 3;
  assert.is((await store.load()).a.b, 1);
  await store.close();
});

persistence.run();

// ---------------------------------------------------------------------------------------------
const options = suite('kms LocalKms options');

options('rejects bad options and principals early', () => {
  assert.throws(() => new LocalKms({ accountId: '123' }), /12 digits/);
  assert.throws(() => new LocalKms({ region: 'mars' }), /^LocalKms: region must look like us-east-1, got "mars"$/);
  assert.throws(() => new LocalKms({ clock: 5 }), /^LocalKms: clock must be a function returning a Date$/);
  const kms = new LocalKms();
  assert.throws(() => kms.as('alice'), /principal ARN/);
});

options('a clock returning something other than a Date fails the call', async () => {
  const kms = new LocalKms({ clock: () => 'now' });
  await rejects(kms.as(ROOT).listKeys(), 'TypeError', /^LocalKms: clock\(\) must return a valid Date$/);
});

options.run();
