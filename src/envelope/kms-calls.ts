// The key-service calls the envelope layer makes, each turning a KmsClient failure (an Error
// whose `name` is AWS's exception name) into an envelope error that says what it means for the
// volume, with the original kept as `cause`.

import { MIN_PENDING_WINDOW_DAYS, SCRATCH_KEY_TAG } from '../kms/deletion.js';
import type { ScratchKeyService } from './volume-options.js';
import type { EncryptionContext, KeyMetadata, KmsClient } from '../kms/types.js';
import { toHex } from '../utils/bytes.js';
import {
  AccessDeniedError,
  EnvelopeError,
  GrantRevokedError,
  KeyUnavailableError,
  KmsFailureError,
  UnsuitableKeyError,
  WrongEncryptionContextError,
} from './errors.js';
import { PlaintextDataKey } from './data-key.js';
import { DATA_KEY_BYTES } from './key-derivation.js';

/** What a failed call was about, for the message. */
export interface CallSubject {
  operation: string;
  keyId: string;
  /** A grant this volume recorded for the key: an AccessDenied then most likely means it was
   *  revoked or retired. */
  grantId?: string;
  grantee?: string;
}

export function translateKmsError(error: unknown, subject: CallSubject): EnvelopeError {
  if (error instanceof EnvelopeError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  const detail = (error as { message?: unknown } | null)?.message;
  const what = `${subject.operation} on KMS key ${subject.keyId}`;
  const cause = { cause: error };
  switch (name) {
    case 'DisabledException':
      return new KeyUnavailableError('Disabled', `${what} failed: the key is disabled (${String(detail)})`, cause);
    case 'KMSInvalidStateException': {
      const pending = /pending deletion/i.test(String(detail));
      return new KeyUnavailableError(
        pending ? 'PendingDeletion' : 'Unavailable',
        `${what} failed: the key is ${pending ? 'pending deletion' : 'in a state that does not allow it'} (${String(detail)})`,
        cause,
      );
    }
    case 'NotFoundException':
      return new KeyUnavailableError(
        'Deleted',
        `${what} failed: the key does not exist (deleted, or never existed in this account and Region) (${String(detail)})`,
        cause,
      );
    case 'InvalidCiphertextException':
      return new WrongEncryptionContextError(
        `${what} failed: the key service refused the wrapped key with this encryption context — it is not the context the key was wrapped with (or the wrapped key is corrupted) (${String(detail)})`,
        cause,
      );
    case 'AccessDeniedException':
      if (subject.grantId !== undefined) {
        return new GrantRevokedError(
          subject.grantId,
          `${what} was denied, and the volume reaches this key through grant ${subject.grantId}${subject.grantee ? ` for ${subject.grantee}` : ''}: the grant was revoked or retired, or the caller is not its grantee (${String(detail)})`,
          cause,
        );
      }
      // Which rule refused, as far as the key service's message tells: an explicit Deny can only
      // be the key policy's; otherwise nothing allowed the call — no policy statement, and no
      // grant whose grantee, operations and encryption-context constraint all fit this request.
      return new AccessDeniedError(
        /explicit deny/i.test(String(detail))
          ? `${what} was denied by an explicit Deny in the key policy (${String(detail)})`
          : `${what} was denied: neither the key policy nor a grant allows it for this caller and encryption context (a grant's context constraint must fit the whole context) (${String(detail)})`,
        cause,
      );
    default:
      return new KmsFailureError(`${what} failed: ${String(name ?? 'Error')}: ${String(detail ?? error)}`, cause);
  }
}

async function call<T>(subject: CallSubject, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw translateKmsError(e, subject);
  }
}

/** DescribeKey, refusing a key that cannot wrap data keys: not a symmetric encryption key, or
 *  not Enabled. Returns its metadata (the ARN in particular). */
