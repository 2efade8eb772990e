// Whether a statement's Condition block holds for a request.
//
// IAM's rules, as implemented here:
// - Every condition (operator × key) must hold: they are ANDed, across operators and across
//   keys within one operator.
// - Several policy values for one key are ORed; for a negated operator ("StringNotEquals") the
//   per-value test is negated as a whole, so the request value must match NONE of them.
// - Missing key: false, except `…IfExists` (true), `Null` (that is what it tests), negated
//   operators (true: "not equal to x" holds for an absent value, IAM documents this), and the
//   set prefixes: `ForAllValues` is true for an empty set, `ForAnyValue` is false.
// - `ForAnyValue:` — at least one request value passes the per-value test; `ForAllValues:` —
//   every request value passes it.
// - A multi-valued request key under an operator without a set prefix (AWS: "do not do this";
//   its behaviour is undocumented): a positive operator holds when any request value matches,
//   a negated one when no request value matches any policy value. That is exactly the negation
//   of the positive form, which keeps `StringEquals` / `StringNotEquals` complementary.
// - A single-valued key given under several spellings (context keys `tenant` and `Tenant`,
//   merged by request.ts): every spelling's value must pass, for positive and negated
//   operators alike. A condition on kms:EncryptionContext:<k> is how AWS says to require a
//   context pair; one matching spelling must not admit a request whose other spelling differs.
// - A request value of the wrong type for the operator (a word under NumericLessThan) passes
//   neither the operator nor its negation.

import type { PolicyCondition } from './model.js';
import type { IndexedConditionKeys } from './request.js';
import { asBoolean, type RequestScalar } from './operators.js';

export function conditionsHold(conditions: readonly PolicyCondition[], keys: IndexedConditionKeys): boolean {
  return conditions.every((condition) => conditionHolds(condition, keys));
}

export function conditionHolds(condition: PolicyCondition, keys: IndexedConditionKeys): boolean {
  const { operator, setPrefix, ifExists, values } = condition;
  const requestValues = keys.get(condition.key.toLowerCase());

  if (operator.family === 'Null') {
    // "Null": {"k": "true"} holds when k is absent, "false" when it is present.
    return values.some((v) => asBoolean(v) === (requestValues === undefined));
  }
  if (requestValues === undefined) {
    if (ifExists) return true;
    if (setPrefix === 'ForAllValues') return true;
    if (setPrefix === 'ForAnyValue') return false;
    return operator.negated;
  }

  const passes = (requestValue: RequestScalar): boolean => {
    let comparable = false;
    let matchesAny = false;
    for (const policyValue of values) {
      const m = operator.matches(requestValue, policyValue);
      if (m === undefined) continue;
      comparable = true;
      if (m) {
        matchesAny = true;
        break;
      }
    }
    if (!comparable) return false;
    return operator.negated ? !matchesAny : matchesAny;
  };

  if (setPrefix === 'ForAllValues') return requestValues.every(passes);
  if (setPrefix === 'ForAnyValue') return requestValues.some(passes);
  if (keys.caseVariants.has(condition.key.toLowerCase())) return requestValues.every(passes);
  return operator.negated ? requestValues.every(passes) : requestValues.some(passes);
}
