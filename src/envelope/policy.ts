// EnvelopePolicy: the application's own rules on top of the key policy. The key policy says
// what the key service lets a principal do; this says what the application accepts — which
// KMS keys, which encryption context, which ciphers and sector sizes, how many wrapped keys a
// header may carry, how long an unwrapped key may stay in memory. Every check here runs before
// the key service is called, so a hostile header costs no KMS call.

import { PolicyViolationError } from './errors.js';
import { SUPPORTED_CIPHERS, SECTOR_SIZE_MIN, SECTOR_SIZE_MAX } from './format.js';
import type { EncryptionContext } from '../kms/types.js';
import { definePair } from '../kms/encryption-context.js';

export interface KeyCachePolicy {
  /** How long an unwrapped data key may be reused after it was unwrapped, in ms (> 0). */
  maxAgeMs: number;
  /** How many opens may reuse it before the key service is asked again (≥ 1). */
  maxUses: number;
}

export interface EnvelopePolicy {
  /** KMS keys the application accepts: key ARNs, key ids, alias names (`alias/…`) or alias
   *  ARNs; `*` matches any run of characters. Absent: any key. When opening, header keys are
   *  known only by ARN: exact alias names are resolved with DescribeKey, wildcard alias
   *  patterns apply only where the caller names the key (create, rewrap, addKey, seal). */
  allowedKeyIds?: readonly string[];
  /** Pairs every encryption context must contain (exact, case-sensitive). */
  requiredEncryptionContext?: Readonly<EncryptionContext>;
  /** Accepted ciphers; default every supported one (`xts-aes-256`). */
  ciphers?: readonly string[];
  /** Accepted sector sizes; default every valid one (powers of two from 512 to 65536). */
  sectorSizes?: readonly number[];
  /** Most wrapped keys a header may carry; default 8. Bounds the KMS calls one open can make. */
  maxWrappedKeys?: number;
  /** Absent: every open asks the key service. */
  keyCache?: KeyCachePolicy;
}

/** A validated policy with its defaults filled in. */
export interface CheckedPolicy {
  readonly allowedKeyIds: readonly string[] | undefined;
  readonly requiredEncryptionContext: Readonly<EncryptionContext>;
  readonly ciphers: readonly string[];
  readonly sectorSizes: readonly number[] | undefined;
  readonly maxWrappedKeys: number;
  readonly keyCache: KeyCachePolicy | undefined;
}

export const DEFAULT_MAX_WRAPPED_KEYS = 8;
/** A header's wrapped-key count is a u16. */
const MAX_WRAPPED_KEYS_LIMIT = 65535;

/** Checks the shape of a caller's policy (TypeError / RangeError naming the field). */
export function checkPolicy(policy: unknown, what: string): CheckedPolicy {
  if (policy === undefined || policy === null) policy = {};
  if (typeof policy !== 'object' || Array.isArray(policy)) throw new TypeError(`${what}: policy must be an object`);
  const p = policy as Record<string, unknown>;
  const known = new Set([
    'allowedKeyIds',
    'requiredEncryptionContext',
    'ciphers',
    'sectorSizes',
    'maxWrappedKeys',
    'keyCache',
  ]);
  for (const field of Object.keys(p)) {
    // A misspelt rule would otherwise silently allow everything.
    if (!known.has(field))
      throw new TypeError(`${what}: policy has an unknown field "${field}" (known: ${[...known].join(', ')})`);
  }
  const allowedKeyIds = optionalStrings(p.allowedKeyIds, `${what}: policy.allowedKeyIds`);
  const ciphers = optionalStrings(p.ciphers, `${what}: policy.ciphers`) ?? SUPPORTED_CIPHERS;
  const requiredEncryptionContext = checkContextShape(
    p.requiredEncryptionContext,
    `${what}: policy.requiredEncryptionContext`,
  );

  let sectorSizes: number[] | undefined;
  if (p.sectorSizes !== undefined) {
    if (!Array.isArray(p.sectorSizes)) throw new TypeError(`${what}: policy.sectorSizes must be an array of numbers`);
    sectorSizes = p.sectorSizes.map((s, i) => {
      if (typeof s !== 'number' || !isValidSectorSize(s)) {
        throw new RangeError(
          `${what}: policy.sectorSizes[${i}] must be a power of two from ${SECTOR_SIZE_MIN} to ${SECTOR_SIZE_MAX}, got ${String(s)}`,
        );
      }
      return s;
    });
  }

  let maxWrappedKeys = DEFAULT_MAX_WRAPPED_KEYS;
  if (p.maxWrappedKeys !== undefined) {
    const m = p.maxWrappedKeys;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > MAX_WRAPPED_KEYS_LIMIT) {
      throw new RangeError(
        `${what}: policy.maxWrappedKeys must be an integer from 1 to ${MAX_WRAPPED_KEYS_LIMIT}, got ${String(m)}`,
      );
    }
    maxWrappedKeys = m;
  }

  let keyCache: KeyCachePolicy | undefined;
  if (p.keyCache !== undefined) {
    const c = p.keyCache as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null)
      throw new TypeError(`${what}: policy.keyCache must be an object { maxAgeMs, maxUses }`);
    if (typeof c.maxAgeMs !== 'number' || !(c.maxAgeMs > 0) || !Number.isFinite(c.maxAgeMs)) {
      throw new RangeError(
        `${what}: policy.keyCache.maxAgeMs must be a positive finite number of milliseconds, got ${String(c.maxAgeMs)}`,
      );
    }
    if (typeof c.maxUses !== 'number' || !Number.isInteger(c.maxUses) || c.maxUses < 1) {
      throw new RangeError(`${what}: policy.keyCache.maxUses must be an integer ≥ 1, got ${String(c.maxUses)}`);
    }
    keyCache = { maxAgeMs: c.maxAgeMs, maxUses: c.maxUses };
  }
  return { allowedKeyIds, requiredEncryptionContext, ciphers, sectorSizes, maxWrappedKeys, keyCache };
}

