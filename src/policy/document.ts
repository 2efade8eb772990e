// parsePolicy: a key policy's JSON text → a validated, normalised, frozen PolicyDocument.
//
// What is accepted, and why (AWS KMS key policy grammar:
// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html and
// https://docs.aws.amazon.com/kms/latest/developerguide/policy-conditions.html):
// - At most 32,768 bytes of UTF-8, characters limited to what KMS accepts in a policy (tab, LF,
//   CR, printable ASCII and Latin-1 Supplement).
// - Version `2012-10-17` (or the older `2008-10-17`); may be omitted, as in IAM. Optional Id.
//   Unknown top-level or statement elements are refused, so a typo (`"Efect"`) is not ignored.
// - Statement: one object or a non-empty list; Sids are optional strings (spaces allowed) and
//   must be unique.
// - Effect: exactly `Allow` or `Deny`.
// - Principal is required (key policies are resource policies): `"*"`, or an object with `AWS`
//   (`"*"`, account IDs, IAM/STS principal ARNs, one or a list) and/or `Service` (service
//   principal names). NotPrincipal, Federated and CanonicalUser are refused as unsupported.
//   Principals are checked for shape only: LocalKms cannot know whether they exist.
// - Action/NotAction and Resource/NotResource: at most one of each pair. A statement with
//   neither Action nor NotAction, or neither Resource nor NotResource, is accepted and never
//   matches anything — KMS documents such a statement as "silently ineffective".
// - Condition: operators from operators.ts; values are strings, numbers or booleans, or
//   non-empty lists of them, and must suit the operator (a number for Numeric…, a date for
//   Date…). `ForAllValues:` with a single-valued key that KMS flags (kms:EncryptionContext:<k>,
//   aws:RequestTag/<k>) is refused as KMS does ("OverlyPermissiveCondition").
// - A name repeated within one JSON object (two "StringEquals" in a Condition) is refused: JSON
//   would keep the last and silently drop the other block.
// Every refusal is a MalformedPolicyDocumentException whose message starts with the path of
// the element at fault.

import { MalformedPolicyDocumentException } from './errors.js';
import { isAccountId, isPrincipalArn, normalisePrincipal } from './arn.js';
import { checkPolicyValue, parseOperatorName } from './operators.js';
import { findDuplicateKey } from './json-keys.js';
import type {
  ConditionValue,
  PatternList,
  PolicyCondition,
  PolicyDocument,
  PolicyPrincipal,
  PolicyStatement,
} from './model.js';

/** KMS's key policy size limit, in bytes of UTF-8. */
export const MAX_POLICY_BYTES = 32768;

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const DOCUMENT_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
/** tab, LF, CR, U+0020–U+00FF: the PutKeyPolicy `Policy` pattern. */
const DISALLOWED_CHARACTER = /[^\t\n\r\u0020-\u00ff]/;
const ACTION = /^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$/;
const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function fail(path: string, problem: string): never {
  throw new MalformedPolicyDocumentException(path === '' ? problem : `${path}: ${problem}`);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** A string or a non-empty list of strings, as a list. */
function stringList(value: Json, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) fail(path, `must be a string or a list of strings, got ${kindOf(value)}`);
  if (value.length === 0) fail(path, 'must not be an empty list');
  return value.map((item, i) => {
    if (typeof item !== 'string') fail(`${path}[${i}]`, `must be a string, got ${kindOf(item)}`);
    return item;
  });
}