export async function describeUsableKey(kms: KmsClient, keyId: string, what: string): Promise<KeyMetadata> {
  const response = await call({ operation: 'DescribeKey', keyId }, () => kms.describeKey({ KeyId: keyId }));
  const meta = response?.KeyMetadata as (KeyMetadata & Record<string, unknown>) | undefined;
  if (meta === undefined || typeof meta.Arn !== 'string')
    throw new KmsFailureError(`${what}: DescribeKey on ${keyId} returned no KeyMetadata.Arn`);
  const spec = String(meta.KeySpec ?? meta.CustomerMasterKeySpec);
  const usage = String(meta.KeyUsage);
  if (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT') {
    throw new UnsuitableKeyError(
      `${what}: KMS key ${meta.Arn} is ${spec}/${usage}; envelope encryption needs a symmetric encryption key (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT)`,
    );
  }
  if (meta.KeyState !== 'Enabled') {
    throw new KeyUnavailableError(
      String(meta.KeyState),
      `${what}: KMS key ${meta.Arn} is ${String(meta.KeyState)}, not Enabled; it cannot wrap a new data key`,
    );
  }
  return meta;
}

/** A fresh data key, wrapped only (GenerateDataKeyWithoutPlaintext, 32 bytes). */
export async function generateWrappedDataKey(
  kms: KmsClient,
  keyArn: string,
  encryptionContext: EncryptionContext,
): Promise<{ ciphertextBlob: Uint8Array; keyArn: string }> {
  const response = await call({ operation: 'GenerateDataKeyWithoutPlaintext', keyId: keyArn }, () =>
    kms.generateDataKeyWithoutPlaintext({
      KeyId: keyArn,
      KeySpec: 'AES_256',
      EncryptionContext: { ...encryptionContext },
    }),
  );
  if (!(response?.CiphertextBlob instanceof Uint8Array))
    throw new KmsFailureError(`GenerateDataKeyWithoutPlaintext on ${keyArn} returned no CiphertextBlob`);
  return {
    ciphertextBlob: response.CiphertextBlob,
    keyArn: typeof response.KeyId === 'string' ? response.KeyId : keyArn,
  };
}

/** Unwraps a data key (Decrypt, naming the key so a blob made under another key is refused). */
export async function unwrapDataKey(
  kms: KmsClient,
  keyArn: string | undefined,
  ciphertextBlob: Uint8Array,
  encryptionContext: EncryptionContext,
  grant?: { grantId?: string; grantee?: string },
): Promise<PlaintextDataKey> {
  const subject: CallSubject = { operation: 'Decrypt', keyId: keyArn ?? '(named by the blob)', ...grant };
  const response = await call(subject, () =>
    kms.decrypt({
      CiphertextBlob: ciphertextBlob,
      ...(keyArn === undefined ? {} : { KeyId: keyArn }),
      EncryptionContext: { ...encryptionContext },
    }),
  );
  const plain = response?.Plaintext;
  if (!(plain instanceof Uint8Array) || plain.length !== DATA_KEY_BYTES) {
    if (plain instanceof Uint8Array) plain.fill(0);
    throw new KmsFailureError(
      `Decrypt on ${keyArn} returned ${plain instanceof Uint8Array ? `${plain.length} bytes` : 'no Plaintext'}, not a ${DATA_KEY_BYTES}-byte data key`,
    );
  }
  return new PlaintextDataKey(plain);
}

/** Moves a wrapped key to another KMS key (ReEncrypt): the plaintext never leaves the service. */
/** A wrapped key to ReEncrypt from, with the grant that allows it, if any. */
export interface WrappedKeySource {
  keyArn: string;
  ciphertextBlob: Uint8Array;
  encryptionContext: EncryptionContext;
  grantId?: string;
  grantee?: string;
}

export async function reEncryptDataKey(
  kms: KmsClient,
  source: WrappedKeySource,
  destinationKeyId: string,
  destinationContext: EncryptionContext,
): Promise<{ ciphertextBlob: Uint8Array; keyArn: string }> {
  const { keyArn, ciphertextBlob, encryptionContext, ...grant } = source;
  const response = await call({ operation: 'ReEncrypt', keyId: `${keyArn} → ${destinationKeyId}`, ...grant }, () =>
    kms.reEncrypt({
      CiphertextBlob: ciphertextBlob,
      SourceKeyId: keyArn,
      SourceEncryptionContext: { ...encryptionContext },
      DestinationKeyId: destinationKeyId,
      DestinationEncryptionContext: { ...destinationContext },
    }),
  );
  if (!(response?.CiphertextBlob instanceof Uint8Array))
    throw new KmsFailureError(`ReEncrypt to ${destinationKeyId} returned no CiphertextBlob`);
  return {
    ciphertextBlob: response.CiphertextBlob,
    keyArn: typeof response.KeyId === 'string' ? response.KeyId : destinationKeyId,
  };
}

