// Key and alias identifiers: UUID key ids, key and alias ARNs, and the classification of a
// KeyId argument (key id | key ARN | alias name | alias ARN) that every operation accepts.

import { NotFoundException, ValidationException } from './errors.js';
import { randomBytes, toHex } from '../utils/bytes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** AWS's AliasName pattern, with the mandatory `alias/` prefix. */
const ALIAS_NAME = /^alias\/[a-zA-Z0-9:/_-]+$/;

/** A random (version 4) UUID built from getRandomValues: crypto.randomUUID needs a secure
 *  context in browsers, getRandomValues does not. */
export function newKeyId(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return bytesToKeyId(b);
}

/** The 16 bytes a ciphertext blob stores for a key id. */
export function keyIdToBytes(keyId: string): Uint8Array {
  if (!UUID.test(keyId)) throw new RangeError(`keyIdToBytes: not a lower-case UUID: ${keyId}`);
  const hex = keyId.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToKeyId(bytes: Uint8Array): string {
  const h = toHex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Where keys and aliases live: ARNs name the partition (always `aws` here), Region and account. */
export interface KmsLocation {
  region: string;
  accountId: string;
}

export function keyArn(where: KmsLocation, keyId: string): string {
  return `arn:aws:kms:${where.region}:${where.accountId}:key/${keyId}`;
}

export function aliasArn(where: KmsLocation, aliasName: string): string {
  return `arn:aws:kms:${where.region}:${where.accountId}:${aliasName}`;
}

/** What a KeyId argument names. */
export type KeyReference = { kind: 'key'; keyId: string } | { kind: 'alias'; aliasName: string };

/**
 * Classifies a KeyId argument. An ARN of another Region or account cannot name a key of this
 * service: NotFoundException, as AWS answers for a key it does not hold. Anything that is none
 * of the four forms: ValidationException.
 */
export function parseKeyReference(where: KmsLocation, text: unknown, field: string): KeyReference {
  if (typeof text !== 'string' || text.length === 0) {
    throw new ValidationException(`${field} must be a key id, key ARN, alias name or alias ARN (a non-empty string)`);
  }
  if (UUID.test(text)) return { kind: 'key', keyId: text };
  if (text.startsWith('alias/')) {
    checkAliasName(text, field);
    return { kind: 'alias', aliasName: text };
  }
  const arn = /^arn:aws:kms:([^:]+):([^:]+):(key\/(.+)|alias\/.+)$/.exec(text);
  if (arn === null) {
    throw new ValidationException(
      `${field} "${text}" is not a key id (UUID), key ARN, alias name (alias/…) or alias ARN`,
    );
  }
  if (arn[1] !== where.region || arn[2] !== where.accountId) {
    throw new NotFoundException(
      `${field} "${text}" names a key of another Region or account; this key service holds keys of ${where.region}/${where.accountId} only`,
    );
  }
  if (arn[4] !== undefined) {
    if (!UUID.test(arn[4])) throw new ValidationException(`${field} "${text}": the key id in the ARN is not a UUID`);
    return { kind: 'key', keyId: arn[4] };
  }
  const aliasName = arn[3]!;
  checkAliasName(aliasName, field);
  return { kind: 'alias', aliasName };
}

/** Whether `text` follows AWS's AliasName rules: `alias/` then [a-zA-Z0-9:/_-]+, 256 characters at most. */
export function isAliasName(text: string): boolean {
  return ALIAS_NAME.test(text) && text.length <= 256;
}

/** AWS's AliasName rules, or ValidationException naming them. */
export function checkAliasName(aliasName: unknown, field: string): string {
  if (typeof aliasName !== 'string' || !isAliasName(aliasName)) {
    throw new ValidationException(
      `${field} must start with "alias/" followed by letters, digits and : / _ - (at most 256 characters), got ${JSON.stringify(aliasName)}`,
    );
  }
  return aliasName;
}

/** The default key's alias (see default-key.ts): the one place the name is spelled. */
export const DEFAULT_KEY_ALIAS = 'alias/aws/atrest';

/** `alias/aws/…` names belong to AWS managed keys: users can neither create nor change them. */
export function isReservedAliasName(aliasName: string): boolean {
  return aliasName.startsWith('alias/aws/');
}
