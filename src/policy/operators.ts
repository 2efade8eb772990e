// The condition operators: their names, what kind of value each compares, and how one request
// value is compared with one policy value. How values combine (several policy values, several
// request values, missing keys, set prefixes) is conditions.ts's job.

import { wildcardMatch } from './wildcard.js';
import { arnComponents } from './arn.js';
import type { ConditionValue } from './model.js';

/** One value of a condition key in the request (a multi-valued key is a list of these). */
export type RequestScalar = string | number | boolean | Date;

export type OperatorFamily = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Arn' | 'Null';

export interface ConditionOperator {
  /** Base name without set prefix or IfExists suffix, e.g. `StringNotLike`. */
  readonly name: string;
  readonly family: OperatorFamily;
  /** `…Not…` operators: the per-value test is the negation of the positive one, so several
   *  policy values combine as NOR ("matches none of them") and a missing key makes them true. */
  readonly negated: boolean;
  /**
   * The positive test for one request value against one policy value: true when they match,
   * false when they do not, undefined when the request value is not of this operator's type
   * (a request value of the wrong type satisfies neither the operator nor its negation).
   * Unused for Null, which looks at presence only.
   */
  readonly matches: (request: RequestScalar, policy: ConditionValue) => boolean | undefined;
}

// ------------------------------------------------------------------ coercions

/** Strings compare as written; other request values compare as their canonical text. */
function asString(value: RequestScalar): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function asNumber(value: RequestScalar | ConditionValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim());
  return undefined;
}

const EPOCH_SECONDS = /^[+-]?\d+(\.\d+)?$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Milliseconds since the epoch. IAM accepts ISO 8601 dates and UNIX epoch seconds. */
export function asEpochMillis(value: RequestScalar | ConditionValue): number | undefined {
  let ms = NaN;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value * 1000;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (EPOCH_SECONDS.test(text)) ms = Number(text) * 1000;
    else if (ISO_8601.test(text)) ms = Date.parse(text.replace(' ', 'T'));
  }
  return Number.isFinite(ms) ? ms : undefined;
}

