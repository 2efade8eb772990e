// The envelope primitive: a data key that exists outside the key service only in wrapped form
// (beside the data) and, while in use, inside a cipher object that zeroes it on close().
//
//   sealEnvelope  — DescribeKey, GenerateDataKeyWithoutPlaintext, Decrypt: a fresh data key,
//                   returned wrapped, and a ready cipher.
//   openEnvelope  — policy checks, then Decrypt (or the key cache): the cipher.
//
// For callers that keep their own storage and their own record of the wrapped key; volumes and
// streams are built from the same pieces (DataKeySession, obtainDataKey, resolveAllowedKey).

import type { Gcm } from '../engine/gcm.js';
import type { Xts } from '../engine/xts.js';
import type { EncryptionContext, KeyMetadata, KmsClient } from '../kms/types.js';
import { requireBytes } from './bytes.js';
import { sharedEngine } from './engine.js';
import { PolicyViolationError, VolumeClosedError } from './errors.js';
import { CIPHER_XTS_AES_256, DEFAULT_KEY_ID, DEFAULT_SECTOR_SIZE, SECTOR_SIZE_MAX, SECTOR_SIZE_MIN } from './format.js';
import { cacheDataKey, takeCachedDataKey } from './key-cache.js';
import { deriveKeys, zeroKeys } from './key-derivation.js';
import { describeUsableKey, generateWrappedDataKey, translateKmsError, unwrapDataKey } from './kms-calls.js';
import {
  checkCipher, checkContextShape, checkKeyAllowed, checkPolicy, checkRequiredContext, checkSectorSize, exactAliases, isValidSectorSize,
  matchesPattern, type CheckedPolicy, type EnvelopePolicy,
} from './policy.js';

/** The keys of one open data key: XTS for sectors, GCM for sealed metadata, the header MAC key.
 *  The data key itself is not kept; close() disposes the engine keys and zeroes the MAC key. */
export class DataKeySession {
  readonly xts: Xts;
  readonly metadataGcm: Gcm;
  readonly headerMacKey: Uint8Array;
  #closed = false;

  private constructor(xts: Xts, metadataGcm: Gcm, headerMacKey: Uint8Array) {
    this.xts = xts;
    this.metadataGcm = metadataGcm;
    this.headerMacKey = headerMacKey;
  }

  /** Derives the session keys from `dataKey` (which the caller still owns and zeroes). */
  static async create(dataKey: Uint8Array, sectorSize: number): Promise<DataKeySession> {
    const engine = await sharedEngine();
    const keys = deriveKeys(dataKey);
    let xts: Xts | undefined;
    try {
      xts = engine.xts(keys.xtsKey, { sectorSize });
      const gcm = engine.gcm(keys.metadataKey);
      const session = new DataKeySession(xts, gcm, keys.headerMacKey.slice());
      return session;
    } catch (e) {
      xts?.dispose();
      throw e;
    } finally {
      // The engine holds its own key schedules; the JavaScript copies are not needed any more.
      zeroKeys(keys);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.xts.dispose();
    this.metadataGcm.dispose();
    this.headerMacKey.fill(0);
  }
}

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
    encrypt: (data: Uint8Array, firstSector: number | bigint = 0, out?: Uint8Array) => live('encrypt').encrypt(data, firstSector, out),
    decrypt: (data: Uint8Array, firstSector: number | bigint = 0, out?: Uint8Array) => live('decrypt').decrypt(data, firstSector, out),
    close: () => session.close(),
  });
}

// ---- argument checks shared with volumes and streams --------------------------------------

export function checkKmsClient(value: unknown, what: string): KmsClient {
  const k = value as Partial<KmsClient> | null;
  if (typeof k !== 'object' || k === null || typeof k.decrypt !== 'function' || typeof k.describeKey !== 'function') {
    throw new TypeError(`${what}: kms must be a KmsClient (e.g. localKms.as(principalArn)), got ${value === null ? 'null' : typeof value}`);
  }
  return k as KmsClient;
}

export function checkSectorSizeArgument(value: unknown, what: string): number {
  if (value === undefined) return DEFAULT_SECTOR_SIZE;
  if (typeof value !== 'number') throw new TypeError(`${what}: sectorSize must be a number, got ${typeof value}`);
  if (!isValidSectorSize(value)) throw new RangeError(`${what}: sectorSize must be a power of two from ${SECTOR_SIZE_MIN} to ${SECTOR_SIZE_MAX}, got ${value}`);
  return value;
}

