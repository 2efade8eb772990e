// atrest/aws in every runtime: the adapter over the real @aws-sdk/client-kms (its Node build in
// Node and Deno, its browser build bundled for Chromium) against atrest/server on 127.0.0.1.
// Node and Deno start the server here; in Chromium tests/run-chromium.mjs starts it (allowing
// the test page's origin through CORS) and passes its URL and an access key in
// globalThis.ATREST_TEST_KMS. Portable (Node, Deno, Chromium).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KMSClient } from '@aws-sdk/client-kms';
import { kmsClientFromAws } from '../dist/kms/aws/index.js';
import { MemoryBlockStore, Volume } from '../dist/index.js';

const PRINCIPAL = 'arn:aws:iam::111122223333:root';

async function server() {
  if (globalThis.ATREST_TEST_KMS) return { ...globalThis.ATREST_TEST_KMS, close: async () => undefined };
  if (typeof Deno === 'undefined' && typeof process === 'undefined')
    throw new Error('in a browser, the runner must set globalThis.ATREST_TEST_KMS');
  const where = '../dist/kms/server/index.js'; // not a literal: the browser bundle must not follow it
  const { startKmsServer } = await import(/* @vite-ignore */ where);
  const credential = {
    accessKeyId: 'AKIAADAPTEREXAMPLE01',
    secretAccessKey: 'adapter/test/secret',
    principal: PRINCIPAL,
  };
  const s = await startKmsServer({ port: 0, credentials: [credential] });
  return {
    url: s.url,
    accessKeyId: credential.accessKeyId,
    secretAccessKey: credential.secretAccessKey,
    close: () => s.close(),
  };
}

test('atrest/aws over the SDK in this runtime: keys, data keys, a volume, AWS error names', async () => {
  const s = await server();
  try {
    const kms = kmsClientFromAws(
      new KMSClient({
        endpoint: s.url,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
      }),
    );
    const { KeyMetadata } = await kms.createKey({ Description: 'adapter' });
    assert.instance(KeyMetadata.CreationDate, Date);
    assert.match(KeyMetadata.Arn, /^arn:aws:kms:us-east-1:111122223333:key\//);
    const context = {
      runtime: typeof Deno !== 'undefined' ? 'deno' : typeof window !== 'undefined' ? 'browser' : 'node',
    };
    const dk = await kms.generateDataKey({ KeyId: KeyMetadata.Arn, KeySpec: 'AES_256', EncryptionContext: context });
    assert.instance(dk.Plaintext, Uint8Array);
    assert.is(dk.Plaintext.length, 32);
    assert.not.ok('$metadata' in dk);
    const back = await kms.decrypt({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: context });
    assert.equal(Array.from(back.Plaintext), Array.from(dk.Plaintext));
    assert.is(back.KeyId, KeyMetadata.Arn);

    const store = new MemoryBlockStore();
    const vol = await Volume.create(store, { kms, keyId: KeyMetadata.Arn, encryptionContext: context, size: 16384 });
    await vol.write(10, new TextEncoder().encode('over the wire'));
    await vol.close();
    const again = await Volume.open(store, { kms });
    assert.is(new TextDecoder().decode(await again.read(10, 13)), 'over the wire');
    await again.close();

    const missing = await kms.describeKey({ KeyId: 'alias/none' }).catch((e) => e);
    assert.is(missing.name, 'NotFoundException');
    await kms.disableKey({ KeyId: KeyMetadata.KeyId });
    const disabled = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array([1]) }).catch((e) => e);
    assert.is(disabled.name, 'DisabledException');
    const bad = kmsClientFromAws(
      new KMSClient({
        endpoint: s.url,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: s.accessKeyId, secretAccessKey: 'wrong' },
      }),
    );
    assert.is((await bad.listKeys({}).catch((e) => e)).name, 'InvalidSignatureException');
  } finally {
    await s.close();
  }
});

test.run();