export function asBoolean(value: RequestScalar | ConditionValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/**
 * ArnEquals and ArnLike are the same test in IAM: each of the six colon-separated components is
 * compared on its own, case-sensitively, and may use `*` and `?` (so `*` never crosses a colon
 * before the resource part). A policy value that is not six components long (e.g. a bare `*`) is
 * matched against the whole ARN.
 */
function arnMatches(request: RequestScalar, policy: ConditionValue): boolean | undefined {
  if (typeof request !== 'string') return undefined;
  const have = arnComponents(request);
  if (have === undefined || have[0] !== 'arn') return undefined;
  const want = arnComponents(String(policy));
  if (want === undefined) return wildcardMatch(String(policy), request);
  return want.every((pattern, i) => wildcardMatch(pattern, have[i]!));
}

function numeric(compare: (request: number, policy: number) => boolean) {
  return (request: RequestScalar, policy: ConditionValue): boolean | undefined => {
    const r = asNumber(request);
    const p = asNumber(policy);
    return r === undefined || p === undefined ? undefined : compare(r, p);
  };
}

function date(compare: (request: number, policy: number) => boolean) {
  return (request: RequestScalar, policy: ConditionValue): boolean | undefined => {
    const r = asEpochMillis(request);
    const p = asEpochMillis(policy);
    return r === undefined || p === undefined ? undefined : compare(r, p);
  };
}

const stringEquals = (r: RequestScalar, p: ConditionValue) => asString(r) === String(p);
const stringEqualsIgnoreCase = (r: RequestScalar, p: ConditionValue) =>
  asString(r).toLowerCase() === String(p).toLowerCase();
const stringLike = (r: RequestScalar, p: ConditionValue) => wildcardMatch(String(p), asString(r));
const equal = (r: number, p: number) => r === p;

// ------------------------------------------------------------------ the catalogue

function op(
  name: string,
  family: OperatorFamily,
  negated: boolean,
  matches: ConditionOperator['matches'],
): ConditionOperator {
  return Object.freeze({ name, family, negated, matches });
}

const OPERATORS: ReadonlyMap<string, ConditionOperator> = new Map(
  [
    op('StringEquals', 'String', false, stringEquals),
    op('StringNotEquals', 'String', true, stringEquals),
    op('StringEqualsIgnoreCase', 'String', false, stringEqualsIgnoreCase),
    op('StringNotEqualsIgnoreCase', 'String', true, stringEqualsIgnoreCase),
    op('StringLike', 'String', false, stringLike),
    op('StringNotLike', 'String', true, stringLike),
    op('NumericEquals', 'Numeric', false, numeric(equal)),
    op('NumericNotEquals', 'Numeric', true, numeric(equal)),
    op(
      'NumericLessThan',
      'Numeric',
      false,
      numeric((r, p) => r < p),
    ),
    op(
      'NumericLessThanEquals',
      'Numeric',
      false,
      numeric((r, p) => r <= p),
    ),
    op(
      'NumericGreaterThan',
      'Numeric',
      false,
      numeric((r, p) => r > p),
    ),
    op(
      'NumericGreaterThanEquals',
      'Numeric',
      false,
      numeric((r, p) => r >= p),
    ),
    op('DateEquals', 'Date', false, date(equal)),
    op('DateNotEquals', 'Date', true, date(equal)),
    op(
      'DateLessThan',
      'Date',
      false,
      date((r, p) => r < p),
    ),
    op(
      'DateLessThanEquals',
      'Date',
      false,
      date((r, p) => r <= p),
    ),
    op(
      'DateGreaterThan',
      'Date',
      false,
      date((r, p) => r > p),
    ),
    op(
      'DateGreaterThanEquals',
      'Date',
      false,
      date((r, p) => r >= p),
    ),
    op('Bool', 'Bool', false, (r, p) => {
      const b = asBoolean(r);
      return b === undefined ? undefined : b === asBoolean(p);
    }),
    op('ArnEquals', 'Arn', false, arnMatches),
    op('ArnLike', 'Arn', false, arnMatches),
    op('ArnNotEquals', 'Arn', true, arnMatches),
    op('ArnNotLike', 'Arn', true, arnMatches),
    op('Null', 'Null', false, () => undefined),
  ].map((o) => [o.name, o] as const),
);

/** Valid IAM operators that no KMS condition key needs; refused with a clearer message than "unknown". */
const UNSUPPORTED = new Set(['BinaryEquals', 'IpAddress', 'NotIpAddress']);

/** The base operator names this engine knows, in catalogue order. */
export const OPERATOR_NAMES: readonly string[] = Object.freeze([...OPERATORS.keys()]);

export interface ParsedOperatorName {
  readonly operator: ConditionOperator;
  readonly setPrefix: 'ForAnyValue' | 'ForAllValues' | undefined;
  readonly ifExists: boolean;
}

/**
 * Splits `ForAnyValue:StringLikeIfExists` into its parts. Returns an error description (not
 * an exception: the caller knows where in the document the operator sits) when the name is
 * unknown, unsupported, or combines parts that IAM does not allow (Null takes neither a set
 * prefix nor IfExists). Operator names are case-sensitive, as in IAM.
 */
export function parseOperatorName(text: string): ParsedOperatorName | string {
  let rest = text;
  let setPrefix: ParsedOperatorName['setPrefix'];
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon);
    if (prefix !== 'ForAnyValue' && prefix !== 'ForAllValues') {
      return `unknown set operator "${prefix}" in "${text}" (expected ForAnyValue or ForAllValues)`;
    }
    setPrefix = prefix;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  let operator = OPERATORS.get(rest);
  if (operator === undefined && rest.endsWith('IfExists')) {
    operator = OPERATORS.get(rest.slice(0, -'IfExists'.length));
    ifExists = operator !== undefined;
  }
  if (operator === undefined) {
    const base = rest.endsWith('IfExists') ? rest.slice(0, -'IfExists'.length) : rest;
    return UNSUPPORTED.has(base)
      ? `operator "${text}" is not supported (no KMS condition key uses it)`
      : `unknown operator "${text}"`;
  }
  if (operator.family === 'Null' && (ifExists || setPrefix !== undefined)) {
    return `operator "${text}" is not valid: Null takes neither a set prefix nor IfExists`;
  }
  return { operator, setPrefix, ifExists };
}

/**
 * Checks a value written in the policy for this operator. Returns a description of what is
 * wrong, or undefined when the value is fine. Catching a bad number or date here makes the
 * mistake a MalformedPolicyDocumentException at PutKeyPolicy instead of a condition that
 * silently never holds.
 */
export function checkPolicyValue(operator: ConditionOperator, value: ConditionValue): string | undefined {
  switch (operator.family) {
    case 'String':
      return undefined;
    case 'Numeric':
      return asNumber(value) === undefined ? `${JSON.stringify(value)} is not a number` : undefined;
    case 'Date':
      return asEpochMillis(value) === undefined
        ? `${JSON.stringify(value)} is not a date (ISO 8601, or UNIX epoch seconds)`
        : undefined;
    case 'Bool':
    case 'Null':
      return asBoolean(value) === undefined ? `${JSON.stringify(value)} is not "true" or "false"` : undefined;
    case 'Arn':
      return typeof value === 'string' ? undefined : `${JSON.stringify(value)} is not an ARN string`;
  }
}
