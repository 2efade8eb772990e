// Volume keys: rewrap (ReEncrypt, data untouched), addKey / removeKey (keyslots), grants
// (grantTo, revoked grant), scratch volumes (crypto-shredding), and the hostile header with
// 10 000 wrapped keys. Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Volume,
  MemoryBlockStore,
  PolicyViolationError,
  KeyUnavailableError,
  GrantRevokedError,
  AccessDeniedError,
  ReadOnlyVolumeError,
} from '../dist/index.js';
import {
  APP,
  APP_ACTIONS,
  READER,
  appOnlyPolicy,
  counting,
  forbiddenKms,
  pattern,
  rejects,
  setup,
  snapshot,
} from './_lib/envelope.js';
import { assertBytes, sameBytes } from './_lib/assert.js';

const COPY_SIZE = 16384;

async function withData(env, options = {}) {
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: env.app, size: 9000, ...options });
  await vol.write(100, pattern(8000, 77));
  return { store, vol };
}

const dataOf = (bytes) => bytes.subarray(2 * COPY_SIZE);

const keys = suite('volume: rewrap, addKey, removeKey');

keys('rewrap moves the data key to another KMS key without touching the data', async () => {
  const env = setup();
  const k2 = (await env.admin.createKey({})).KeyMetadata;
  const { store, vol } = await withData(env);
  const before = await snapshot(store);
  const client = counting(env.app);
  await vol.rewrap({ kms: client, keyId: k2.Arn });
  assert.equal(client.calls, ['describeKey', 'reEncrypt']);
  assert.equal(vol.keyIds, [k2.Arn]);
  const after = await snapshot(store);
  assertBytes(dataOf(after), dataOf(before), 'no data sector changed');
  assert.not.ok(sameBytes(after.subarray(0, COPY_SIZE), before.subarray(0, COPY_SIZE)), 'the header changed');
  await vol.close();
  const again = await Volume.open(store, { kms: env.app });
  assert.equal(again.keyIds, [k2.Arn]);
  assertBytes(await again.read(100, 8000), pattern(8000, 77));
  await again.close();
});

keys('addKey: the volume opens with any one of its keys; removeKey takes one out', async () => {
  const env = setup();
  const k1 = (await env.admin.createKey({})).KeyMetadata;
  const k2 = (await env.admin.createKey({})).KeyMetadata;
  const { store, vol } = await withData(env, { keyId: k1.Arn });
  await vol.addKey({ keyId: k2.Arn });
  assert.equal(vol.keyIds, [k1.Arn, k2.Arn]);
  await rejects(vol.addKey({ keyId: k2.Arn }), RangeError, /already wrapped under/);
  await vol.close();

  await env.admin.disableKey({ KeyId: k1.KeyId });
  const viaK2 = await Volume.open(store, { kms: env.app });
  assertBytes(await viaK2.read(100, 8000), pattern(8000, 77));
  await viaK2.close();

  await env.admin.enableKey({ KeyId: k1.KeyId });
  const vol2 = await Volume.open(store, { kms: env.app });
  await vol2.removeKey(k2.KeyId);
  assert.equal(vol2.keyIds, [k1.Arn]);
  await rejects(vol2.removeKey(k1.Arn), RangeError, /only wrapped key/);
  await rejects(vol2.removeKey(k2.Arn), RangeError, /no wrapped key under/);
  await vol2.close();
  await env.admin.disableKey({ KeyId: k1.KeyId });
  const e = await rejects(Volume.open(store, { kms: env.app }), KeyUnavailableError, /disabled/);
  assert.is(e.cause.name, 'DisabledException');
  const raw = new TextDecoder('latin1').decode(await snapshot(store));
  assert.not.ok(raw.includes(k2.KeyId), 'the removed wrapped key is wiped from both copies');
});

keys('maxWrappedKeys bounds addKey', async () => {
  const env = setup();
  const k2 = (await env.admin.createKey({})).KeyMetadata;
  const { vol } = await withData(env, { policy: { maxWrappedKeys: 1 } });
  const e = await rejects(vol.addKey({ keyId: k2.Arn }), PolicyViolationError, /maxWrappedKeys allows 1/);
  assert.is(e.rule, 'maxWrappedKeys');
  await vol.close();
});