/** ReEncrypt from the first of `sources` the key service lets this client use; the first
 *  error when none does. */
export async function reEncryptFromAny(
  kms: KmsClient,
  sources: readonly WrappedKeySource[],
  destinationKeyId: string,
  destinationContext: EncryptionContext,
): Promise<{ ciphertextBlob: Uint8Array; keyArn: string }> {
  let firstError: unknown;
  for (const source of sources) {
    try {
      return await reEncryptDataKey(kms, source, destinationKeyId, destinationContext);
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}

export async function createVolumeGrant(
  kms: KmsClient,
  keyArn: string,
  grantee: string,
  encryptionContext: EncryptionContext,
  retiringPrincipal?: string,
): Promise<string> {
  const response = await call({ operation: 'CreateGrant', keyId: keyArn }, () =>
    kms.createGrant({
      KeyId: keyArn,
      GranteePrincipal: grantee,
      ...(retiringPrincipal === undefined ? {} : { RetiringPrincipal: retiringPrincipal }),
      Operations: ['Decrypt', 'DescribeKey'],
      Constraints: { EncryptionContextEquals: { ...encryptionContext } },
    }),
  );
  if (typeof response?.GrantId !== 'string') throw new KmsFailureError(`CreateGrant on ${keyArn} returned no GrantId`);
  return response.GrantId;
}

/** Retires a grant the volume created, or, when the caller may not retire it (it is neither
 *  the grant's retiring principal nor its account root), revokes it (kms:RevokeGrant in the key
 *  policy). A grant that is already gone (revoked, retired, its key deleted) is what retiring
 *  wants, so NotFound / InvalidGrantId count as success. */
export async function retireVolumeGrant(kms: KmsClient, keyArn: string, grantId: string): Promise<void> {
  const gone = (e: unknown) => {
    const name = (e as { name?: unknown } | null)?.name;
    return name === 'NotFoundException' || name === 'InvalidGrantIdException';
  };
  try {
    await kms.retireGrant({ KeyId: keyArn, GrantId: grantId });
    return;
  } catch (e) {
    if (gone(e)) return;
    if ((e as { name?: unknown } | null)?.name !== 'AccessDeniedException')
      throw translateKmsError(e, { operation: `RetireGrant ${grantId}`, keyId: keyArn });
  }
  try {
    await kms.revokeGrant({ KeyId: keyArn, GrantId: grantId });
  } catch (e) {
    if (gone(e)) return;
    throw translateKmsError(e, { operation: `RetireGrant and RevokeGrant of grant ${grantId}`, keyId: keyArn });
  }
}

/** A scratch volume's own key (tagged SCRATCH_KEY_TAG, so it can be destroyed with the volume); its ARN. */
export async function createScratchKey(kms: KmsClient, volumeId: Uint8Array): Promise<string> {
  const created = await kms
    .createKey({
      Description: `atrest scratch volume ${toHex(volumeId)}: deleted with the volume`,
      Tags: [{ ...SCRATCH_KEY_TAG }],
    })
    .catch((e: unknown) => {
      throw translateKmsError(e, { operation: 'CreateKey', keyId: '(new scratch key)' });
    });
  return created.KeyMetadata.Arn;
}

/** Ends a scratch key: at once through `keyService.destroyKeyNow` (LocalKms), else by scheduling
 *  its deletion after the shortest window AWS KMS allows. */
export async function destroyScratchKey(kms: KmsClient, keyArn: string, keyService?: ScratchKeyService): Promise<void> {
  try {
    if (keyService !== undefined) await keyService.destroyKeyNow(keyArn);
    else await kms.scheduleKeyDeletion({ KeyId: keyArn, PendingWindowInDays: MIN_PENDING_WINDOW_DAYS });
  } catch (e) {
    throw translateKmsError(e, {
      operation: keyService !== undefined ? 'destroyKeyNow' : 'ScheduleKeyDeletion',
      keyId: keyArn,
    });
  }
}
