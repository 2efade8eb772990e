// Which KMS keys a policy allows by name: the check of a key the caller names (create, seal,
// rewrap, addKey) and the resolution of the policy's exact alias names to key ARNs.

import type { KeyMetadata, KmsClient } from '../kms/types.js';
import { describeUsableKey } from './kms-calls.js';
import { checkKeyAllowed, exactAliases, matchesPattern, type CheckedPolicy } from './policy.js';

/** The policy checks of a key the caller names (create, seal, rewrap, addKey), DescribeKey,
 *  and a last check of the ARN it reports. Only DescribeKey is called before the name passes
 *  (it reads metadata and moves no key), and only when the policy lists exact aliases. */
export async function resolveAllowedKey(
  kms: KmsClient,
  policy: CheckedPolicy,
  keyId: string,
  what: string,
): Promise<KeyMetadata> {
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