keys('a header with 10 000 wrapped keys is refused before any KMS call', async () => {
  const bytes = hostileHeader(10000);
  const e = await rejects(
    Volume.open(new MemoryBlockStore(bytes), { kms: forbiddenKms() }),
    PolicyViolationError,
    /10000 wrapped keys.*allows 8/,
  );
  assert.is(e.rule, 'maxWrappedKeys');
  // Allowed by the policy, the calls are still at most one per wrapped key of this one header.
  const env = setup();
  const client = counting(env.app);
  await rejects(Volume.open(new MemoryBlockStore(hostileHeader(5)), { kms: client }), Error);
  assert.ok(client.calls.filter((c) => c === 'decrypt').length <= 5);
});

const grants = suite('volume: grants');

/** The app may also grant (grantTo). */
const cmkPolicy = (extra = []) => appOnlyPolicy({ appActions: [...APP_ACTIONS, 'kms:CreateGrant'], extra });

grants('grantTo lets a principal open this volume only; a revoked grant is a GrantRevokedError', async () => {
  const env = setup();
  const key = (await env.admin.createKey({ Policy: cmkPolicy() })).KeyMetadata;
  const { store, vol } = await withData(env, { keyId: key.Arn, grantTo: READER, retiringPrincipal: APP });
  await vol.close();
  const asReader = await Volume.open(store, { kms: env.reader, readOnly: true });
  assertBytes(await asReader.read(100, 8000), pattern(8000, 77));
  await asReader.close();
  // The grant is for this volume's encryption context only.
  const other = await withData(env, { keyId: key.Arn });
  await other.vol.close();
  await rejects(Volume.open(other.store, { kms: env.reader }), AccessDeniedError);

  const grantId = (await env.admin.listGrants({ KeyId: key.KeyId })).Grants[0].GrantId;
  await env.admin.revokeGrant({ KeyId: key.KeyId, GrantId: grantId });
  const e = await rejects(
    Volume.open(store, { kms: env.reader }),
    GrantRevokedError,
    /grant .* was revoked or retired/,
  );
  assert.is(e.code, 'GRANT_REVOKED');
  assert.is(e.grantId, grantId);
  assert.is(e.cause.name, 'AccessDeniedException');
});

grants('destroy() retires the grant (as retiring principal) and wipes the header', async () => {
  const env = setup();
  const key = (await env.admin.createKey({ Policy: cmkPolicy() })).KeyMetadata;
  const { store, vol } = await withData(env, { keyId: key.Arn, grantTo: READER, retiringPrincipal: APP });
  assert.is((await env.admin.listGrants({ KeyId: key.KeyId })).Grants.length, 1);
  await vol.destroy();
  assert.is((await env.admin.listGrants({ KeyId: key.KeyId })).Grants.length, 0);
  assert.is(await store.size(), 0);
  assert.ok(vol.closed);
});

grants('destroy() that cannot retire the grant writes nothing and keeps the volume usable', async () => {
  const env = setup();
  const key = (await env.admin.createKey({ Policy: cmkPolicy() })).KeyMetadata;
  const { store, vol } = await withData(env, { keyId: key.Arn, grantTo: READER }); // no retiring principal, no kms:RevokeGrant
  const before = await snapshot(store);
  await rejects(vol.destroy(), AccessDeniedError, /RevokeGrant/);
  assertBytes(await snapshot(store), before);
  assertBytes(await vol.read(100, 8000), pattern(8000, 77));
  await vol.close();
});

const scratch = suite('volume: scratch volumes');

scratch('a scratch volume has a key of its own; destroy() deletes it at once: unrecoverable', async () => {
  const env = setup();
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: env.app, scratch: true, size: 5000 });
  assert.ok(vol.scratch);
  await vol.write(0, pattern(5000, 1));
  const keyArn = vol.keyIds[0];
  const meta = (await env.admin.describeKey({ KeyId: keyArn })).KeyMetadata;
  assert.is(meta.KeyManager, 'CUSTOMER');
  const copy = await snapshot(store); // an attacker's (or a backup's) copy of the store
  await vol.destroy({ keyService: env.kms });
  assert.is(await store.size(), 0);
  await rejects(env.admin.describeKey({ KeyId: keyArn }), 'NotFoundException');
  const e = await rejects(
    Volume.open(new MemoryBlockStore(copy), { kms: env.app }),
    KeyUnavailableError,
    /does not exist/,
  );
  assert.is(e.keyState, 'Deleted');
});

