// The policy lockout safety check of CreateKey and PutKeyPolicy: a key policy must still let
// the caller call PutKeyPolicy, or the key could become unmanageable for good (AWS KMS API
// Reference, PutKeyPolicy, BypassPolicyLockoutSafetyCheck:
// https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html).
// The caller skips the check with BypassPolicyLockoutSafetyCheck.

import type { PolicyDocument } from './model.js';
import { evaluatePolicy } from './evaluate.js';
import { accountOfPrincipal } from './arn.js';

/**
 * True when, under `doc`, `callerArn` could no longer call kms:PutKeyPolicy on the key.
 *
 * Approximation: a future PutKeyPolicy request is not known, so the policy is evaluated with
 * only the condition keys that every request carries — aws:PrincipalArn, aws:PrincipalAccount,
 * kms:CallerAccount (the caller's account, or `accountId`, the account that owns the key, when
 * the caller ARN names none) and aws:CurrentTime (`now`). Request-specific keys
 * (kms:ViaService, encryption context, …) are absent, so an Allow that depends on them does not
 * count and an IfExists/negated Deny on them does. Grants cannot give PutKeyPolicy, so they
 * play no part.
 */
export function wouldLockOut(
  doc: PolicyDocument,
  callerArn: string,
  resourceArn: string,
  accountId: string,
  now: Date = new Date(),
): boolean {
  const account = accountOfPrincipal(callerArn) ?? accountId;
  const { decision } = evaluatePolicy(doc, {
    principalArn: callerArn,
    action: 'kms:PutKeyPolicy',
    resourceArn,
    conditionKeys: {
      'aws:PrincipalArn': callerArn,
      'aws:PrincipalAccount': account,
      'kms:CallerAccount': account,
      'aws:CurrentTime': now,
    },
  });
  return decision !== 'Allow';
}
