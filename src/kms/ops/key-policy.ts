// Key policy operations: GetKeyPolicy, PutKeyPolicy. A key has one policy, named `default`.

import {
  MalformedPolicyDocumentException,
  parsePolicy,
  POLICY_LOCKOUT_MESSAGE,
  wouldLockOut,
} from '../../policy/index.js';
import type { CallContext } from '../call-context.js';
import { ValidationException } from '../errors.js';
import type { GetKeyPolicyResponse } from '../types.js';
import { checkOptionalBoolean } from '../validate.js';

function checkPolicyName(value: unknown): void {
  if (value !== undefined && value !== 'default') {
    throw new ValidationException(
      `PolicyName must be "default" (a key has only that policy), got ${JSON.stringify(value)}`,
    );
  }
}

export function getKeyPolicy(ctx: CallContext, r: Record<string, unknown>): GetKeyPolicyResponse {
  checkPolicyName(r.PolicyName);
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  ctx.authorize(target, 'GetKeyPolicy');
  return { Policy: target.key.policy, PolicyName: 'default' };
}

export function putKeyPolicy(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  checkPolicyName(r.PolicyName);
  const bypass = checkOptionalBoolean(r.BypassPolicyLockoutSafetyCheck, 'BypassPolicyLockoutSafetyCheck');
  const target = ctx.manageableKey(r.KeyId, 'PutKeyPolicy');
  if (typeof r.Policy !== 'string')
    throw new MalformedPolicyDocumentException('Policy must be a string holding a JSON key policy document');
  const doc = parsePolicy(r.Policy);
  if (!bypass && wouldLockOut(doc, ctx.principal, target.arn, ctx.where.accountId, ctx.now)) {
    throw new MalformedPolicyDocumentException(POLICY_LOCKOUT_MESSAGE);
  }
  target.key.policy = r.Policy;
  return {};
}
