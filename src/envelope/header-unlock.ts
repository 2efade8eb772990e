// Header unlocking, shared by Volume.open and decryptStream: the policy's clear-field rules for
// each header copy, then each allowed wrapped key (newest copy first) until one unwraps and a
// copy authenticates under it. No key-service call for a header the policy refuses.

import type { KmsClient } from '../kms/types.js';
import { toHex } from '../utils/bytes.js';
import { resolveAliasArns } from './allowed-keys.js';
import type { PlaintextDataKey } from './data-key.js';
import { obtainDataKey } from './data-key-session.js';
import { EnvelopeError, HeaderDamagedError, KmsFailureError, PolicyViolationError } from './errors.js';
import { VOLUME_CONTEXT_KEY } from './format.js';
import { chooseAuthenticCopy, type CopyRead } from './header-copies.js';
import type { DecodedHeader, HeaderFields, WrappedKey } from './header.js';
import { deriveKeys, zeroKeys } from './key-derivation.js';
import {
  checkCipher,
  checkKeyAllowed,
  checkRequiredContext,
  checkSectorSize,
  checkWrappedKeyCount,
  matchesPattern,
  type CheckedPolicy,
} from './policy.js';

/** The clear-field rules of the policy for one header copy: all before any KMS call. */
export function checkHeaderAgainstPolicy(policy: CheckedPolicy, fields: HeaderFields, what: string): void {
  checkWrappedKeyCount(policy, fields.wrappedKeys.length, what);
  checkCipher(policy, fields.cipher, what);
  checkSectorSize(policy, fields.sectorSize, what);
}

/** Whether the wrapped key's ARN is the key `keyId` names (ARN, key id or an ARN pattern). */
export function matchesKey(keyArn: string, keyId: string): boolean {
  return keyArn === keyId || keyArn.endsWith(`:key/${keyId}`) || matchesPattern(keyId, keyArn);
}

/**
 * Finds a wrapped key the policy accepts and the key service unwraps, and the newest header
 * copy that authenticates under it. All policy checks come first (no KMS call for a header the
 * policy refuses); each copy's wrapped keys are tried newest copy first, each distinct wrapped
 * key once, and at most maxWrappedKeys in all (per open, whatever the number of copies).
 */
export async function unlockHeader(
  copies: CopyRead[],
  kms: KmsClient,
  policy: CheckedPolicy,
  what: string,
): Promise<{ dataKey: PlaintextDataKey; chosen: DecodedHeader }> {
  // A copy the policy refuses as a whole (too many wrapped keys, cipher, sector size) is left
  // out: none of its wrapped keys is tried. If the other copy passes, it is used (and its MAC
  // decides); a copy can fail only through damage or an attacker, who gains nothing by it.
  let refusal: PolicyViolationError | undefined;
  const decoded = copies
    .map((c) => c.header)
    .filter((h): h is DecodedHeader => h !== undefined)
    .sort((a, b) => b.fields.sequence - a.fields.sequence)
    .filter((h) => {
      try {
        checkHeaderAgainstPolicy(policy, h.fields, what);
        return true;
      } catch (e) {
        if (!(e instanceof PolicyViolationError)) throw e;
        refusal ??= e;
        return false;
      }
    });

  // Which wrapped keys the policy allows; each distinct one is tried once.
  let aliasArns: Set<string> | undefined;
  const candidates: WrappedKey[] = [];
  const seen = new Set<string>();
  for (const h of decoded) {
    for (const w of h.fields.wrappedKeys) {
      // The whole entry identifies it: a copy-1 entry damaged only in its context or grant
      // must not hide copy 2's intact entry with the same key and blob.
      const id = JSON.stringify([
        w.keyArn,
        toHex(w.ciphertextBlob),
        Object.entries(w.encryptionContext).sort(),
        w.grantId ?? null,
        w.grantee ?? null,
      ]);
      if (seen.has(id)) continue;
      try {
        if (w.encryptionContext[VOLUME_CONTEXT_KEY] !== toHex(h.fields.volumeId)) {
          throw new PolicyViolationError(
            'atrest:volume',
            `${what}: the wrapped key under ${w.keyArn} is bound to volume ${String(w.encryptionContext[VOLUME_CONTEXT_KEY])}, not this volume ${toHex(h.fields.volumeId)}`,
          );
        }
        checkRequiredContext(policy, w.encryptionContext, what);
        if (
          policy.allowedKeyIds !== undefined &&
          !policy.allowedKeyIds.some((p) => matchesPattern(p, w.keyArn) || matchesKey(w.keyArn, p))
        ) {
          aliasArns ??= await resolveAliasArns(kms, policy);
          checkKeyAllowed(policy, [w.keyArn], what, aliasArns);
        }
        seen.add(id);
        candidates.push(w);
      } catch (e) {
        if (!(e instanceof PolicyViolationError)) throw e;
        refusal ??= e;
      }
    }
  }
  // The bound is per open, not per copy: two copies (or planted ones) must not double it.
  candidates.splice(policy.maxWrappedKeys);
  if (candidates.length === 0) {
    throw refusal ?? new HeaderDamagedError(`${what}: the header holds no wrapped key`);
  }

  let firstError: unknown;
  for (const w of candidates) {
    let dataKey: PlaintextDataKey;
    try {
      dataKey = await obtainDataKey(kms, policy, w.keyArn, w.ciphertextBlob, w.encryptionContext, {
        grantId: w.grantId,
        grantee: w.grantee,
      });
    } catch (e) {
      firstError ??= e;
      continue;
    }
    const keys = dataKey.use(deriveKeys);
    try {
      return { dataKey, chosen: chooseAuthenticCopy(copies, keys.headerMacKey, what) };
    } catch (e) {
      dataKey.zero();
      firstError ??= e;
    } finally {
      zeroKeys(keys);
    }
  }
  if (firstError instanceof EnvelopeError) {
    if (candidates.length > 1) firstError.message += ` (and ${candidates.length - 1} other wrapped key(s) failed too)`;
    throw firstError;
  }
  throw new KmsFailureError(`${what}: no wrapped key could be unwrapped`, { cause: firstError });
}
