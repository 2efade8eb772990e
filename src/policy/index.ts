// atrest key policies: parse and validate AWS KMS key policy documents, decide what a policy
// says about a request, and the pure grant checks LocalKms needs. Web-platform only.
//
// LocalKms authorizes a call as AWS KMS does: a matching Deny statement → AccessDeniedException
// (explicit deny); else a matching Allow statement; else an active grant for the principal that
// includes the operation and whose constraints hold; else AccessDeniedException. LocalKms has no
// IAM, so a statement whose principal is an account root (`arn:aws:iam::<acct>:root`, which in
// AWS delegates to the account's IAM policies) allows every principal of that account — as if
// IAM allowed it.

export { MalformedPolicyDocumentException } from './errors.js';
export { parsePolicy, MAX_POLICY_BYTES } from './document.js';
export { accountOfPrincipal, isAccountId, isPrincipalArn } from './arn.js';
export { defaultKeyPolicy } from './default-policy.js';
export { evaluatePolicy } from './evaluate.js';
export type { PolicyDecision } from './evaluate.js';
export { accessDeniedMessage, POLICY_LOCKOUT_MESSAGE } from './messages.js';
export { wouldLockOut } from './lockout.js';
export { grantConstraintsHold, isConstraintAtLeastAsStrict, isOperationSubset } from './grants.js';
export type { GrantConstraints } from './grants.js';
export { OPERATOR_NAMES } from './operators.js';
export type { ConditionOperator, OperatorFamily, RequestScalar } from './operators.js';
export type { RequestContext, ConditionKeyValue } from './request.js';
export type {
  PolicyDocument,
  PolicyStatement,
  PolicyPrincipal,
  PolicyCondition,
  PolicyEffect,
  PatternList,
  ConditionValue,
} from './model.js';
