// The default key `alias/aws/atrest`, modelled on AWS managed keys such as `aws/ebs`: created
// on first use (the first call whose KeyId names the alias), KeyManager AWS, usable by every
// principal of the account (a kms:CallerAccount condition), rotated yearly. Nobody can disable
// it, schedule its deletion, rotate it on demand, change its rotation or its policy: its policy
// grants none of those actions, and LocalKms refuses them for AWS managed keys even so.
//
// AWS managed keys are used through a service (kms:ViaService); atrest is a library, not a
// service, so the policy does not ask for kms:ViaService.

import { newKeyMaterial } from './key-material.js';
import { newKeyId, type KmsLocation } from './key-ids.js';
import { addDays, DEFAULT_ROTATION_PERIOD_DAYS } from './rotation.js';
import type { KeyRecord, KmsState } from './state.js';

import { DEFAULT_KEY_ALIAS } from './key-ids.js';

export { DEFAULT_KEY_ALIAS };

export function defaultKeyPolicyText(accountId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'auto-atrest-1',
      Statement: [
        {
          Sid: 'Allow access through atrest for all principals in the account',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:CreateGrant',
            'kms:DescribeKey',
          ],
          Resource: '*',
          Condition: { StringEquals: { 'kms:CallerAccount': accountId } },
        },
        {
          Sid: 'Allow direct access to key metadata to the account',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );
}

/** Adds the default key and its alias to `state`; returns the key. */
export function createDefaultKey(state: KmsState, where: KmsLocation, now: Date): KeyRecord {
  const key: KeyRecord = {
    keyId: newKeyId(),
    created: now.toISOString(),
    description: 'Default key that protects my atrest data when no other key is defined',
    keyManager: 'AWS',
    keyState: 'Enabled',
    policy: defaultKeyPolicyText(where.accountId),
    tags: [],
    materials: [newKeyMaterial(now)],
    rotation: {
      enabled: true,
      periodInDays: DEFAULT_ROTATION_PERIOD_DAYS,
      nextRotationDate: addDays(now, DEFAULT_ROTATION_PERIOD_DAYS).toISOString(),
      onDemandCount: 0,
    },
  };
  state.keys[key.keyId] = key;
  state.aliases[DEFAULT_KEY_ALIAS] = {
    aliasName: DEFAULT_KEY_ALIAS,
    targetKeyId: key.keyId,
    created: key.created,
    updated: key.created,
  };
  return key;
}
