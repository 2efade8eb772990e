// The key-service side of changing a volume's wrapped keys (rewrap, addKey, removeKey, destroy):
// every check and call that must happen before the header is written — which key, whether the
// policy allows it, ReEncrypt, a header that still fits, the new grant — and the retiring of
// grants afterwards. Volume owns the header write in between (HeaderState.commit).

import type { EncryptionContext, KmsClient } from '../kms/types.js';
import { resolveAllowedKey } from './allowed-keys.js';
import { callerPart, volumeContext } from './arguments.js';
import { encodeHeader, type HeaderFields, type SealedFields, type WrappedKey } from './header.js';
import { matchesKey } from './header-unlock.js';
import { createVolumeGrant, reEncryptFromAny, retireVolumeGrant, translateKmsError } from './kms-calls.js';
import { checkRequiredContext, checkWrappedKeyCount, type CheckedPolicy } from './policy.js';
import type { DataKeySession } from './data-key-session.js';

export interface KeyChangeRequest {
  kms: KmsClient;
  keyId: string;
  givenContext?: EncryptionContext;
  grantTo?: string;
  retiringPrincipal?: string;
}

export interface PlannedKeyChange {
  /** The new wrapped key (with its grant, if one was asked for). */
  entry: WrappedKey;
  /** The header's wrapped keys after the change. */
  wrappedKeys: WrappedKey[];
}

/** Prepares addKey ('add') or rewrap ('replace'): all checks and key-service calls, nothing
 *  written. The grant, if any, is made last, after the new header is known to fit. */
export async function planKeyChange(
  request: KeyChangeRequest,
  mode: 'add' | 'replace',
  volume: {
    policy: CheckedPolicy;
    fields: HeaderFields;
    sealed: SealedFields;
    session: DataKeySession;
  },
  what: string,
): Promise<PlannedKeyChange> {
  const { kms, keyId, givenContext, grantTo, retiringPrincipal } = request;
  const { policy, fields, sealed, session } = volume;
  const current = fields.wrappedKeys;
  const callerContext = givenContext ?? callerPart(current[0]!.encryptionContext);
  checkRequiredContext(policy, callerContext, what);
  const context = volumeContext(callerContext, fields.volumeId, what);
  if (mode === 'add') checkWrappedKeyCount(policy, current.length + 1, what);
  const meta = await resolveAllowedKey(kms, policy, keyId, what);
  if (mode === 'add' && current.some((w) => w.keyArn === meta.Arn)) {
    throw new RangeError(`${what}: the data key is already wrapped under ${meta.Arn}`);
  }
  const wrapped = await reEncryptFromAny(kms, current, meta.Arn, context);
  const entry: WrappedKey = {
    keyArn: wrapped.keyArn,
    ciphertextBlob: wrapped.ciphertextBlob,
    encryptionContext: context,
  };
  const wrappedKeys = mode === 'add' ? [...current, entry] : [entry];
  // Encode first: a header too large for its copy size must fail before a grant is made.
  encodeHeader({ ...fields, wrappedKeys }, sealed, session.metadataGcm, session.headerMacKey);
  if (grantTo !== undefined) {
    entry.grantId = await createVolumeGrant(kms, entry.keyArn, grantTo, context, retiringPrincipal);
    entry.grantee = grantTo;
  }
  return { entry, wrappedKeys };
}

/** The index of the wrapped key `keyId` names (ARN, key id, or an alias: then DescribeKey), for
 *  removeKey; a RangeError when there is none or it is the only one. */
export async function findRemovableKey(
  kms: KmsClient,
  wrappedKeys: readonly WrappedKey[],
  keyId: string,
  what: string,
): Promise<number> {
  let index = wrappedKeys.findIndex((w) => matchesKey(w.keyArn, keyId));
  if (index < 0 && keyId.includes('alias/')) {
    const arn = (
      await kms.describeKey({ KeyId: keyId }).catch((e: unknown) => {
        throw translateKmsError(e, { operation: 'DescribeKey', keyId });
      })
    ).KeyMetadata.Arn;
    index = wrappedKeys.findIndex((w) => w.keyArn === arn);
  }
  if (index < 0)
    throw new RangeError(
      `${what}: the volume has no wrapped key under ${keyId} (it has: ${wrappedKeys.map((w) => w.keyArn).join(', ')})`,
    );
  if (wrappedKeys.length === 1) {
    throw new RangeError(
      `${what}: ${keyId} holds the volume's only wrapped key; removing it would make the data unreadable (use destroy() for that)`,
    );
  }
  return index;
}

/** Retires the grants recorded with these wrapped keys. `strict`: a failure throws (destroy);
 *  otherwise it is ignored — the wrapped key is already gone from the header, so the grant
 *  can no longer open this volume, only an old copy of it. */
export async function retireGrants(kms: KmsClient, entries: readonly WrappedKey[], strict = false): Promise<void> {
  for (const w of entries) {
    if (w.grantId === undefined) continue;
    try {
      await retireVolumeGrant(kms, w.keyArn, w.grantId);
    } catch (e) {
      if (strict) throw e;
    }
  }
}
