// KeyMetadata as DescribeKey and CreateKey return it, built fresh from a key record (callers
// get copies, never references into the service's state).

import { currentMaterial } from './key-material.js';
import { keyArn, type KmsLocation } from './key-ids.js';
import type { KeyRecord } from './state.js';
import type { KeyMetadata } from './types.js';

export function keyMetadata(where: KmsLocation, key: KeyRecord): KeyMetadata {
  const m: KeyMetadata = {
    AWSAccountId: where.accountId,
    KeyId: key.keyId,
    Arn: keyArn(where, key.keyId),
    CreationDate: new Date(key.created),
    Enabled: key.keyState === 'Enabled',
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.keyState,
    Origin: 'AWS_KMS',
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
    CurrentKeyMaterialId: currentMaterial(key).id,
  };
  if (key.deletionDate !== undefined) m.DeletionDate = new Date(key.deletionDate);
  return m;
}
