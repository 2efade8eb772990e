// The AWS Encryption SDK for JavaScript (@aws-crypto/client-node) with a KMS keyring pointed at
// the server: encrypt and decrypt a message under two keys (GenerateDataKey, Encrypt, Decrypt,
// each reply's KeyId a key ARN), decrypt with a keyring holding only the second key, and a
// principal the key policy refuses gets AccessDeniedException. 127.0.0.1 only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KMS } from '@aws-sdk/client-kms';
import { buildClient, CommitmentPolicy, getClient, KmsKeyringNode } from '@aws-crypto/client-node';
import { EVE, KEYS, sdkCredentials, startServer } from './wire/harness.js';

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

test('Encryption SDK: KMS keyring over the server encrypts and decrypts; a refused principal gets AccessDeniedException', async () => {
  const w = await startServer();
  try {
    const admin = w.client(KEYS.root);
    const k1 = (await admin.createKey({ Description: 'esdk generator' })).KeyMetadata.Arn;
    const k2 = (await admin.createKey({ Description: 'esdk second' })).KeyMetadata.Arn;
    const provider = (key) => getClient(KMS, { endpoint: w.url, credentials: sdkCredentials(key) });
    const keyring = new KmsKeyringNode({ clientProvider: provider(KEYS.root), generatorKeyId: k1, keyIds: [k2] });
    const context = { purpose: 'wire test', ünï: 'çødé' };
    const { result } = await encrypt(keyring, 'attack at dawn', { encryptionContext: context });
    const opened = await decrypt(keyring, result);
    assert.is(opened.plaintext.toString(), 'attack at dawn');
    assert.is(opened.messageHeader.encryptionContext.purpose, 'wire test');
    assert.is(opened.messageHeader.encryptedDataKeys.length, 2);

    const secondOnly = new KmsKeyringNode({ clientProvider: provider(KEYS.root), keyIds: [k2] });
    assert.is(
      (await decrypt(secondOnly, result)).plaintext.toString(),
      'attack at dawn',
      'the second EDK decrypts alone',
    );

    const records = w.server.auditRecords().filter((r) => r.outcome === 'Success');
    const gdk = records.find((r) => r.eventName === 'GenerateDataKey');
    assert.is(gdk.keyArn, k1);
    assert.is(gdk.requestParameters.NumberOfBytes, 32);
    assert.ok(
      'aws-crypto-public-key' in gdk.requestParameters.EncryptionContext,
      'the SDK adds its signing key to the context',
    );
    assert.is(records.find((r) => r.eventName === 'Encrypt').keyArn, k2);
    assert.ok(
      records.filter((r) => r.eventName === 'Decrypt').every((r) => r.requestParameters.KeyId === r.keyArn),
      'Decrypt asks for the ARN it gets back',
    );

    const eveRing = new KmsKeyringNode({ clientProvider: provider(KEYS.eve), keyIds: [k1] });
    const refused = await decrypt(eveRing, result).catch((e) => e);
    assert.instance(refused, Error);
    // The keyring reports each KMS error by name in its message.
    assert.match(
      refused.message,
      /AccessDeniedException: User: arn:aws:iam::444455556666:user\/eve is not authorized to perform: kms:Decrypt/,
    );
    const denied = w.server.auditRecords().find((r) => r.principal === EVE && r.eventName === 'Decrypt');
    assert.is(denied.errorCode, 'AccessDeniedException');
  } finally {
    await w.close();
  }
});

test.run();
