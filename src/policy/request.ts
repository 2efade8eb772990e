// The request side of an authorization decision: who asks, for what action, on which key, and
// the condition keys that describe the request.

import { accountOfPrincipal } from './arn.js';
import type { RequestScalar } from './operators.js';

export type ConditionKeyValue = string | string[] | number | boolean | Date | undefined;

export interface RequestContext {
  /** ARN of the caller, e.g. `arn:aws:iam::111122223333:user/alice` (a bare account ID means its root). */
  principalArn: string;
  /** The action with its service prefix, e.g. `kms:Decrypt`. */
  action: string;
  /** ARN of the KMS key the request is authorized against. */
  resourceArn: string;
  /**
   * Condition keys of the request. Names are matched case-insensitively, the whole name
   * including the `<k>` of `kms:EncryptionContext:<k>` (KMS documents the condition key name as
   * case-insensitive; values are compared as the operator says). A list is a multi-valued key
   * (`kms:EncryptionContextKeys`, `kms:GrantOperations`); an empty list or `undefined` means
   * the key is absent.
   *
   * aws:PrincipalArn, aws:PrincipalAccount and kms:CallerAccount are present in every AWS
   * request; when they are left out here they are derived from `principalArn`.
   */
  conditionKeys: Record<string, ConditionKeyValue>;
}

/**
 * Condition keys by lower-cased name; each present key has at least one value. `caseVariants`
 * names the keys that were given under two or more spellings (see indexConditionKeys).
 */
export type IndexedConditionKeys = ReadonlyMap<string, readonly RequestScalar[]> & {
  readonly caseVariants: ReadonlySet<string>;
};

/**
 * Lower-cases the names and turns every value into a list. Two entries whose names differ only
 * in case (encryption context keys `Tenant` and `tenant`, which KMS allows but advises
 * against) are merged into one key and listed in `caseVariants`. AWS documents
 * `kms:EncryptionContext:<k>` as the way to REQUIRE a context pair, so conditions.ts makes every
 * spelling pass the condition: {tenant: globex, Tenant: acme} must not satisfy
 * `StringEquals kms:EncryptionContext:tenant = acme` just because one spelling does.
 */
export function indexConditionKeys(request: RequestContext): IndexedConditionKeys {
  const index = new Map<string, RequestScalar[]>() as Map<string, RequestScalar[]> & { caseVariants: Set<string> };
  index.caseVariants = new Set<string>();
  for (const [name, value] of Object.entries(request.conditionKeys)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) continue;
    const key = name.toLowerCase();
    const list = index.get(key);
    if (list === undefined) index.set(key, [...values]);
    else {
      list.push(...values);
      index.caseVariants.add(key);
    }
  }
  const account = accountOfPrincipal(request.principalArn);
  const derive = (key: string, value: string | undefined) => {
    if (value !== undefined && !index.has(key)) index.set(key, [value]);
  };
  derive('aws:principalarn', request.principalArn);
  derive('aws:principalaccount', account);
  derive('kms:calleraccount', account);
  return index;
}
