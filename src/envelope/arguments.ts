// The argument checks of the envelope API (sealEnvelope/openEnvelope, Volume, the streams) in
// one place, so each option gets the same rule and the same message wherever it is accepted.

import type { KmsClient } from '../kms/types.js';
import type { BlockStore } from '../storage/block-store.js';
import type { EncryptionContext } from '../kms/types.js';
import { DEFAULT_KEY_ALIAS } from '../kms/key-ids.js';
import { isPrincipalArn } from '../policy/index.js';
import { byteCount, toHex } from '../utils/bytes.js';
import {
  DEFAULT_SECTOR_SIZE,
  DEFAULT_VOLUME_COPY_SIZE,
  SECTOR_SIZE_MAX,
  SECTOR_SIZE_MIN,
  COPY_SIZE_MAX,
  COPY_SIZE_MIN,
  VOLUME_CONTEXT_KEY,
} from './format.js';
import { checkContextShape, isValidSectorSize } from './policy.js';
import { checkPolicy, type CheckedPolicy } from './policy.js';
import type { ChangeKeyOptions, CreateVolumeOptions, DestroyOptions, ScratchKeyService } from './volume-options.js';

export function checkStore(value: unknown, what: string): BlockStore {
  const s = value as Partial<BlockStore> | null;
  for (const m of ['read', 'write', 'size', 'truncate', 'flush'] as const) {
    if (typeof s !== 'object' || s === null || typeof s[m] !== 'function') {
      throw new TypeError(
        `${what}: store must be a BlockStore (read, write, size, truncate, flush, close), got ${s === null ? 'null' : typeof s}${typeof s === 'object' && s !== null ? ` without ${m}()` : ''}`,
      );
    }
  }
  return s as BlockStore;
}

export function checkPrincipal(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isPrincipalArn(value)) {
    throw new TypeError(
      `${what} must be an IAM or STS principal ARN (arn:aws:iam::<account>:…), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function checkOptions(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${what}: options must be an object`);
  return value as Record<string, unknown>;
}

export function checkKmsClient(value: unknown, what: string): KmsClient {
  const k = value as Partial<KmsClient> | null;
  if (typeof k !== 'object' || k === null || typeof k.decrypt !== 'function' || typeof k.describeKey !== 'function') {
    throw new TypeError(
      `${what}: kms must be a KmsClient (e.g. localKms.as(principalArn)), got ${value === null ? 'null' : typeof value}`,
    );
  }
  return k as KmsClient;
}

export function checkSectorSizeArgument(value: unknown, what: string): number {
  if (value === undefined) return DEFAULT_SECTOR_SIZE;
  if (typeof value !== 'number') throw new TypeError(`${what}: sectorSize must be a number, got ${typeof value}`);
  if (!isValidSectorSize(value))
    throw new RangeError(
      `${what}: sectorSize must be a power of two from ${SECTOR_SIZE_MIN} to ${SECTOR_SIZE_MAX}, got ${value}`,
    );
  return value;
}

/** A stream's `workers` option: omitted (use the shared pool for large streams) or 0 (never).
 *  Returns whether the pool may be used. */
export function checkStreamWorkers(value: unknown, what: string): boolean {
  if (value === undefined) return true;
  if (value !== 0)
    throw new RangeError(
      `${what}: workers must be 0 (run on the calling thread) or omitted (the shared pool for large streams), got ${String(value)}`,
    );
  return false;
}

