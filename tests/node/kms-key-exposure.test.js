// Key material kept out of what leaves the key service (issue 13, the JavaScript side): a heap
// search for key bytes is not portable, so these tests look at the boundaries instead. After a
// run of operations — succeeding and failing — the key material and the root key appear, in no
// form (hex either case, base64, base64url, the raw bytes as a string, or half of them in hex or
// base64), in any error, audit record, `atrest serve` response or server audit log line, error
// of the atrest/aws adapter, CLI `--json` output, stderr or CLI audit trail. The material to
// search for is read back from the sealed store itself. Also: a store written by main before
// material became bytes in memory still loads (tests/vectors/keystore-main-8a19233.json).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { LocalKms } from '../../dist/index.js';
import { FileKeystore } from '../../dist/fs/index.js';
import { openSealedState } from '../../build/tsc/kms/sealed-state.js';
import { kmsClientFromAws } from '../../dist/kms/aws/index.js';
import { startKmsServer } from '../../dist/kms/server/index.js';
import { makeSandbox, ROOT_KEY } from './cli-harness.js';

const PRINCIPAL = 'arn:aws:iam::111122223333:root';
const fixture = JSON.parse(await readFile(new URL('../vectors/keystore-main-8a19233.json', import.meta.url), 'utf8'));

/** Every form a 32-byte secret could take in text, whole and in halves. */
function forms(bytes) {
  const b = Buffer.from(bytes);
  const out = new Set();
  for (const part of [b, b.subarray(0, 15), b.subarray(15, 30)]) {
    out.add(part.toString('hex'));
    out.add(part.toString('hex').toUpperCase());
    out.add(part.toString('base64').replace(/=+$/, ''));
    out.add(part.toString('base64url'));
  }
  out.add(b.toString('latin1'));
  return [...out];
}

/** Searches `text` for every form of every secret; names the place and the form on failure. */
function assertNoKeyBytes(text, secrets, where) {
  assert.ok(text.length > 0, `${where}: there is something to search`);
  for (const s of secrets)
    for (const f of forms(s))
      assert.not.ok(text.includes(f), `${where} contains key bytes (${JSON.stringify(f.slice(0, 8))}…)`);
}

async function materialsOf(path, rootKey) {
  const state = await openSealedState(await readFile(path), { rootKey });
  const out = [];
  for (const key of Object.values(state.keys))
    for (const m of key.materials) {
      assert.type(m.material, 'string', 'the stored form keeps material as base64 (format unchanged)');
      out.push(Buffer.from(m.material, 'base64'));
    }
  return out;
}

const textOf = (v) => JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x));
const errorText = (e) => `${e?.name} ${e?.message} ${e?.stack} ${textOf(e)}`;