export function checkKeyIdArgument(value: unknown, what: string): string {
  if (value === undefined) return DEFAULT_KEY_ID;
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${what}: keyId must be a non-empty string (key id, key ARN, alias name or alias ARN)`);
  return value;
}

/** The policy checks of a key the caller names (create, seal, rewrap, addKey), DescribeKey,
 *  and a last check of the ARN it reports. Only DescribeKey is called before the name passes
 *  (it reads metadata and moves no key), and only when the policy lists exact aliases. */
export async function resolveAllowedKey(kms: KmsClient, policy: CheckedPolicy, keyId: string, what: string): Promise<KeyMetadata> {
  const nameAllowed = policy.allowedKeyIds === undefined || policy.allowedKeyIds.some((p) => matchesPattern(p, keyId));
  if (!nameAllowed && exactAliases(policy).length === 0) checkKeyAllowed(policy, [keyId], what);
  const meta = await describeUsableKey(kms, keyId, what);
  if (!nameAllowed) checkKeyAllowed(policy, [keyId, meta.Arn], what, await resolveAliasArns(kms, policy));
  return meta;
}

/** The key ARNs the exact alias names of allowedKeyIds point to now (an alias that does not
 *  resolve is simply not matched). */
export async function resolveAliasArns(kms: KmsClient, policy: CheckedPolicy): Promise<Set<string>> {
  const arns = new Set<string>();
  for (const alias of exactAliases(policy)) {
    try {
      const meta = (await kms.describeKey({ KeyId: alias })).KeyMetadata;
      if (typeof meta?.Arn === 'string') arns.add(meta.Arn);
    } catch {
      // Not found or not visible: the alias allows nothing.
    }
  }
  return arns;
}

/** Unwraps a data key, or takes it from the key cache when the policy allows caching. */
export async function obtainDataKey(kms: KmsClient, policy: CheckedPolicy, keyArn: string | undefined, blob: Uint8Array, context: EncryptionContext,
  grant?: { grantId?: string; grantee?: string }): Promise<Uint8Array> {
  const cache = policy.keyCache;
  if (cache !== undefined && keyArn !== undefined) {
    const cached = takeCachedDataKey(kms, keyArn, blob, context);
    if (cached !== undefined) return cached;
  }
  const dataKey = await unwrapDataKey(kms, keyArn, blob, context, grant);
  if (cache !== undefined && keyArn !== undefined) cacheDataKey(kms, cache, keyArn, blob, context, dataKey);
  return dataKey;
}

/** The application policy's checks of a wrapped key kept outside a volume header (required
 *  encryption context, allowedKeyIds against the key the caller names), then the unwrap
 *  (Decrypt, or the key cache), with key-service errors translated. openEnvelope and the LUKS2
 *  atrest-kms token use it. The caller zeroes the returned key. */
export async function unwrapUnderPolicy(kms: KmsClient, policy: CheckedPolicy, keyId: string | undefined, wrappedKey: Uint8Array,
  encryptionContext: EncryptionContext, what: string): Promise<Uint8Array> {
  checkRequiredContext(policy, encryptionContext, what);
  if (policy.allowedKeyIds !== undefined) {
    if (keyId === undefined) {
      throw new PolicyViolationError('allowedKeyIds', `${what}: the policy restricts KMS keys (allowedKeyIds), so keyId must name the key that wrapped the data key`);
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
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be an object`);
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
  try {
    const session = await DataKeySession.create(dataKey, sectorSize);
    return { wrappedKey: wrapped.ciphertextBlob, keyId: wrapped.keyArn, encryptionContext, cipher: cipherOf(session, sectorSize) };
  } finally {
    dataKey.fill(0);
  }
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
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be an object`);
  const kms = checkKmsClient(options.kms, what);
  const wrappedKey = requireBytes(options.wrappedKey, `${what}: wrappedKey`);
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
  try {
    return cipherOf(await DataKeySession.create(dataKey, sectorSize), sectorSize);
  } finally {
    dataKey.fill(0);
  }
}
