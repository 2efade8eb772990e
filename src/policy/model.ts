// The normalised, immutable form of a key policy that parsePolicy returns and evaluatePolicy
// reads. Every shorthand of the JSON grammar is expanded here (a single string becomes a list,
// a bare account ID becomes its root ARN, `{"AWS": "*"}` becomes `anyone`), so evaluation never
// has to look at the JSON again.

import type { ConditionOperator } from './operators.js';

export type PolicyEffect = 'Allow' | 'Deny';

/** Who a statement is about. */
export interface PolicyPrincipal {
  /** `"*"` or `{"AWS": "*"}`: every principal, authenticated or not. */
  readonly anyone: boolean;
  /** AWS principal ARNs: account roots (`arn:aws:iam::<acct>:root`, also written as a bare
   *  12-digit account ID), users, roles, assumed-role sessions. */
  readonly aws: readonly string[];
  /** Service principals (`logs.amazonaws.com`), matched against the request's principal exactly. */
  readonly services: readonly string[];
}

/** `Action`/`NotAction` or `Resource`/`NotResource`: wildcard patterns, maybe negated. */
export interface PatternList {
  /** True for the `Not…` form: the element matches what none of the patterns match. */
  readonly negated: boolean;
  readonly patterns: readonly string[];
}

/** A scalar as written in a policy's condition block. */
export type ConditionValue = string | number | boolean;

/** One `"<operator>": {"<key>": <values>}` entry of a statement's Condition block. */
export interface PolicyCondition {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operatorText: string;
  readonly operator: ConditionOperator;
  /** `ForAnyValue:` / `ForAllValues:` prefix, if any. */
  readonly setPrefix: 'ForAnyValue' | 'ForAllValues' | undefined;
  /** `…IfExists` suffix: the condition holds when the key is missing from the request. */
  readonly ifExists: boolean;
  /** The condition key as written (its name is matched case-insensitively). */
  readonly key: string;
  /** The values the policy lists for the key (one or more; ORed, or NORed for a negated operator). */
  readonly values: readonly ConditionValue[];
}

export interface PolicyStatement {
  /** Position in the Statement list (0 when Statement is a single object). */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: PolicyEffect;
  readonly principal: PolicyPrincipal;
  /** Undefined when the statement names no Action/NotAction: the statement matches no request. */
  readonly action: PatternList | undefined;
  /** Undefined when the statement names no Resource/NotResource: the statement matches no request. */
  readonly resource: PatternList | undefined;
  /** All must hold (AND). Empty when the statement has no Condition. */
  readonly conditions: readonly PolicyCondition[];
}

export interface PolicyDocument {
  /** `2012-10-17`, or `2008-10-17` when the document says so (they evaluate the same here:
   *  the only difference is policy variables, which this engine does not expand). */
  readonly version: string;
  readonly id: string | undefined;
  readonly statements: readonly PolicyStatement[];
  /** The document exactly as given, for GetKeyPolicy to return unchanged (as AWS does). */
  readonly text: string;
}
