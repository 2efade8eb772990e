// evaluatePolicy: what one key policy says about one request.
//
// Order of evaluation (IAM User Guide, policy evaluation logic,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
// any matching Deny statement decides ("explicit deny" beats every Allow, in any order);
// otherwise any matching Allow; otherwise the policy has
// nothing to say (NoMatch), and the caller (LocalKms) goes on to grants and finally denies.
//
// A statement matches when its principal, action, resource and every condition match:
// - Principal: `"*"` matches everyone; an account root matches every principal of that account
//   (standing in for IAM, which LocalKms does not have — see arn.ts principalCovers); other
//   ARNs match exactly (and a role matches its sessions).
// - Action: wildcard patterns, case-insensitive (`kms:generatedatakey*`). NotAction matches
//   every action that none of its patterns match.
// - Resource: `"*"` means this key; ARN patterns match the key ARN, case-sensitively, with
//   wildcards. NotResource matches keys none of its patterns match.
// - Condition: see conditions.ts.

import type { PatternList, PolicyDocument, PolicyPrincipal, PolicyStatement } from './model.js';
import { type IndexedConditionKeys, type RequestContext, indexConditionKeys } from './request.js';
import { conditionsHold } from './conditions.js';
import { normalisePrincipal, principalCovers } from './arn.js';
import { wildcardMatch, wildcardMatchIgnoreCase } from './wildcard.js';

export interface PolicyDecision {
  decision: 'Deny' | 'Allow' | 'NoMatch';
  /** The statement that decided: its Sid, or its index in the Statement list when it has none. */
  statement?: string;
}

export function evaluatePolicy(doc: PolicyDocument, req: RequestContext): PolicyDecision {
  const principal = normalisePrincipal(req.principalArn);
  const keys = indexConditionKeys(req);
  let allowedBy: PolicyStatement | undefined;
  for (const statement of doc.statements) {
    // Once an Allow is found only a Deny can change the outcome: skip further Allows.
    if (statement.effect === 'Allow' && allowedBy !== undefined) continue;
    if (!statementMatches(statement, principal, req, keys)) continue;
    if (statement.effect === 'Deny') return { decision: 'Deny', statement: label(statement) };
    allowedBy = statement;
  }
  return allowedBy === undefined ? { decision: 'NoMatch' } : { decision: 'Allow', statement: label(allowedBy) };
}

function label(statement: PolicyStatement): string {
  return statement.sid ?? String(statement.index);
}

function statementMatches(
  statement: PolicyStatement,
  principal: string,
  req: RequestContext,
  keys: IndexedConditionKeys,
): boolean {
  return (
    principalMatches(statement.principal, principal) &&
    patternsMatch(statement.action, (p) => wildcardMatchIgnoreCase(p, req.action)) &&
    patternsMatch(statement.resource, (p) => p === '*' || wildcardMatch(p, req.resourceArn)) &&
    conditionsHold(statement.conditions, keys)
  );
}

function principalMatches(statementPrincipal: PolicyPrincipal, principal: string): boolean {
  return (
    statementPrincipal.anyone ||
    statementPrincipal.aws.some((p) => principalCovers(p, principal)) ||
    statementPrincipal.services.includes(principal)
  );
}

/** A missing Action/Resource element matches nothing (the statement is ineffective). */
function patternsMatch(list: PatternList | undefined, matches: (pattern: string) => boolean): boolean {
  if (list === undefined) return false;
  const any = list.patterns.some(matches);
  return list.negated ? !any : any;
}