test('a key store written by main (base64 material) loads, decrypts its blob, rotates and saves in the same format', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atrest-exposure-'));
  try {
    const path = join(dir, 'store.atks');
    await writeFile(path, Buffer.from(fixture.store, 'base64'));
    const rootKey = () => Uint8Array.from(Buffer.from(fixture.rootKeyHex, 'hex'));
    let kms = new LocalKms({ keystore: await FileKeystore.open(path, { rootKey: rootKey() }) });
    let c = kms.as(PRINCIPAL);
    const out = await c.decrypt({
      CiphertextBlob: Buffer.from(fixture.blob, 'base64'),
      EncryptionContext: { purpose: 'compat' },
    });
    assert.is(new TextDecoder().decode(out.Plaintext), 'made by main');
    const before = await c.listKeyRotations({ KeyId: fixture.keyId });
    assert.is(before.Rotations.length, 1, 'main rotated it once on demand');
    await c.rotateKeyOnDemand({ KeyId: fixture.keyId });
    const blob2 = (await c.encrypt({ KeyId: fixture.keyId, Plaintext: new Uint8Array([7]) })).CiphertextBlob;
    await kms.close();
    const materials = await materialsOf(path, rootKey());
    assert.is(materials.length, 3, "the original, main's rotation and ours");
    for (const m of materials) assert.is(m.length, 32);
    kms = new LocalKms({ keystore: await FileKeystore.open(path, { rootKey: rootKey() }) });
    c = kms.as(PRINCIPAL);
    assert.equal([...(await c.decrypt({ CiphertextBlob: blob2 })).Plaintext], [7]);
    assert.is(
      new TextDecoder().decode(
        (
          await c.decrypt({
            CiphertextBlob: Buffer.from(fixture.blob, 'base64'),
            EncryptionContext: { purpose: 'compat' },
          })
        ).Plaintext,
      ),
      'made by main',
    );
    await kms.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a stored key material that is not 32 bytes of base64 fails the load with a message that names the key, not the value', async () => {
  const { sealState } = await import('../../build/tsc/kms/sealed-state.js');
  const rootKey = Uint8Array.from(Buffer.from(fixture.rootKeyHex, 'hex'));
  const state = await openSealedState(Buffer.from(fixture.store, 'base64'), { rootKey });
  const key = Object.values(state.keys)[0];
  const real = key.materials[0].material;
  key.materials[0].material = real.slice(0, 40) + '!' + real.slice(41);
  const dir = await mkdtemp(join(tmpdir(), 'atrest-exposure-'));
  try {
    const path = join(dir, 'store.atks');
    await writeFile(path, await sealState(state, { rootKey }));
    const kms = new LocalKms({ keystore: await FileKeystore.open(path, { rootKey }) });
    const e = await kms
      .as(PRINCIPAL)
      .listKeys({})
      .catch((x) => x);
    assert.instance(e, Error);
    assert.match(e.message, new RegExp(`key ${key.keyId} holds key material that is not 32 bytes of base64`));
    assert.not.ok(e.message.includes(real.slice(0, 12)), 'the bad value is not quoted');
    await kms.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('atrest serve and the atrest/aws adapter: no key byte in any response, error or server audit log line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atrest-exposure-'));
  const rootKeyBytes = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
  const storePath = join(dir, 'store.atks');
  const auditPath = join(dir, 'audit.jsonl');
  const credential = {
    accessKeyId: 'AKIAEXPOSUREEXAMPLE1',
    secretAccessKey: 'exposure/test/secret',
    principal: PRINCIPAL,
  };
  const server = await startKmsServer({
    port: 0,
    credentials: [credential],
    auditPath,
    keystore: await FileKeystore.open(storePath, { rootKey: rootKeyBytes.slice() }),
  });
  const seen = [];
  const errors = [];
  try {
    const kms = kmsClientFromAws(
      new KMSClient({ endpoint: server.url, region: 'us-east-1', maxAttempts: 1, credentials: credential }),
    );
    const call = async (op, req) => {
      try {
        seen.push(textOf(await kms[op](req)));
      } catch (e) {
        errors.push(errorText(e));
      }
    };
    const { KeyMetadata } = await kms.createKey({ Description: 'exposure' });
    const KeyId = KeyMetadata.KeyId;
    await call('rotateKeyOnDemand', { KeyId });
    const blob = (await kms.encrypt({ KeyId, Plaintext: new Uint8Array(32).fill(9), EncryptionContext: { a: 'b' } }))
      .CiphertextBlob;
    const tampered = blob.slice();
    tampered[tampered.length - 1] ^= 1;
    await call('decrypt', { CiphertextBlob: blob, EncryptionContext: { a: 'b' } });
    await call('decrypt', { CiphertextBlob: blob, EncryptionContext: { a: 'c' } });
    await call('decrypt', { CiphertextBlob: tampered, EncryptionContext: { a: 'b' } });
    await call('decrypt', { CiphertextBlob: blob.subarray(0, 20) });
    await call('reEncrypt', { CiphertextBlob: blob, SourceEncryptionContext: { a: 'b' }, DestinationKeyId: KeyId });
    await call('generateDataKey', { KeyId, KeySpec: 'AES_256' });
    await call('generateDataKeyWithoutPlaintext', { KeyId, NumberOfBytes: 64 });
    await call('encrypt', { KeyId, Plaintext: new Uint8Array(5000) });
    await call('describeKey', { KeyId });
    await call('getKeyPolicy', { KeyId, PolicyName: 'default' });
    await call('putKeyPolicy', { KeyId, PolicyName: 'default', Policy: '{not json' });
    await call('listKeyRotations', { KeyId });
    await call('createGrant', { KeyId, GranteePrincipal: 'arn:aws:iam::111122223333:role/r', Operations: ['Decrypt'] });
    await call('listGrants', { KeyId });
    await call('retireGrant', { GrantToken: 'not-a-token' });
    await call('disableKey', { KeyId });
    await call('encrypt', { KeyId, Plaintext: new Uint8Array([1]) });
    await call('scheduleKeyDeletion', { KeyId, PendingWindowInDays: 7 });
    await call('describeKey', { KeyId: 'alias/nope' });
    // Raw replies to requests the adapter would never send: unsigned, not JSON, unknown target.
    for (const [headers, body] of [
      [{ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Decrypt' }, '{}'],
      [{ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Nope' }, 'not json'],
    ]) {
      const r = await fetch(server.url, { method: 'POST', headers, body });
      seen.push(`${r.status} ${JSON.stringify([...r.headers])} ${await r.text()}`);
    }
    assert.ok(errors.length >= 6, `the failing calls failed (${errors.length})`);
  } finally {
    await server.close();
  }
  try {
    const materials = await materialsOf(storePath, rootKeyBytes);
    assert.is(materials.length, 2, 'the created and the rotated material');
    const secrets = [...materials, rootKeyBytes];
    assertNoKeyBytes(seen.join('\n'), secrets, 'the server responses');
    assertNoKeyBytes(errors.join('\n'), secrets, 'the adapter errors');
    const log = await readFile(auditPath, 'utf8');
    assert.ok(log.split('\n').filter(Boolean).length >= 20, 'every call is in the audit log');
    assertNoKeyBytes(log, secrets, 'the server audit log');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the CLI: no key byte or root key digit string in --json output, stderr or its audit trail', async () => {
  const sb = await makeSandbox('atrest-exposure-cli-');
  try {
    const outputs = [];
    const run = async (args) => {
      const r = await sb.run(args);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const created = JSON.parse((await run(['keys', 'create', '--description', 'exposure', '--json'])).stdout);
    const keyId = created.KeyId ?? created.keyId ?? created.KeyMetadata?.KeyId;
    assert.type(keyId, 'string');
    await writeFile(sb.path('plain'), 'secret data');
    await run(['encrypt', sb.path('plain'), '--out', sb.path('enc'), '--key', keyId, '--json']);
    await run(['decrypt', sb.path('enc'), '--out', sb.path('dec'), '--json']);
    await run(['keys', 'rotate', keyId, '--json']);
    await run(['keys', 'describe', keyId, '--json']);
    await run(['rewrap', sb.path('enc'), '--key', keyId, '--json']);
    await run(['inspect', sb.path('enc'), '--json']);
    await run(['decrypt', sb.path('plain'), '--out', sb.path('x'), '--json']); // not an atrest file: fails
    const wrongKey = await sb.run(['keys', 'list', '--json'], { env: { ATREST_ROOT_KEY: 'b2'.repeat(32) } });
    assert.is.not(wrongKey.code, 0, 'a wrong root key fails');
    outputs.push(wrongKey.stdout, wrongKey.stderr);
    await run(['audit', '--json']);
    const rootKey = Buffer.from(ROOT_KEY, 'hex');
    const secrets = [
      ...(await materialsOf(join(sb.home, 'keystore'), rootKey)),
      rootKey,
      Buffer.from('b2'.repeat(32), 'hex'),
    ];
    assert.is(secrets.length, 4, 'the created and the rotated material, two root keys');
    assertNoKeyBytes(outputs.join('\n'), secrets, 'the CLI output');
    assertNoKeyBytes(await readFile(join(sb.home, 'audit.jsonl'), 'utf8'), secrets, 'the CLI audit trail');
  } finally {
    await sb.remove();
  }
});

test.run();
