// What each key state allows (AWS KMS Developer Guide, "Key states of AWS KMS keys":
// https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html), with AWS's messages:
// `<key ARN> is disabled.`, `<key ARN> is pending deletion.`, `<key ARN> is not pending deletion.`

import { DisabledException, KMSInvalidStateException, UnsupportedOperationException } from './errors.js';
import type { KeyRecord } from './state.js';

/** Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, CreateGrant, RotateKeyOnDemand and the
 *  rotation switches need an Enabled key. */
export function requireEnabled(key: KeyRecord, arn: string): void {
  if (key.keyState === 'Disabled') throw new DisabledException(`${arn} is disabled.`);
  requireNotPendingDeletion(key, arn);
}

/** EnableKey, DisableKey, CreateAlias, ScheduleKeyDeletion refuse a key pending deletion. */
export function requireNotPendingDeletion(key: KeyRecord, arn: string): void {
  if (key.keyState === 'PendingDeletion') throw new KMSInvalidStateException(`${arn} is pending deletion.`);
}

export function requirePendingDeletion(key: KeyRecord, arn: string): void {
  if (key.keyState !== 'PendingDeletion') throw new KMSInvalidStateException(`${arn} is not pending deletion.`);
}

/** AWS managed keys (the default key) cannot be disabled, deleted, rotated on demand, or have
 *  their policy or rotation changed. Their policy already refuses these actions; this guard
 *  holds even if that policy were somehow different. */
export function refuseAwsManaged(key: KeyRecord, arn: string, operation: string): void {
  if (key.keyManager === 'AWS') {
    throw new UnsupportedOperationException(
      `${operation}: ${arn} is an AWS managed key; it cannot be disabled, deleted, rotated on demand, or have its policy or rotation changed`,
    );
  }
}