scratch('without the key service, destroy() schedules the deletion (7 days): unusable at once', async () => {
  const env = setup();
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: env.app, scratch: true, size: 100 });
  const keyArn = vol.keyIds[0];
  const copy = await snapshot(store);
  await vol.destroy();
  assert.is((await env.admin.describeKey({ KeyId: keyArn })).KeyMetadata.KeyState, 'PendingDeletion');
  await rejects(Volume.open(new MemoryBlockStore(copy), { kms: env.app }), KeyUnavailableError, /pending deletion/);
  env.clock.advanceDays(8);
  await rejects(Volume.open(new MemoryBlockStore(copy), { kms: env.app }), KeyUnavailableError, /does not exist/);
});

scratch('destroyKeyNow refuses keys that are not scratch keys (LocalKms)', async () => {
  const env = setup();
  const key = (await env.admin.createKey({})).KeyMetadata;
  await rejects(env.kms.destroyKeyNow(key.Arn), 'UnsupportedOperationException');
});

scratch('read-only volumes cannot be destroyed or rekeyed', async () => {
  const env = setup();
  const { store, vol } = await withData(env);
  await vol.close();
  const ro = await Volume.open(store, { kms: env.app, readOnly: true });
  await rejects(ro.destroy(), ReadOnlyVolumeError);
  await rejects(ro.rewrap({ keyId: 'alias/aws/atrest' }), ReadOnlyVolumeError);
  await ro.close();
});

// ---- a hand-built hostile header --------------------------------------------------------

/** A header copy (format 1) with `count` tiny wrapped keys, a bogus sealed part and MAC, in
 *  both copies. Only the clear structure is valid: it must be refused before any KMS call. */
function hostileHeader(count) {
  const parts = [];
  const u8 = (v) => parts.push(Uint8Array.of(v));
  const u16 = (v) => parts.push(Uint8Array.of(v >> 8, v & 255));
  const u32 = (v) => parts.push(Uint8Array.of(v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255));
  const u64 = (v) => {
    u32(0);
    u32(v);
  };
  const str16 = (s) => {
    const b = new TextEncoder().encode(s);
    u16(b.length);
    parts.push(b);
  };
  const volumeId = new Uint8Array(16).fill(7);
  const hex = [...volumeId].map((b) => b.toString(16).padStart(2, '0')).join('');
  parts.push(Uint8Array.of(0x89, 0x41, 0x54, 0x52, 0x45, 0x53, 0x54, 0x0a));
  u16(1);
  u16(0);
  u32(0);
  u32(0);
  u64(1);
  const cipher = new TextEncoder().encode('xts-aes-256');
  u8(cipher.length);
  parts.push(cipher);
  u32(4096);
  u64(0);
  parts.push(volumeId);
  u16(count);
  for (let i = 0; i < count; i++) {
    str16(`arn:aws:kms:us-east-1:111122223333:key/${i}`);
    u16(1);
    u8(i & 255);
    u16(1);
    str16('atrest:volume');
    str16(hex);
    u16(0);
    u16(0);
  }
  u32(16 + 9);
  parts.push(new Uint8Array(12));
  parts.push(new Uint8Array(25));
  parts.push(new Uint8Array(32));
  let length = 0;
  for (const p of parts) length += p.length;
  let copySize = 4096;
  while (copySize < length) copySize *= 2;
  const out = new Uint8Array(2 * copySize + 4096);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  const view = new DataView(out.buffer);
  view.setUint32(12, length);
  view.setUint32(16, copySize);
  view.setBigUint64(8 + 2 + 2 + 4 + 4 + 8 + 1 + cipher.length + 4, BigInt(2 * copySize));
  out.copyWithin(copySize, 0, length);
  return out;
}

keys.run();
grants.run();
scratch.run();