export function parsePolicy(text: string): PolicyDocument {
  if (typeof text !== 'string') fail('', `the policy must be a JSON string, got ${typeof text}`);
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_POLICY_BYTES) {
    fail('', `the policy is ${bytes} bytes; a key policy may hold at most ${MAX_POLICY_BYTES} bytes (UTF-8)`);
  }
  const bad = DISALLOWED_CHARACTER.exec(text);
  if (bad !== null) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    fail(
      '',
      `character U+${code} at offset ${bad.index} is not allowed in a key policy ` +
        '(only tab, LF, CR, printable ASCII and Latin-1 Supplement)',
    );
  }
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (error) {
    fail('', `the policy is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(json)) fail('', `the policy must be a JSON object, got ${kindOf(json)}`);
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    fail(
      duplicate.path,
      `the name "${duplicate.key}" appears twice in one object; JSON would keep only the last, so a key policy must not repeat a name`,
    );
  }

  for (const element of Object.keys(json)) {
    if (!DOCUMENT_ELEMENTS.has(element)) fail('', `unknown element "${element}" (expected Version, Id, Statement)`);
  }
  const version = json['Version'] ?? '2012-10-17';
  if (typeof version !== 'string' || !VERSIONS.has(version)) {
    fail('Version', `must be "2012-10-17", got ${kindOf(version)}`);
  }
  const id = json['Id'];
  if (id !== undefined && typeof id !== 'string') fail('Id', `must be a string, got ${kindOf(id)}`);

  const statementJson = json['Statement'];
  if (statementJson === undefined) fail('', 'the policy has no Statement');
  let statements: PolicyStatement[];
  if (isObject(statementJson)) {
    statements = [parseStatement(statementJson, 0, 'Statement')];
  } else if (Array.isArray(statementJson)) {
    if (statementJson.length === 0) fail('Statement', 'must not be an empty list');
    statements = statementJson.map((s, i) => {
      const path = `Statement[${i}]`;
      if (!isObject(s)) fail(path, `must be an object, got ${kindOf(s)}`);
      return parseStatement(s, i, path);
    });
  } else {
    fail('Statement', `must be an object or a list of objects, got ${kindOf(statementJson)}`);
  }

  const sids = new Map<string, number>();
  for (const s of statements) {
    if (s.sid === undefined) continue;
    const earlier = sids.get(s.sid);
    if (earlier !== undefined) {
      fail(`Statement[${s.index}].Sid`, `"${s.sid}" is already the Sid of Statement[${earlier}]; Sids must be unique`);
    }
    sids.set(s.sid, s.index);
  }

  return Object.freeze({ version, id, statements: Object.freeze(statements), text });
}

function parseStatement(json: JsonObject, index: number, path: string): PolicyStatement {
  for (const element of Object.keys(json)) {
    if (!STATEMENT_ELEMENTS.has(element)) fail(path, `unknown element "${element}"`);
  }
  const sid = json['Sid'];
  if (sid !== undefined && typeof sid !== 'string') fail(`${path}.Sid`, `must be a string, got ${kindOf(sid)}`);

  const effect = json['Effect'];
  if (effect === undefined) fail(path, 'Effect is required');
  if (effect !== 'Allow' && effect !== 'Deny') {
    fail(`${path}.Effect`, `must be "Allow" or "Deny", got ${kindOf(effect)}`);
  }

  if (json['NotPrincipal'] !== undefined) {
    fail(
      `${path}.NotPrincipal`,
      'NotPrincipal is not supported in key policies; name the principals in Principal ' +
        'and use a Deny statement with conditions instead',
    );
  }
  const principalJson = json['Principal'];
  if (principalJson === undefined) fail(path, 'Principal is required in a key policy');
  const principal = parsePrincipal(principalJson, `${path}.Principal`);

  const action = parsePatterns(json, 'Action', 'NotAction', path, (pattern, where) => {
    if (!ACTION.test(pattern)) {
      fail(where, `"${pattern}" is not an action (expected "*" or "<service>:<action>", e.g. "kms:Decrypt")`);
    }
  });
  const resource = parsePatterns(json, 'Resource', 'NotResource', path, (pattern, where) => {
    if (pattern !== '*' && !pattern.startsWith('arn:')) {
      fail(where, `"${pattern}" is not a resource (expected "*", meaning this key, or a key ARN)`);
    }
  });

  const conditionJson = json['Condition'];
  const conditions = conditionJson === undefined ? [] : parseConditions(conditionJson, `${path}.Condition`);

  return Object.freeze({
    index,
    sid,
    effect,
    principal,
    action,
    resource,
    conditions: Object.freeze(conditions),
  });
}

function parsePrincipal(json: Json, path: string): PolicyPrincipal {
  const anyone: PolicyPrincipal = Object.freeze({ anyone: true, aws: Object.freeze([]), services: Object.freeze([]) });
  if (json === '*') return anyone;
  if (!isObject(json)) fail(path, `must be "*" or an object such as {"AWS": "<principal ARN>"}, got ${kindOf(json)}`);
  const types = Object.keys(json);
  if (types.length === 0) fail(path, 'names no principal');
  let aws: string[] = [];
  let services: string[] = [];
  for (const type of types) {
    const list = stringList(json[type]!, `${path}.${type}`);
    if (type === 'AWS') {
      aws = list.map((p, i) => {
        const where = list.length === 1 && typeof json[type] === 'string' ? `${path}.AWS` : `${path}.AWS[${i}]`;
        if (p !== '*' && !isAccountId(p) && !isPrincipalArn(p)) {
          fail(
            where,
            `"${p}" is not a valid principal (expected "*", a 12-digit account ID, ` +
              'or an ARN such as arn:aws:iam::111122223333:root / :user/<name> / :role/<name>)',
          );
        }
        if (p !== '*' && p.includes('*'))
          fail(where, `"${p}": wildcards are not allowed in principal ARNs (use "*" alone)`);
        return normalisePrincipal(p);
      });
    } else if (type === 'Service') {
      services = list.map((s, i) => {
        if (!SERVICE_PRINCIPAL.test(s))
          fail(`${path}.Service[${i}]`, `"${s}" is not a service principal (e.g. "logs.amazonaws.com")`);
        return s;
      });
    } else if (type === 'Federated' || type === 'CanonicalUser') {
      fail(`${path}.${type}`, `${type} principals are not supported`);
    } else {
      fail(path, `unknown principal type "${type}" (expected AWS or Service)`);
    }
  }
  if (aws.includes('*')) return anyone;
  return Object.freeze({ anyone: false, aws: Object.freeze(aws), services: Object.freeze(services) });
}

function parsePatterns(
  json: JsonObject,
  name: string,
  notName: string,
  path: string,
  check: (pattern: string, where: string) => void,
): PatternList | undefined {
  const positive = json[name];
  const negative = json[notName];
  if (positive !== undefined && negative !== undefined) {
    fail(path, `has both ${name} and ${notName}; a statement takes exactly one of them`);
  }
  const value = positive ?? negative;
  if (value === undefined) return undefined;
  const element = positive !== undefined ? name : notName;
  const patterns = stringList(value, `${path}.${element}`);
  patterns.forEach((p, i) => check(p, typeof value === 'string' ? `${path}.${element}` : `${path}.${element}[${i}]`));
  return Object.freeze({ negated: negative !== undefined, patterns: Object.freeze(patterns) });
}

/** Single-valued keys for which KMS refuses `ForAllValues:` (IAM User Guide, single-valued vs multivalued
 *  context keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html). */
const FOR_ALL_VALUES_REFUSED = /^(kms:encryptioncontext:|aws:requesttag\/)/i;

function parseConditions(json: Json, path: string): PolicyCondition[] {
  if (!isObject(json)) fail(path, `must be an object of operators, got ${kindOf(json)}`);
  const conditions: PolicyCondition[] = [];
  for (const [operatorText, block] of Object.entries(json)) {
    const parsed = parseOperatorName(operatorText);
    if (typeof parsed === 'string') fail(path, parsed);
    const opPath = `${path}.${operatorText}`;
    if (!isObject(block)) fail(opPath, `must be an object of condition keys, got ${kindOf(block)}`);
    const keys = Object.keys(block);
    if (keys.length === 0) fail(opPath, 'names no condition key');
    for (const key of keys) {
      const keyPath = `${opPath}["${key}"]`;
      if (!/^[A-Za-z0-9-]+:.+$/.test(key)) {
        fail(keyPath, `"${key}" is not a condition key (expected "<service>:<name>", e.g. "kms:CallerAccount")`);
      }
      if (parsed.setPrefix === 'ForAllValues' && FOR_ALL_VALUES_REFUSED.test(key)) {
        fail(
          keyPath,
          'OverlyPermissiveCondition: using the ForAllValues set operator with a single-valued ' +
            'condition key is overly permissive; use ForAnyValue or no set operator',
        );
      }
      const raw = block[key]!;
      const list: Json[] = Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) fail(keyPath, 'must not be an empty list');
      const values = list.map((v, i): ConditionValue => {
        const where = Array.isArray(raw) ? `${keyPath}[${i}]` : keyPath;
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          fail(where, `a condition value must be a string, number or boolean, got ${kindOf(v)}`);
        }
        const problem = checkPolicyValue(parsed.operator, v);
        if (problem !== undefined) fail(where, `${problem} (operator ${operatorText})`);
        return v;
      });
      conditions.push(
        Object.freeze({
          operatorText,
          operator: parsed.operator,
          setPrefix: parsed.setPrefix,
          ifExists: parsed.ifExists,
          key,
          values: Object.freeze(values),
        }),
      );
    }
  }
  return conditions;
}