export function checkKeyIdArgument(value: unknown, what: string): string {
  if (value === undefined) return DEFAULT_KEY_ALIAS;
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${what}: keyId must be a non-empty string (key id, key ARN, alias name or alias ARN)`);
  return value;
}

/** A grant on the key for this volume (grantTo), and who may retire it (needs grantTo). */
export function checkGrantOptions(
  o: Record<string, unknown>,
  what: string,
): { grantTo?: string; retiringPrincipal?: string } {
  const grantTo = checkPrincipal(o.grantTo, `${what}: grantTo`);
  const retiringPrincipal = checkPrincipal(o.retiringPrincipal, `${what}: retiringPrincipal`);
  if (retiringPrincipal !== undefined && grantTo === undefined)
    throw new TypeError(`${what}: retiringPrincipal needs grantTo`);
  return { grantTo, retiringPrincipal };
}

/** Metadata as the header will hold it: any JSON value (a JSON round trip), default null. */
export function checkMetadata(value: unknown, what: string): unknown {
  try {
    return JSON.parse(JSON.stringify(value === undefined ? null : value)) as unknown;
  } catch (e) {
    throw new TypeError(`${what}: metadata must be JSON-serializable (${(e as Error).message})`);
  }
}

/** Bytes per header copy: a power of two in [COPY_SIZE_MIN, COPY_SIZE_MAX]. */
export function checkHeaderSize(value: unknown, what: string): number {
  const copySize = value === undefined ? DEFAULT_VOLUME_COPY_SIZE : value;
  if (
    typeof copySize !== 'number' ||
    !Number.isInteger(copySize) ||
    copySize < COPY_SIZE_MIN ||
    copySize > COPY_SIZE_MAX ||
    (copySize & (copySize - 1)) !== 0
  ) {
    throw new RangeError(
      `${what}: headerSize must be a power of two from ${COPY_SIZE_MIN} to ${COPY_SIZE_MAX}, got ${String(copySize)}`,
    );
  }
  return copySize;
}

/** The encryption context of a volume: the caller's pairs plus atrest:volume = the volume id,
 *  which the caller must not set itself. */
export function volumeContext(callerContext: EncryptionContext, volumeId: Uint8Array, what: string): EncryptionContext {
  if (Object.prototype.hasOwnProperty.call(callerContext, VOLUME_CONTEXT_KEY)) {
    throw new RangeError(
      `${what}: encryptionContext must not contain "${VOLUME_CONTEXT_KEY}": atrest sets it to the volume id`,
    );
  }
  return { ...callerContext, [VOLUME_CONTEXT_KEY]: toHex(volumeId) };
}

/** The caller's part of a volume's context (without atrest:volume). */
export function callerPart(context: EncryptionContext): EncryptionContext {
  const out = { ...context };
  delete out[VOLUME_CONTEXT_KEY];
  return out;
}

/** The options of Volume.rewrap / addKey; `kms` defaults to the volume's own client. */
export function checkChangeKeyOptions(
  options: ChangeKeyOptions,
  volumeKms: KmsClient,
  what: string,
): {
  kms: KmsClient;
  keyId: string;
  givenContext?: EncryptionContext;
  grantTo?: string;
  retiringPrincipal?: string;
} {
  const o = checkOptions(options, what);
  const kms = o.kms === undefined ? volumeKms : checkKmsClient(o.kms, what);
  if (typeof o.keyId !== 'string' || o.keyId.length === 0)
    throw new TypeError(`${what}: keyId must be a non-empty string`);
  const keyId = o.keyId;
  const givenContext =
    o.encryptionContext === undefined
      ? undefined
      : checkContextShape(o.encryptionContext, `${what}: encryptionContext`);
  return { kms, keyId, givenContext, ...checkGrantOptions(o, what) };
}

/** The options of Volume.destroy: the key service that can delete a scratch key at once. */
export function checkDestroyOptions(options: DestroyOptions, what: string): ScratchKeyService | undefined {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be an object`);
  const keyService = options.keyService;
  if (keyService !== undefined && typeof keyService?.destroyKeyNow !== 'function') {
    throw new TypeError(`${what}: keyService must have destroyKeyNow(keyId) (a LocalKms)`);
  }
  return keyService;
}

/** Volume.create's options, checked (the application policy's rules are applied by the caller). */
export function checkCreateOptions(
  options: CreateVolumeOptions,
  what: string,
): {
  kms: KmsClient;
  scratch: boolean;
  keyId: string;
  callerContext: EncryptionContext;
  sectorSize: number;
  size: number;
  copySize: number;
  grantTo?: string;
  retiringPrincipal?: string;
  metadata: unknown;
  policy: CheckedPolicy;
} {
  const o = checkOptions(options, what);
  const kms = checkKmsClient(o.kms, what);
  const scratch = o.scratch === undefined ? false : o.scratch;
  if (typeof scratch !== 'boolean') throw new TypeError(`${what}: scratch must be a boolean`);
  if (scratch && o.keyId !== undefined)
    throw new TypeError(`${what}: scratch volumes create their own key; do not pass keyId`);
  const keyId = checkKeyIdArgument(o.keyId, what);
  const callerContext = checkContextShape(o.encryptionContext, `${what}: encryptionContext`);
  const sectorSize = checkSectorSizeArgument(o.sectorSize, what);
  const size = o.size === undefined ? 0 : byteCount(o.size, `${what}: size`, true);
  const copySize = checkHeaderSize(o.headerSize, what);
  const { grantTo, retiringPrincipal } = checkGrantOptions(o, what);
  const metadata = checkMetadata(o.metadata, what);
  const policy = checkPolicy(o.policy, what);
  return {
    kms,
    scratch,
    keyId,
    callerContext,
    sectorSize,
    size,
    copySize,
    grantTo,
    retiringPrincipal,
    metadata,
    policy,
  };
}
