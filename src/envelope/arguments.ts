// The argument checks of the envelope API (sealEnvelope/openEnvelope, Volume, the streams) in
// one place, so each option gets the same rule and the same message wherever it is accepted.

import type { KmsClient } from '../kms/types.js';
import type { BlockStore } from '../storage/block-store.js';
import { DEFAULT_KEY_ID, DEFAULT_SECTOR_SIZE, SECTOR_SIZE_MAX, SECTOR_SIZE_MIN } from './format.js';
import { isValidSectorSize } from './policy.js';

export function checkStore(value: unknown, what: string): BlockStore {
  const s = value as Partial<BlockStore> | null;
  for (const m of ['read', 'write', 'size', 'truncate', 'flush'] as const) {
    if (typeof s !== 'object' || s === null || typeof s[m] !== 'function') {
      throw new TypeError(`${what}: store must be a BlockStore (read, write, size, truncate, flush, close), got ${s === null ? 'null' : typeof s}${typeof s === 'object' && s !== null ? ` without ${m}()` : ''}`);
    }
  }
  return s as BlockStore;
}

export function checkPrincipal(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^arn:aws[\w-]*:(iam|sts)::\d{12}:.+$/.test(value)) {
    throw new TypeError(`${what} must be an IAM or STS principal ARN (arn:aws:iam::<account>:…), got ${JSON.stringify(value)}`);
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
