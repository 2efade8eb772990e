// Key policies (src/policy): the decision table of tests/policy-cases.js through parsePolicy +
// evaluatePolicy, grant constraint and delegation tables, the lockout check, the default policy,
// AWS's access-denied wording, and parse errors (each must be a MalformedPolicyDocumentException
// whose message names the element at fault). Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MalformedPolicyDocumentException,
  parsePolicy,
  defaultKeyPolicy,
  evaluatePolicy,
  accessDeniedMessage,
  wouldLockOut,
  grantConstraintsHold,
  isConstraintAtLeastAsStrict,
  isOperationSubset,
  MAX_POLICY_BYTES,
} from '../build/tsc/policy/index.js';
import {
  ACCT,
  OTHER,
  KEY,
  ROOT,
  ALICE,
  BOB,
  stmt,
  policy,
  DECISION_CASES,
  CONSTRAINT_CASES,
  STRICTNESS_CASES,
  OPERATION_SUBSET_CASES,
} from './policy-cases.js';

const show = (value) => JSON.stringify(value, (_, v) => (v instanceof Date ? `Date(${v.toISOString()})` : v));

// ------------------------------------------------------------------ decisions

const decisions = suite('policy: decision table');

decisions('has at least 60 cases with unique names', () => {
  assert.ok(DECISION_CASES.length >= 60, `${DECISION_CASES.length} cases`);
  const names = new Set(DECISION_CASES.map((c) => c.name));
  assert.is(names.size, DECISION_CASES.length, 'duplicate case names');
});

for (const tc of DECISION_CASES) {
  decisions(tc.name, () => {
    const doc = parsePolicy(JSON.stringify(tc.policy));
    const r = tc.request ?? {};
    const req = {
      principalArn: r.principal ?? ALICE,
      action: r.action ?? 'kms:Decrypt',
      resourceArn: r.resource ?? KEY,
      conditionKeys: r.keys ?? {},
    };
    const got = evaluatePolicy(doc, req);
    const context = `policy ${show(tc.policy)}\nrequest ${show(req)}\ngot ${show(got)}`;
    assert.is(got.decision, tc.expect, context);
    if (tc.expect === 'NoMatch') assert.is(got.statement, undefined, context);
    else if (tc.statement !== undefined) assert.is(got.statement, tc.statement, context);
    else assert.type(got.statement, 'string', context);
  });
}

decisions.run();

// ------------------------------------------------------------------ grants

const grants = suite('policy: grant constraints and delegation');

for (const tc of CONSTRAINT_CASES) {
  grants(`grantConstraintsHold: ${tc.name}`, () => {
    assert.is(grantConstraintsHold(tc.c, tc.ctx), tc.holds, `${show(tc.c)} with context ${show(tc.ctx)}`);
  });
}
for (const tc of STRICTNESS_CASES) {
  grants(`isConstraintAtLeastAsStrict: ${tc.name}`, () => {
    assert.is(
      isConstraintAtLeastAsStrict(tc.child, tc.parent),
      tc.strict,
      `child ${show(tc.child)} parent ${show(tc.parent)}`,
    );
  });
}
for (const tc of OPERATION_SUBSET_CASES) {
  grants(`isOperationSubset: ${tc.name}`, () => {
    assert.is(isOperationSubset(tc.child, tc.parent), tc.subset);
  });
}

grants('strictness agrees with grantConstraintsHold on sample contexts', () => {
  // If the child is at least as strict, every sample context the child admits the parent admits.
  const contexts = [{}, { a: '1' }, { A: '1' }, { a: '2' }, { a: '1', b: '2' }, { b: '2' }, { a: '1', b: '2', c: '3' }];
  for (const { child, parent, strict } of STRICTNESS_CASES) {
    if (!strict) continue;
    for (const ctx of contexts) {
      if (grantConstraintsHold(child, ctx)) {
        assert.ok(
          grantConstraintsHold(parent, ctx),
          `child ${show(child)} admits ${show(ctx)}, parent ${show(parent)} does not`,
        );
      }
    }
  }
});

grants.run();

// ------------------------------------------------------------------ lockout, default policy, messages

