// What Volume.create does before it writes a byte: checks the options and the application
// policy, then makes the key-service calls (a scratch key, the wrapped data key, its unwrap, a
// grant) and encodes the first header. A failure in here undoes the key-service side itself; a
// failure in Volume.create's writes afterwards calls `rollback`.

import type { KmsClient } from '../kms/types.js';
import type { BlockStore } from '../storage/block-store.js';
import * as check from '../utils/bytes.js';
import { resolveAllowedKey } from './allowed-keys.js';
import { checkCreateOptions, checkStore, volumeContext } from './arguments.js';
import { DataKeySession } from './data-key-session.js';
import { CIPHER_XTS_AES_256, dataOffsetFor, FLAG_SCRATCH, VOLUME_ID_BYTES } from './format.js';
import { encodeHeader, type HeaderFields, type SealedFields, type WrappedKey } from './header.js';
import {
  createScratchKey,
  createVolumeGrant,
  destroyScratchKey,
  generateWrappedDataKey,
  retireVolumeGrant,
  unwrapDataKey,
} from './kms-calls.js';
import { checkCipher, checkKeyAllowed, checkRequiredContext, checkSectorSize, type CheckedPolicy } from './policy.js';
import type { CreateVolumeOptions } from './volume-options.js';

export interface PreparedVolume {
  kms: KmsClient;
  policy: CheckedPolicy;
  session: DataKeySession;
  fields: HeaderFields;
  sealed: SealedFields;
  header: Uint8Array;
  /** Closes the session (zeroes the keys), retires the grant, ends a scratch key. */
  rollback(): Promise<void>;
}

export async function prepareVolume(
  store: BlockStore,
  options: CreateVolumeOptions,
  what: string,
): Promise<PreparedVolume> {
  checkStore(store, what);
  const request = checkCreateOptions(options, what);
  const { kms, scratch, keyId, callerContext, sectorSize, size, copySize, grantTo, metadata, policy } = request;
  checkCipher(policy, CIPHER_XTS_AES_256, what);
  checkSectorSize(policy, sectorSize, what);
  checkRequiredContext(policy, callerContext, what);
  const volumeId = check.randomBytes(VOLUME_ID_BYTES);
  const context = volumeContext(callerContext, volumeId, what);
  const storeSize = await store.size();
  if (storeSize !== 0) {
    throw new RangeError(
      `${what}: the store is not empty (${storeSize} bytes); a volume is only created on an empty store, so nothing is overwritten`,
    );
  }

  let scratchKeyArn: string | undefined;
  let session: DataKeySession | undefined;
  let granted: WrappedKey | undefined;
  const rollback = async (): Promise<void> => {
    session?.close();
    // The grant was made for this volume only; a failed create must not leave it behind.
    if (granted?.grantId !== undefined)
      await retireVolumeGrant(kms, granted.keyArn, granted.grantId).catch(() => undefined);
    // The scratch key was made for this volume only; it must not outlive a failed create.
    if (scratchKeyArn !== undefined) await destroyScratchKey(kms, scratchKeyArn).catch(() => undefined);
  };
  try {
    let keyArn: string;
    if (scratch) {
      keyArn = scratchKeyArn = await createScratchKey(kms, volumeId);
      checkKeyAllowed(policy, [keyArn], what);
    } else {
      keyArn = (await resolveAllowedKey(kms, policy, keyId, what)).Arn;
    }
    const wrapped = await generateWrappedDataKey(kms, keyArn, context);
    const entry: WrappedKey = {
      keyArn: wrapped.keyArn,
      ciphertextBlob: wrapped.ciphertextBlob,
      encryptionContext: context,
    };
    session = await DataKeySession.create(
      await unwrapDataKey(kms, wrapped.keyArn, wrapped.ciphertextBlob, context),
      sectorSize,
    );
    const fields: HeaderFields = {
      flags: scratch ? FLAG_SCRATCH : 0,
      copySize,
      sequence: 1,
      cipher: CIPHER_XTS_AES_256,
      sectorSize,
      dataOffset: dataOffsetFor(copySize, sectorSize),
      volumeId,
      wrappedKeys: [entry],
    };
    const sealed: SealedFields = { size, metadata };
    // Encode once before the grant, so a header too large for its copy size fails before any
    // change in the key service.
    encodeHeader(fields, sealed, session.metadataGcm, session.headerMacKey);
    if (grantTo !== undefined) {
      entry.grantId = await createVolumeGrant(kms, entry.keyArn, grantTo, context, request.retiringPrincipal);
      entry.grantee = grantTo;
      granted = entry;
    }
    const header = encodeHeader(fields, sealed, session.metadataGcm, session.headerMacKey);
    return { kms, policy, session, fields, sealed, header, rollback };
  } catch (e) {
    await rollback();
    throw e;
  }
}