export function isValidSectorSize(s: number): boolean {
  return Number.isInteger(s) && s >= SECTOR_SIZE_MIN && s <= SECTOR_SIZE_MAX && (s & (s - 1)) === 0;
}

/** An encryption context: a plain object of non-empty string keys and string values. */
export function checkContextShape(value: unknown, what: string): EncryptionContext {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new TypeError(`${what} must be an object of string keys and string values`);
  }
  const out: EncryptionContext = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k.length === 0) throw new RangeError(`${what}: keys must not be empty`);
    if (typeof v !== 'string') throw new TypeError(`${what}["${k}"] must be a string, got ${typeof v}`);
    definePair(out, k, v);
  }
  return out;
}

function optionalStrings(value: unknown, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new TypeError(`${what} must be an array of strings`);
  return value.map((s, i) => {
    if (typeof s !== 'string' || s.length === 0) throw new TypeError(`${what}[${i}] must be a non-empty string`);
    return s;
  });
}

// ---- the checks --------------------------------------------------------------------------

/** `*` matches any run of characters; everything else is literal. */
export function matchesPattern(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  if (!name.startsWith(parts[0]!)) return false;
  let at = parts[0]!.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = name.indexOf(parts[i]!, at);
    if (found < 0) return false;
    at = found + parts[i]!.length;
  }
  const last = parts[parts.length - 1]!;
  return name.length - at >= last.length && name.endsWith(last);
}

/** The names a key reference answers to: itself, and for a key ARN also its bare key id. */
function namesOf(keyRef: string): string[] {
  const names = [keyRef];
  const keyArn = /^arn:aws[\w-]*:kms:[^:]*:\d*:key\/(.+)$/.exec(keyRef);
  if (keyArn) names.push(keyArn[1]!);
  const aliasArn = /^arn:aws[\w-]*:kms:[^:]*:\d*:(alias\/.+)$/.exec(keyRef);
  if (aliasArn) names.push(aliasArn[1]!);
  return names;
}

/** Checks every name the caller used for a key (the reference given, and the ARN DescribeKey
 *  returned, when known): one match with allowedKeyIds is enough. */
export function checkKeyAllowed(
  policy: CheckedPolicy,
  refs: readonly string[],
  what: string,
  resolvedAliasArns: ReadonlySet<string> = new Set(),
): void {
  const patterns = policy.allowedKeyIds;
  if (patterns === undefined) return;
  const names = refs.flatMap(namesOf);
  if (names.some((n) => patterns.some((p) => matchesPattern(p, n)))) return;
  if (refs.some((r) => resolvedAliasArns.has(r))) return;
  throw new PolicyViolationError(
    'allowedKeyIds',
    `${what}: KMS key ${refs[0]} is not in the policy's allowedKeyIds (${patterns.join(', ')})`,
  );
}

/** Exact alias names in allowedKeyIds: the only aliases a header's key ARN can be matched to
 *  (by resolving them with DescribeKey). */
export function exactAliases(policy: CheckedPolicy): string[] {
  return (policy.allowedKeyIds ?? []).filter(
    (p) => !p.includes('*') && /^(arn:aws[\w-]*:kms:[^:]*:\d*:)?alias\//.test(p),
  );
}

export function checkRequiredContext(policy: CheckedPolicy, context: Readonly<EncryptionContext>, what: string): void {
  for (const [k, v] of Object.entries(policy.requiredEncryptionContext)) {
    if (!Object.prototype.hasOwnProperty.call(context, k)) {
      throw new PolicyViolationError(
        'requiredEncryptionContext',
        `${what}: the encryption context lacks the pair "${k}" required by the policy's requiredEncryptionContext`,
      );
    }
    if (context[k] !== v) {
      throw new PolicyViolationError(
        'requiredEncryptionContext',
        `${what}: the encryption context has "${k}" = ${JSON.stringify(context[k])}, but the policy's requiredEncryptionContext requires ${JSON.stringify(v)}`,
      );
    }
  }
}

export function checkCipher(policy: CheckedPolicy, cipher: string, what: string): void {
  if (!policy.ciphers.includes(cipher)) {
    throw new PolicyViolationError(
      'ciphers',
      `${what}: cipher ${JSON.stringify(cipher)} is not in the policy's ciphers (${policy.ciphers.join(', ')})`,
    );
  }
}

export function checkSectorSize(policy: CheckedPolicy, sectorSize: number, what: string): void {
  if (policy.sectorSizes !== undefined && !policy.sectorSizes.includes(sectorSize)) {
    throw new PolicyViolationError(
      'sectorSizes',
      `${what}: sector size ${sectorSize} is not in the policy's sectorSizes (${policy.sectorSizes.join(', ')})`,
    );
  }
}

export function checkWrappedKeyCount(policy: CheckedPolicy, count: number, what: string): void {
  if (count > policy.maxWrappedKeys) {
    throw new PolicyViolationError(
      'maxWrappedKeys',
      `${what}: the header carries ${count} wrapped keys; the policy's maxWrappedKeys allows ${policy.maxWrappedKeys}`,
    );
  }
}