const misc = suite('policy: lockout, default policy, messages');
const NOW = new Date('2025-06-01T00:00:00Z');
const doc = (p) => parsePolicy(JSON.stringify(p));

misc('defaultKeyPolicy: AWS layout, and it parses', () => {
  const text = defaultKeyPolicy(ACCT);
  assert.is(
    text,
    `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::${ACCT}:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`,
  );
  const parsed = parsePolicy(text);
  assert.is(parsed.text, text);
  assert.is(parsed.id, 'key-default-1');
  assert.equal(parsed.statements[0].principal.aws, [ROOT]);
  assert.throws(
    () => defaultKeyPolicy('1234'),
    (e) => e instanceof RangeError && /12-digit/.test(e.message),
  );
});

misc('wouldLockOut', () => {
  const cases = [
    ['default policy, a user of the account', parsePolicy(defaultKeyPolicy(ACCT)), ALICE, false],
    ['default policy, a user of another account', parsePolicy(defaultKeyPolicy(ACCT)), BOB, true],
    ['only Decrypt for the caller', doc(policy(stmt())), ALICE, true],
    ['kms:* for the caller', doc(policy(stmt({ Action: 'kms:*' }))), ALICE, false],
    ['kms:* for someone else', doc(policy(stmt({ Action: 'kms:*', Principal: { AWS: BOB } }))), ALICE, true],
    [
      'explicit deny of PutKeyPolicy',
      doc(policy(stmt({ Action: 'kms:*' }), stmt({ Effect: 'Deny', Action: 'kms:PutKeyPolicy' }))),
      ALICE,
      true,
    ],
    [
      'allow that needs kms:ViaService (absent: approximation)',
      doc(
        policy(
          stmt({ Action: 'kms:*', Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } }),
        ),
      ),
      ALICE,
      true,
    ],
    [
      'allow that needs kms:CallerAccount (always present)',
      doc(
        policy(stmt({ Action: 'kms:*', Principal: '*', Condition: { StringEquals: { 'kms:CallerAccount': ACCT } } })),
      ),
      ALICE,
      false,
    ],
    [
      'allow that needs aws:PrincipalArn (always present)',
      doc(
        policy(
          stmt({ Action: 'kms:PutKeyPolicy', Principal: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': ALICE } } }),
        ),
      ),
      ALICE,
      false,
    ],
    [
      'allow that expired (aws:CurrentTime)',
      doc(
        policy(stmt({ Action: 'kms:*', Condition: { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } })),
      ),
      ALICE,
      true,
    ],
  ];
  for (const [name, d, caller, expected] of cases) {
    assert.is(wouldLockOut(d, caller, KEY, ACCT, NOW), expected, name);
  }
});

misc('accessDeniedMessage: AWS wording', () => {
  assert.is(
    accessDeniedMessage(ALICE, 'kms:Decrypt', KEY, false),
    `User: ${ALICE} is not authorized to perform: kms:Decrypt on resource: ${KEY} because no resource-based policy allows the kms:Decrypt action`,
  );
  assert.is(
    accessDeniedMessage(ALICE, 'Decrypt', KEY, true),
    `User: ${ALICE} is not authorized to perform: kms:Decrypt on resource: ${KEY} with an explicit deny in a resource-based policy`,
  );
});

misc('parsePolicy: normalised and frozen', () => {
  const d = doc({
    Statement: { Effect: 'Allow', Principal: { AWS: [ACCT, ALICE] }, Action: 'kms:Decrypt', Resource: '*' },
  });
  assert.is(d.version, '2012-10-17');
  assert.is(d.statements.length, 1);
  const s = d.statements[0];
  assert.is(s.index, 0);
  assert.is(s.sid, undefined);
  assert.equal(s.principal.aws, [ROOT, ALICE]);
  assert.equal(s.action, { negated: false, patterns: ['kms:Decrypt'] });
  assert.ok(
    Object.isFrozen(d) && Object.isFrozen(d.statements) && Object.isFrozen(s) && Object.isFrozen(s.principal.aws),
  );
  const withCondition = doc(
    policy(stmt({ Condition: { 'ForAnyValue:StringLikeIfExists': { 'kms:EncryptionContextKeys': ['a*', 'b'] } } })),
  );
  const cond = withCondition.statements[0].conditions[0];
  assert.is(cond.operator.name, 'StringLike');
  assert.is(cond.setPrefix, 'ForAnyValue');
  assert.is(cond.ifExists, true);
  assert.equal(cond.values, ['a*', 'b']);
});

misc('parsePolicy: a policy of exactly 32768 bytes is accepted', () => {
  const base = JSON.stringify(policy(stmt({ Sid: '' })));
  const text = base.replace('"Sid":""', `"Sid":"${'x'.repeat(MAX_POLICY_BYTES - base.length)}"`);
  assert.is(new TextEncoder().encode(text).length, MAX_POLICY_BYTES);
  parsePolicy(text);
});

misc('evaluatePolicy: wildcard matching is not exponential', () => {
  const d = doc(
    policy(stmt({ Condition: { StringLike: { 'kms:EncryptionContext:x': '*a*a*a*a*a*a*a*a*a*a*a*a*b' } } })),
  );
  const t0 = Date.now();
  const got = evaluatePolicy(d, {
    principalArn: ALICE,
    action: 'kms:Decrypt',
    resourceArn: KEY,
    conditionKeys: { 'kms:EncryptionContext:x': 'a'.repeat(5000) },
  });
  assert.is(got.decision, 'NoMatch');
  assert.ok(Date.now() - t0 < 2000, 'took too long');
});

misc.run();

// ------------------------------------------------------------------ parse errors

const errors = suite('policy: MalformedPolicyDocumentException');

const big = JSON.stringify(policy(stmt({ Sid: 'x'.repeat(MAX_POLICY_BYTES) })));
const withCondition = (condition) => policy(stmt({ Condition: condition }));

// [name, policy (object → JSON.stringify, string → as is), message pattern]
const PARSE_ERRORS = [
  ['not JSON', '{"Version": "2012-10-17",', /not valid JSON/],
  ['over 32768 bytes', big, /32768 bytes/],
  [
    'over 32768 bytes of UTF-8 (Latin-1 counts twice)',
    JSON.stringify(policy(stmt({ Sid: 'é'.repeat(16400) }))),
    /32768 bytes/,
  ],
  ['a character outside Latin-1', JSON.stringify(policy(stmt({ Sid: 'snow ☃' }))), /U\+2603/],
  ['not an object', '[]', /JSON object/],
  // Issue 12 item 8: JSON.parse keeps the last of two equal names; a key policy must not rely on that.
  [
    'two StringEquals blocks in one Condition',
    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"${ALICE}"},"Action":"kms:Decrypt","Resource":"*",` +
      '"Condition":{"StringEquals":{"kms:EncryptionContext:tenant":"acme"},"StringEquals":{"kms:CallerAccount":"111122223333"}}}]}',
    /^Statement\[0\]\.Condition: the name "StringEquals" appears twice/,
  ],
  [
    'a repeated Effect',
    `{"Statement":{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Effect":"Allow"}}`,
    /^Statement: the name "Effect" appears twice/,
  ],
  [
    'a repeated top-level Statement',
    `{"Statement":[],"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}`,
    /^the name "Statement" appears twice/,
  ],
  [
    'names equal after unescaping',
    `{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","\\u0045ffect":"Deny"}}`,
    /the name "Effect" appears twice/,
  ],
  [
    'unknown top-level element',
    { Version: '2012-10-17', Statement: [stmt()], Statment: [] },
    /unknown element "Statment"/,
  ],
  ['wrong Version', { Version: '2012-10-18', Statement: [stmt()] }, /^Version: .*2012-10-17/],
  ['no Statement', { Version: '2012-10-17' }, /no Statement/],
  ['empty Statement list', { Version: '2012-10-17', Statement: [] }, /^Statement: must not be an empty list/],
  ['Statement is a string', { Version: '2012-10-17', Statement: 'Allow' }, /^Statement: must be an object or a list/],
  ['Statement entry is not an object', policy(stmt(), 'x'), /^Statement\[1\]: must be an object/],
  ['unknown statement element', policy(stmt({ Efect: 'Allow' })), /^Statement\[0\]: unknown element "Efect"/],
  ['Sid not a string', policy(stmt({ Sid: 1 })), /^Statement\[0\]\.Sid: must be a string/],
  ['duplicate Sid', policy(stmt({ Sid: 'A' }), stmt({ Sid: 'A' })), /^Statement\[1\]\.Sid: .*unique/],
  ['missing Effect', policy(stmt({ Effect: undefined })), /^Statement\[0\]: Effect is required/],
  ['Effect in lower case', policy(stmt({ Effect: 'allow' })), /^Statement\[0\]\.Effect: must be "Allow" or "Deny"/],
  [
    'NotPrincipal',
    policy(stmt({ Principal: undefined, NotPrincipal: { AWS: BOB } })),
    /^Statement\[0\]\.NotPrincipal: NotPrincipal is not supported/,
  ],
  ['missing Principal', policy(stmt({ Principal: undefined })), /^Statement\[0\]: Principal is required/],
  [
    'Principal is a bare user name',
    policy(stmt({ Principal: { AWS: 'alice' } })),
    /^Statement\[0\]\.Principal\.AWS: "alice" is not a valid principal/,
  ],
  [
    'Principal list with a bad entry',
    policy(stmt({ Principal: { AWS: [ALICE, 'arn:aws:s3:::bucket'] } })),
    /^Statement\[0\]\.Principal\.AWS\[1\]: .*not a valid principal/,
  ],
  [
    'Principal ARN with a wildcard',
    policy(stmt({ Principal: { AWS: `arn:aws:iam::${ACCT}:user/*` } })),
    /wildcards are not allowed/,
  ],
  [
    'Principal string other than "*"',
    policy(stmt({ Principal: ALICE })),
    /^Statement\[0\]\.Principal: must be "\*" or an object/,
  ],
  [
    'Federated principal',
    policy(stmt({ Principal: { Federated: 'cognito-identity.amazonaws.com' } })),
    /Federated principals are not supported/,
  ],
  ['unknown principal type', policy(stmt({ Principal: { User: ALICE } })), /unknown principal type "User"/],
  ['empty Principal object', policy(stmt({ Principal: {} })), /names no principal/],
  [
    'Action and NotAction',
    policy(stmt({ NotAction: 'kms:Encrypt' })),
    /^Statement\[0\]: has both Action and NotAction/,
  ],
  [
    'Resource and NotResource',
    policy(stmt({ NotResource: KEY })),
    /^Statement\[0\]: has both Resource and NotResource/,
  ],
  [
    'Action without service prefix',
    policy(stmt({ Action: 'Decrypt' })),
    /^Statement\[0\]\.Action: "Decrypt" is not an action/,
  ],
  ['empty Action list', policy(stmt({ Action: [] })), /^Statement\[0\]\.Action: must not be an empty list/],
  [
    'Action list with a number',
    policy(stmt({ Action: ['kms:Decrypt', 5] })),
    /^Statement\[0\]\.Action\[1\]: must be a string/,
  ],
  [
    'Resource not an ARN',
    policy(stmt({ Resource: 'key/1234' })),
    /^Statement\[0\]\.Resource: "key\/1234" is not a resource/,
  ],
  ['Condition not an object', policy(stmt({ Condition: 'yes' })), /^Statement\[0\]\.Condition: must be an object/],
  [
    'unknown set operator',
    withCondition({ 'ForSomeValues:StringEquals': { 'kms:ViaService': 'x' } }),
    /unknown set operator "ForSomeValues"/,
  ],
  ['Null with IfExists', withCondition({ NullIfExists: { 'kms:ViaService': 'true' } }), /Null takes neither/],
  ['Null with a set prefix', withCondition({ 'ForAnyValue:Null': { 'kms:ViaService': 'true' } }), /Null takes neither/],
  [
    'IpAddress (valid IAM, unsupported here)',
    withCondition({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }),
    /"IpAddress" is not supported/,
  ],
  [
    'operator block not an object',
    withCondition({ StringEquals: 'x' }),
    /^Statement\[0\]\.Condition\.StringEquals: must be an object of condition keys/,
  ],
  ['operator block empty', withCondition({ StringEquals: {} }), /names no condition key/],
  [
    'condition key without a service prefix',
    withCondition({ StringEquals: { CallerAccount: ACCT } }),
    /"CallerAccount" is not a condition key/,
  ],
  [
    'condition value is an object',
    withCondition({ StringEquals: { 'kms:ViaService': { a: 1 } } }),
    /must be a string, number or boolean/,
  ],
  [
    'condition value list is empty',
    withCondition({ StringEquals: { 'kms:ViaService': [] } }),
    /\["kms:ViaService"\]: must not be an empty list/,
  ],
  [
    'condition value null in a list',
    withCondition({ StringEquals: { 'kms:ViaService': ['a', null] } }),
    /\["kms:ViaService"\]\[1\]: a condition value must be/,
  ],
  [
    'Numeric value not a number',
    withCondition({ NumericLessThan: { 'kms:RotationPeriodInDays': 'abc' } }),
    /"abc" is not a number \(operator NumericLessThan\)/,
  ],
  [
    'Date value not a date',
    withCondition({ DateLessThan: { 'aws:CurrentTime': 'tomorrow' } }),
    /"tomorrow" is not a date/,
  ],
  [
    'Bool value not a boolean',
    withCondition({ Bool: { 'kms:GrantIsForAWSResource': 'yes' } }),
    /"yes" is not "true" or "false"/,
  ],
  ['Null value not a boolean', withCondition({ Null: { 'kms:ViaService': 1 } }), /1 is not "true" or "false"/],
  ['Arn value not a string', withCondition({ ArnLike: { 'aws:PrincipalArn': 5 } }), /5 is not an ARN string/],
  [
    'ForAllValues with kms:EncryptionContext:<k>',
    withCondition({ 'ForAllValues:StringEquals': { 'kms:EncryptionContext:Dept': 'IT' } }),
    /OverlyPermissiveCondition/,
  ],
];

errors("the issue's example message, exactly", () => {
  const p = policy(stmt(), stmt({ Condition: { StringEqual: { 'kms:CallerAccount': ACCT } } }));
  try {
    parsePolicy(JSON.stringify(p));
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, MalformedPolicyDocumentException);
    assert.is(e.message, 'Statement[1].Condition: unknown operator "StringEqual"');
  }
});

for (const [name, p, pattern] of PARSE_ERRORS) {
  errors(name, () => {
    const text = typeof p === 'string' ? p : JSON.stringify(p);
    let error;
    try {
      parsePolicy(text);
    } catch (e) {
      error = e;
    }
    assert.ok(error !== undefined, `accepted: ${text.slice(0, 300)}`);
    assert.instance(error, MalformedPolicyDocumentException);
    assert.instance(error, Error);
    assert.is(error.name, 'MalformedPolicyDocumentException');
    assert.match(error.message, pattern);
  });
}

errors('accepted: forms AWS allows', () => {
  for (const p of [
    { Statement: stmt() }, // Version omitted, Statement as an object
    { Version: '2008-10-17', Id: 'x', Statement: [stmt({ Sid: 'with spaces, as KMS allows' })] },
    policy(stmt({ Principal: { AWS: ALICE, Service: 'logs.amazonaws.com' } })),
    policy(stmt({ Condition: { 'ForAnyValue:StringEquals': { 'kms:EncryptionContext:Dept': 'IT' } } })),
    policy(
      stmt({
        Condition: { NumericEquals: { 'kms:RotationPeriodInDays': 365 }, Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
    ),
    policy(stmt({ Action: undefined, Resource: undefined })),
  ])
    parsePolicy(JSON.stringify(p));
  void OTHER;
});

errors(
  'the same name in different objects, and escaped names that differ, are not duplicates (issue 12 item 8)',
  () => {
    const text =
      `{"Statement":[{"Sid":"a","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},` +
      `{"Sid":"b","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:x":"1","kms:EncryptionContext:\\"q\\"":"2"}}}]}`;
    assert.is(parsePolicy(text).statements.length, 2);
  },
);

errors.run();
