// The envelope primitive: a data key that exists outside the key service only in wrapped form
// (beside the data) and, while in use, inside a cipher object that zeroes it on close().
//
//   sealEnvelope  — DescribeKey, GenerateDataKeyWithoutPlaintext, Decrypt: a fresh data key,
//                   returned wrapped, and a ready cipher.
//   openEnvelope  — policy checks, then Decrypt (or the key cache): the cipher.
//
// For callers that keep their own storage and their own record of the wrapped key; volumes and
// streams are built from the same pieces (data-key-session.ts, allowed-keys.ts, arguments.ts).

import type { EncryptionContext, KmsClient } from '../kms/types.js';
import { bytes } from '../utils/bytes.js';
import { resolveAliasArns, resolveAllowedKey } from './allowed-keys.js';
import { checkKeyIdArgument, checkKmsClient, checkOptions, checkSectorSizeArgument } from './arguments.js';
import type { PlaintextDataKey } from './data-key.js';
import { DataKeySession, obtainDataKey } from './data-key-session.js';
import { PolicyViolationError, VolumeClosedError } from './errors.js';
import { CIPHER_XTS_AES_256 } from './format.js';
import { generateWrappedDataKey, translateKmsError, unwrapDataKey } from './kms-calls.js';
import {
  checkCipher,
  checkContextShape,
  checkKeyAllowed,
  checkPolicy,
  checkRequiredContext,
  checkSectorSize,
  matchesPattern,
  type CheckedPolicy,
  type EnvelopePolicy,
} from './policy.js';

/** Multi-sector XTS-AES-256 under an envelope's data key. */
export interface EnvelopeCipher {
  readonly sectorSize: number;
  /** Encrypts whole sectors starting at sector `firstSector` (the last may be partial, ≥ 16 bytes). */
  encrypt(data: Uint8Array, firstSector?: number | bigint, out?: Uint8Array): Uint8Array;
  decrypt(data: Uint8Array, firstSector?: number | bigint, out?: Uint8Array): Uint8Array;
  /** Zeroes every key; later calls throw VolumeClosedError. */
  close(): void;
}

function cipherOf(session: DataKeySession, sectorSize: number): EnvelopeCipher {
  const live = (what: string) => {
    if (session.closed) throw new VolumeClosedError(`envelope cipher: ${what} after close()`);
    return session.xts;
  };
  return Object.freeze({
    sectorSize,
    encrypt: (data: Uint8Array, firstSector: number | bigint = 0, out?: Uint8Array) =>
      live('encrypt').encrypt(data, firstSector, out),
    decrypt: (data: Uint8Array, firstSector: number | bigint = 0, out?: Uint8Array) =>
      live('decrypt').decrypt(data, firstSector, out),
    close: () => session.close(),
  });
}

/** The application policy's checks of a wrapped key kept outside a volume header (required
 *  encryption context, allowedKeyIds against the key the caller names), then the unwrap
 *  (Decrypt, or the key cache), with key-service errors translated. openEnvelope and the LUKS2
 *  atrest-kms token use it. The caller owns the returned key (zero() it). */
export async function unwrapUnderPolicy(
  kms: KmsClient,
  policy: CheckedPolicy,
  keyId: string | undefined,
  wrappedKey: Uint8Array,
  encryptionContext: EncryptionContext,
  what: string,
): Promise<PlaintextDataKey> {
  checkRequiredContext(policy, encryptionContext, what);
  if (policy.allowedKeyIds !== undefined) {
    if (keyId === undefined) {
      throw new PolicyViolationError(
        'allowedKeyIds',
        `${what}: the policy restricts KMS keys (allowedKeyIds), so keyId must name the key that wrapped the data key`,
      );
    }
    const nameAllowed = policy.allowedKeyIds.some((p) => matchesPattern(p, keyId));
    if (!nameAllowed) checkKeyAllowed(policy, [keyId], what, await resolveAliasArns(kms, policy));
  }
  try {
    return await obtainDataKey(kms, policy, keyId, wrappedKey, encryptionContext);
  } catch (e) {
    throw translateKmsError(e, { operation: 'Decrypt', keyId: keyId ?? '(named by the blob)' });
  }
}

// ---- the primitive -----------------------------------------------------------------------

export interface SealEnvelopeOptions {
  kms: KmsClient;
  /** Default `alias/aws/atrest`. */
  keyId?: string;
  encryptionContext?: EncryptionContext;
  policy?: EnvelopePolicy;
  /** Default 4096; a power of two from 512 to 65536. */
  sectorSize?: number;
}

export interface SealedEnvelope {
  /** The data key wrapped by the key service: store it beside the data. */
  wrappedKey: Uint8Array;
  /** The KMS key ARN. */
  keyId: string;
  encryptionContext: EncryptionContext;
  cipher: EnvelopeCipher;
}

export async function sealEnvelope(options: SealEnvelopeOptions): Promise<SealedEnvelope> {
  const what = 'sealEnvelope';
  checkOptions(options, what);
  const kms = checkKmsClient(options.kms, what);
  const keyId = checkKeyIdArgument(options.keyId, what);
  const encryptionContext = checkContextShape(options.encryptionContext, `${what}: encryptionContext`);
  const sectorSize = checkSectorSizeArgument(options.sectorSize, what);
  const policy = checkPolicy(options.policy, what);
  checkCipher(policy, CIPHER_XTS_AES_256, what);
  checkSectorSize(policy, sectorSize, what);
  checkRequiredContext(policy, encryptionContext, what);

  const meta = await resolveAllowedKey(kms, policy, keyId, what);
  const wrapped = await generateWrappedDataKey(kms, meta.Arn, encryptionContext);
  const dataKey = await unwrapDataKey(kms, wrapped.keyArn, wrapped.ciphertextBlob, encryptionContext);
  const session = await DataKeySession.create(dataKey, sectorSize);
  return {
    wrappedKey: wrapped.ciphertextBlob,
    keyId: wrapped.keyArn,
    encryptionContext,
    cipher: cipherOf(session, sectorSize),
  };
}

export interface OpenEnvelopeOptions {
  kms: KmsClient;
  wrappedKey: Uint8Array;
  /** The KMS key that wrapped it (ARN preferred). Required when the policy has allowedKeyIds. */
  keyId?: string;
  encryptionContext?: EncryptionContext;
  policy?: EnvelopePolicy;
  sectorSize?: number;
}

export async function openEnvelope(options: OpenEnvelopeOptions): Promise<EnvelopeCipher> {
  const what = 'openEnvelope';
  checkOptions(options, what);
  const kms = checkKmsClient(options.kms, what);
  const wrappedKey = bytes(options.wrappedKey, `${what}: wrappedKey`);
  if (options.keyId !== undefined && (typeof options.keyId !== 'string' || options.keyId.length === 0)) {
    throw new TypeError(`${what}: keyId must be a non-empty string`);
  }
  const keyId = options.keyId;
  const encryptionContext = checkContextShape(options.encryptionContext, `${what}: encryptionContext`);
  const sectorSize = checkSectorSizeArgument(options.sectorSize, what);
  const policy = checkPolicy(options.policy, what);
  checkCipher(policy, CIPHER_XTS_AES_256, what);
  checkSectorSize(policy, sectorSize, what);
  const dataKey = await unwrapUnderPolicy(kms, policy, keyId, wrappedKey, encryptionContext, what);
  return cipherOf(await DataKeySession.create(dataKey, sectorSize), sectorSize);
}
