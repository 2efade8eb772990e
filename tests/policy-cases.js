// The key-policy decision table for tests/policy.test.js: every case is a policy, a request and
// the exact decision (and deciding statement) evaluatePolicy must return. Grouped by what they
// exercise: principals, actions, resources, explicit deny, each condition operator, IfExists,
// the set prefixes, the condition keys LocalKms fills in, and whole AWS-shaped policies.

export const ACCT = '111122223333';
export const OTHER = '444455556666';
export const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const OTHER_KEY = `arn:aws:kms:us-east-1:${ACCT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
export const ROOT = `arn:aws:iam::${ACCT}:root`;
export const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
export const BOB = `arn:aws:iam::${OTHER}:user/bob`;
export const READER_ROLE = `arn:aws:iam::${ACCT}:role/app/Reader`;
export const READER_SESSION = `arn:aws:sts::${ACCT}:assumed-role/Reader/session-1`;

/** A statement that allows alice kms:Decrypt on this key, with `fields` replacing any of that. */
export const stmt = (fields = {}) => ({
  Effect: 'Allow',
  Principal: { AWS: ALICE },
  Action: 'kms:Decrypt',
  Resource: '*',
  ...fields,
});
export const policy = (...statements) => ({ Version: '2012-10-17', Statement: statements });

const rootPolicy = (account) =>
  policy(
    stmt({ Sid: 'Enable IAM User Permissions', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*' }),
  );

// request: { principal = ALICE, action = 'kms:Decrypt', resource = KEY, keys = {} }
// expect: 'Allow' | 'Deny' | 'NoMatch'; statement: the Sid/index evaluatePolicy must name.

const principalCases = [
  {
    name: 'root principal: a user of the account',
    policy: rootPolicy(ACCT),
    expect: 'Allow',
    statement: 'Enable IAM User Permissions',
  },
  {
    name: 'root principal: the account root itself',
    policy: rootPolicy(ACCT),
    request: { principal: ROOT },
    expect: 'Allow',
  },
  {
    name: 'root principal: an assumed-role session of the account',
    policy: rootPolicy(ACCT),
    request: { principal: READER_SESSION },
    expect: 'Allow',
  },
  {
    name: 'root principal: a user of another account',
    policy: rootPolicy(ACCT),
    request: { principal: BOB },
    expect: 'NoMatch',
  },
  { name: 'root of another account does not cover this account', policy: rootPolicy(OTHER), expect: 'NoMatch' },
  {
    name: 'root principal written as a bare account ID',
    policy: policy(stmt({ Principal: { AWS: ACCT } })),
    expect: 'Allow',
  },
  {
    name: 'request principal given as a bare account ID means its root',
    policy: policy(stmt({ Principal: { AWS: ROOT } })),
    request: { principal: ACCT },
    expect: 'Allow',
  },
  {
    name: 'Principal "*" matches another account',
    policy: policy(stmt({ Principal: '*' })),
    request: { principal: BOB },
    expect: 'Allow',
  },
  {
    name: 'Principal {"AWS": "*"} matches another account',
    policy: policy(stmt({ Principal: { AWS: '*' } })),
    request: { principal: BOB },
    expect: 'Allow',
  },
  { name: 'user ARN: exact match', policy: policy(stmt()), expect: 'Allow' },
  {
    name: 'user ARN: a different user with a common prefix',
    policy: policy(stmt()),
    request: { principal: `${ALICE}2` },
    expect: 'NoMatch',
  },
  {
    name: 'user ARN: compared case-sensitively',
    policy: policy(stmt({ Principal: { AWS: `arn:aws:iam::${ACCT}:user/Alice` } })),
    expect: 'NoMatch',
  },
  {
    name: 'user ARN does not cover the account root',
    policy: policy(stmt()),
    request: { principal: ROOT },
    expect: 'NoMatch',
  },
  { name: 'principal list: one of them', policy: policy(stmt({ Principal: { AWS: [BOB, ALICE] } })), expect: 'Allow' },
  {
    name: 'role ARN covers its sessions (role path dropped)',
    policy: policy(stmt({ Principal: { AWS: READER_ROLE } })),
    request: { principal: READER_SESSION },
    expect: 'Allow',
  },
  {
    name: "role ARN does not cover another role's session",
    policy: policy(stmt({ Principal: { AWS: READER_ROLE } })),
    request: { principal: `arn:aws:sts::${ACCT}:assumed-role/Writer/s` },
    expect: 'NoMatch',
  },
  {
    name: 'service principal',
    policy: policy(stmt({ Principal: { Service: 'logs.amazonaws.com' } })),
    request: { principal: 'logs.amazonaws.com' },
    expect: 'Allow',
  },
];

const actionCases = [
  { name: 'Action kms:*', policy: policy(stmt({ Action: 'kms:*' })), expect: 'Allow' },
  { name: 'Action *', policy: policy(stmt({ Action: '*' })), expect: 'Allow' },
  {
    name: 'Action kms:GenerateDataKey* matches GenerateDataKeyWithoutPlaintext',
    policy: policy(stmt({ Action: 'kms:GenerateDataKey*' })),
    request: { action: 'kms:GenerateDataKeyWithoutPlaintext' },
    expect: 'Allow',
  },
  {
    name: 'Action kms:GenerateDataKey* does not match Decrypt',
    policy: policy(stmt({ Action: 'kms:GenerateDataKey*' })),
    expect: 'NoMatch',
  },
  { name: 'Action names are case-insensitive', policy: policy(stmt({ Action: 'KMS:decrypt' })), expect: 'Allow' },
  {
    name: 'Action ? wildcard: one character each',
    policy: policy(stmt({ Action: 'kms:ReEncrypt????' })),
    request: { action: 'kms:ReEncryptFrom' },
    expect: 'Allow',
  },
  {
    name: 'Action ? wildcard: too few ?',
    policy: policy(stmt({ Action: 'kms:ReEncrypt??' })),
    request: { action: 'kms:ReEncryptFrom' },
    expect: 'NoMatch',
  },
  { name: 'Action list', policy: policy(stmt({ Action: ['kms:Encrypt', 'kms:Decrypt'] })), expect: 'Allow' },
  { name: 'Action of another service', policy: policy(stmt({ Action: 's3:GetObject' })), expect: 'NoMatch' },
  {
    name: 'NotAction: another action',
    policy: policy(stmt({ Action: undefined, NotAction: 'kms:Decrypt' })),
    request: { action: 'kms:Encrypt' },
    expect: 'Allow',
  },
  {
    name: 'NotAction: the excluded action',
    policy: policy(stmt({ Action: undefined, NotAction: 'kms:Decrypt' })),
    expect: 'NoMatch',
  },
  {
    name: 'NotAction with wildcard: excluded',
    policy: policy(stmt({ Action: undefined, NotAction: ['kms:*Key*', 'kms:Create*'] })),
    request: { action: 'kms:PutKeyPolicy' },
    expect: 'NoMatch',
  },
  {
    name: 'NotAction with wildcard: not excluded',
    policy: policy(stmt({ Action: undefined, NotAction: ['kms:*Key*', 'kms:Create*'] })),
    expect: 'Allow',
  },
  {
    name: 'statement without Action or NotAction is ineffective',
    policy: policy(stmt({ Action: undefined })),
    expect: 'NoMatch',
  },
];

const resourceCases = [
  { name: 'Resource: this key ARN', policy: policy(stmt({ Resource: KEY })), expect: 'Allow' },
  { name: 'Resource: another key ARN', policy: policy(stmt({ Resource: OTHER_KEY })), expect: 'NoMatch' },
  {
    name: 'Resource: ARN with wildcards',
    policy: policy(stmt({ Resource: `arn:aws:kms:*:${ACCT}:key/*` })),
    expect: 'Allow',
  },
  {
    name: 'Resource: ARNs compare case-sensitively',
    policy: policy(stmt({ Resource: `arn:aws:kms:us-east-1:${ACCT}:KEY/*` })),
    expect: 'NoMatch',
  },
  {
    name: 'NotResource: another key',
    policy: policy(stmt({ Resource: undefined, NotResource: OTHER_KEY })),
    expect: 'Allow',
  },
  {
    name: 'NotResource "*" excludes this key',
    policy: policy(stmt({ Resource: undefined, NotResource: '*' })),
    expect: 'NoMatch',
  },
  {
    name: 'statement without Resource or NotResource is ineffective',
    policy: policy(stmt({ Resource: undefined })),
    expect: 'NoMatch',
  },
];

const denyCases = [
  {
    name: 'explicit deny after an allow wins',
    policy: policy(stmt({ Sid: 'A', Action: 'kms:*' }), stmt({ Sid: 'D', Effect: 'Deny' })),
    expect: 'Deny',
    statement: 'D',
  },
  {
    name: 'explicit deny before an allow wins',
    policy: policy(stmt({ Sid: 'D', Effect: 'Deny', Principal: '*' }), stmt({ Sid: 'A' })),
    expect: 'Deny',
    statement: 'D',
  },
  {
    name: 'deny of another action leaves the allow',
    policy: policy(
      stmt({ Sid: 'A', Action: 'kms:*' }),
      stmt({ Sid: 'D', Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion' }),
    ),
    expect: 'Allow',
    statement: 'A',
  },
  {
    name: 'deny beats the root-principal allow',
    policy: policy(
      stmt({ Sid: 'Root', Principal: { AWS: ROOT }, Action: 'kms:*' }),
      stmt({ Sid: 'NoDelete', Effect: 'Deny', Principal: { AWS: ROOT }, Action: 'kms:ScheduleKeyDeletion' }),
    ),
    request: { action: 'kms:ScheduleKeyDeletion' },
    expect: 'Deny',
    statement: 'NoDelete',
  },
  {
    name: 'Deny NotAction: a listed action passes',
    policy: policy(
      stmt({ Sid: 'A', Action: 'kms:*' }),
      stmt({ Sid: 'OnlyDecrypt', Effect: 'Deny', Action: undefined, NotAction: 'kms:Decrypt' }),
    ),
    expect: 'Allow',
    statement: 'A',
  },
  {
    name: 'Deny NotAction: other actions are denied',
    policy: policy(
      stmt({ Sid: 'A', Action: 'kms:*' }),
      stmt({ Sid: 'OnlyDecrypt', Effect: 'Deny', Action: undefined, NotAction: 'kms:Decrypt' }),
    ),
    request: { action: 'kms:Encrypt' },
    expect: 'Deny',
    statement: 'OnlyDecrypt',
  },
  {
    name: 'Deny outsiders by kms:CallerAccount: outsider',
    policy: policy(
      stmt({ Sid: 'All', Principal: '*' }),
      stmt({
        Sid: 'Outsiders',
        Effect: 'Deny',
        Principal: '*',
        Condition: { StringNotEquals: { 'kms:CallerAccount': ACCT } },
      }),
    ),
    request: { principal: BOB, keys: { 'kms:CallerAccount': OTHER } },
    expect: 'Deny',
    statement: 'Outsiders',
  },
  {
    name: 'Deny outsiders by kms:CallerAccount: insider',
    policy: policy(
      stmt({ Sid: 'All', Principal: '*' }),
      stmt({
        Sid: 'Outsiders',
        Effect: 'Deny',
        Principal: '*',
        Condition: { StringNotEquals: { 'kms:CallerAccount': ACCT } },
      }),
    ),
    request: { keys: { 'kms:CallerAccount': ACCT } },
    expect: 'Allow',
    statement: 'All',
  },
  {
    name: 'a statement without Sid is named by its index',
    policy: policy(stmt({ Sid: 'Other', Action: 'kms:Encrypt' }), stmt()),
    expect: 'Allow',
    statement: '1',
  },
  {
    name: 'the first matching Allow is named',
    policy: policy(stmt({ Sid: 'First' }), stmt({ Sid: 'Second' })),
    expect: 'Allow',
    statement: 'First',
  },
  { name: 'no statement matches', policy: policy(stmt({ Action: 'kms:Encrypt' })), expect: 'NoMatch' },
];

/** A condition case: alice Decrypt with `Condition: condition` and request condition keys `keys`. */
const c = (name, condition, keys, holds) => ({
  name,
  policy: policy(stmt({ Condition: condition })),
  request: { keys },
  expect: holds ? 'Allow' : 'NoMatch',
});

const EC = 'kms:EncryptionContext:Department';
const ECK = 'kms:EncryptionContextKeys';
const T2025 = new Date('2025-01-01T00:00:00Z'); // epoch seconds 1735689600

const stringCases = [
  c('StringEquals: equal', { StringEquals: { [EC]: 'Finance' } }, { [EC]: 'Finance' }, true),
  c('StringEquals: differs in case', { StringEquals: { [EC]: 'Finance' } }, { [EC]: 'finance' }, false),
  c('StringEquals: several values are ORed', { StringEquals: { [EC]: ['HR', 'Finance'] } }, { [EC]: 'Finance' }, true),
  c('StringEquals: missing key is false', { StringEquals: { [EC]: 'Finance' } }, {}, false),
  c('StringEquals: wildcards are literal', { StringEquals: { [EC]: 'Fin*' } }, { [EC]: 'Finance' }, false),
  c('StringNotEquals: different', { StringNotEquals: { [EC]: 'Finance' } }, { [EC]: 'HR' }, true),
  c('StringNotEquals: equal', { StringNotEquals: { [EC]: 'Finance' } }, { [EC]: 'Finance' }, false),
  c(
    'StringNotEquals: several values are NORed (matches one)',
    { StringNotEquals: { [EC]: ['HR', 'Finance'] } },
    { [EC]: 'Finance' },
    false,
  ),
  c(
    'StringNotEquals: several values are NORed (matches none)',
    { StringNotEquals: { [EC]: ['HR', 'Finance'] } },
    { [EC]: 'Legal' },
    true,
  ),
  c('StringNotEquals: missing key is true', { StringNotEquals: { [EC]: 'Finance' } }, {}, true),
  c(
    'StringEqualsIgnoreCase: differs in case',
    { StringEqualsIgnoreCase: { [EC]: 'FINANCE' } },
    { [EC]: 'finance' },
    true,
  ),
  c('StringEqualsIgnoreCase: different', { StringEqualsIgnoreCase: { [EC]: 'FINANCE' } }, { [EC]: 'hr' }, false),
  c(
    'StringNotEqualsIgnoreCase: differs in case only',
    { StringNotEqualsIgnoreCase: { [EC]: 'FINANCE' } },
    { [EC]: 'finance' },
    false,
  ),
  c('StringNotEqualsIgnoreCase: different', { StringNotEqualsIgnoreCase: { [EC]: 'FINANCE' } }, { [EC]: 'hr' }, true),
  c('StringLike: * wildcard', { StringLike: { [EC]: 'Fin*' } }, { [EC]: 'Finance' }, true),
  c('StringLike: ? wildcard', { StringLike: { [EC]: 'Fin?nce' } }, { [EC]: 'Finance' }, true),
  c('StringLike: case-sensitive', { StringLike: { [EC]: 'fin*' } }, { [EC]: 'Finance' }, false),
  c('StringNotLike: not matching', { StringNotLike: { [EC]: 'test-*' } }, { [EC]: 'prod-1' }, true),
  c('StringNotLike: matching', { StringNotLike: { [EC]: 'test-*' } }, { [EC]: 'test-1' }, false),
  c(
    'condition key names are case-insensitive',
    { StringEquals: { 'KMS:CALLERACCOUNT': ACCT } },
    { 'kms:CallerAccount': ACCT },
    true,
  ),
  c(
    'kms:EncryptionContext:<k>: <k> is case-insensitive too',
    { StringEquals: { 'kms:EncryptionContext:Department': 'Finance' } },
    { 'kms:encryptioncontext:department': 'Finance' },
    true,
  ),
  c(
    'two keys in one operator are ANDed (both hold)',
    { StringEquals: { [EC]: 'Finance', 'kms:EncryptionContext:Project': 'x' } },
    { [EC]: 'Finance', 'kms:EncryptionContext:Project': 'x' },
    true,
  ),
  c(
    'two keys in one operator are ANDed (one fails)',
    { StringEquals: { [EC]: 'Finance', 'kms:EncryptionContext:Project': 'x' } },
    { [EC]: 'Finance', 'kms:EncryptionContext:Project': 'y' },
    false,
  ),
  c(
    'two operators are ANDed (one fails)',
    { StringEquals: { [EC]: 'Finance' }, StringLike: { 'kms:ViaService': 'ec2.*' } },
    { [EC]: 'Finance', 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
    false,
  ),
];

const numericCases = [
  c(
    'NumericEquals: equal (policy string, request number)',
    { NumericEquals: { 'kms:RotationPeriodInDays': '365' } },
    { 'kms:RotationPeriodInDays': 365 },
    true,
  ),
  c(
    'NumericEquals: 365 vs 365.0',
    { NumericEquals: { 'kms:RotationPeriodInDays': 365 } },
    { 'kms:RotationPeriodInDays': '365.0' },
    true,
  ),
  c(
    'NumericNotEquals: different',
    { NumericNotEquals: { 'kms:RotationPeriodInDays': '365' } },
    { 'kms:RotationPeriodInDays': 90 },
    true,
  ),
  c(
    'NumericNotEquals: equal',
    { NumericNotEquals: { 'kms:RotationPeriodInDays': '365' } },
    { 'kms:RotationPeriodInDays': 365 },
    false,
  ),
  c(
    'NumericLessThan: less',
    { NumericLessThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '30' } },
    { 'kms:ScheduleKeyDeletionPendingWindowInDays': 7 },
    true,
  ),
  c(
    'NumericLessThan: equal',
    { NumericLessThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '30' } },
    { 'kms:ScheduleKeyDeletionPendingWindowInDays': 30 },
    false,
  ),
  c(
    'NumericLessThanEquals: equal',
    { NumericLessThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '30' } },
    { 'kms:ScheduleKeyDeletionPendingWindowInDays': 30 },
    true,
  ),
  c(
    'NumericGreaterThan: less',
    { NumericGreaterThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '7' } },
    { 'kms:ScheduleKeyDeletionPendingWindowInDays': 6 },
    false,
  ),
  c(
    'NumericGreaterThan: greater',
    { NumericGreaterThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '7' } },
    { 'kms:ScheduleKeyDeletionPendingWindowInDays': 8 },
    true,
  ),
  c(
    'NumericGreaterThanEquals: equal',
    { NumericGreaterThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '7' } },
    { 'kms:ScheduleKeyDeletionPendingWindowInDays': 7 },
    true,
  ),
  c(
    'Numeric: a request value that is not a number never matches',
    { NumericLessThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '30' } },
    { 'kms:ScheduleKeyDeletionPendingWindowInDays': 'soon' },
    false,
  ),
  c(
    'Numeric negated: a request value that is not a number does not satisfy it either',
    { NumericNotEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '30' } },
    { 'kms:ScheduleKeyDeletionPendingWindowInDays': 'soon' },
    false,
  ),
];

const dateCases = [
  c(
    'DateLessThan aws:CurrentTime: before',
    { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': T2025 },
    true,
  ),
  c(
    'DateGreaterThan aws:CurrentTime: not after',
    { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': T2025 },
    false,
  ),
  c(
    'DateEquals: epoch seconds vs ISO date',
    { DateEquals: { 'aws:CurrentTime': '1735689600' } },
    { 'aws:CurrentTime': T2025 },
    true,
  ),
  c(
    'DateEquals: date-only ISO value',
    { DateEquals: { 'aws:CurrentTime': '2025-01-01' } },
    { 'aws:CurrentTime': T2025 },
    true,
  ),
  c(
    'DateNotEquals: different',
    { DateNotEquals: { 'aws:CurrentTime': '2024-06-01T12:00:00Z' } },
    { 'aws:CurrentTime': T2025 },
    true,
  ),
  c(
    'DateNotEquals: equal',
    { DateNotEquals: { 'aws:CurrentTime': '2025-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': T2025 },
    false,
  ),
  c(
    'DateLessThanEquals: equal',
    { DateLessThanEquals: { 'aws:CurrentTime': '2025-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': T2025 },
    true,
  ),
  c(
    'DateGreaterThanEquals: equal (request as ISO string)',
    { DateGreaterThanEquals: { 'aws:CurrentTime': 1735689600 } },
    { 'aws:CurrentTime': '2025-01-01T00:00:00Z' },
    true,
  ),
  c(
    'DateGreaterThanEquals: earlier',
    { DateGreaterThanEquals: { 'aws:CurrentTime': '2025-01-01T00:00:01Z' } },
    { 'aws:CurrentTime': T2025 },
    false,
  ),
];

const boolCases = [
  c(
    'Bool: "true" vs true',
    { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    { 'kms:GrantIsForAWSResource': true },
    true,
  ),
  c(
    'Bool: "true" vs false',
    { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    { 'kms:GrantIsForAWSResource': false },
    false,
  ),
  c(
    'Bool: false vs "false"',
    { Bool: { 'kms:GrantIsForAWSResource': false } },
    { 'kms:GrantIsForAWSResource': 'false' },
    true,
  ),
  c('Bool: missing key is false', { Bool: { 'kms:GrantIsForAWSResource': 'true' } }, {}, false),
];

const arnCases = [
  c('ArnEquals: equal', { ArnEquals: { 'aws:PrincipalArn': ALICE } }, {}, true),
  c('ArnEquals: different', { ArnEquals: { 'aws:PrincipalArn': BOB } }, {}, false),
  c(
    'ArnEquals: wildcards allowed, as in ArnLike',
    { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:user/*` } },
    {},
    true,
  ),
  c('ArnLike: partition wildcard', { ArnLike: { 'aws:PrincipalArn': `arn:*:iam::${ACCT}:user/alice` } }, {}, true),
  c(
    'ArnLike: * does not cross a component',
    { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } },
    { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:user/root` },
    false,
  ),
  c(
    'ArnLike: a request value that is not an ARN',
    { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:*' } },
    { 'aws:PrincipalArn': 'alice' },
    false,
  ),
  c('ArnNotEquals: different', { ArnNotEquals: { 'aws:PrincipalArn': BOB } }, {}, true),
  c('ArnNotLike: matching', { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:*` } }, {}, false),
  c('ArnNotLike: not matching', { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${OTHER}:*` } }, {}, true),
];

const nullCases = [
  c('Null "true": key missing', { Null: { 'kms:ViaService': 'true' } }, {}, true),
  c(
    'Null "true": key present',
    { Null: { 'kms:ViaService': 'true' } },
    { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' },
    false,
  ),
  c(
    'Null "false": key present',
    { Null: { 'kms:ViaService': 'false' } },
    { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' },
    true,
  ),
  c('Null "false": key missing', { Null: { 'kms:ViaService': false } }, {}, false),
  c('Null "true": an empty list counts as missing', { Null: { [ECK]: 'true' } }, { [ECK]: [] }, true),
];

const ifExistsCases = [
  c(
    'StringEqualsIfExists: missing key is true',
    { StringEqualsIfExists: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
    {},
    true,
  ),
  c(
    'StringEqualsIfExists: present, different',
    { StringEqualsIfExists: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
    { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
    false,
  ),
  c(
    'StringEqualsIfExists: present, equal',
    { StringEqualsIfExists: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
    { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' },
    true,
  ),
  c(
    'StringNotEqualsIfExists: present, equal',
    { StringNotEqualsIfExists: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
    { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' },
    false,
  ),
  c(
    'NumericLessThanIfExists: missing key is true',
    { NumericLessThanIfExists: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '10' } },
    {},
    true,
  ),
  c(
    'DateGreaterThanIfExists: present, earlier',
    { DateGreaterThanIfExists: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
    { 'aws:CurrentTime': T2025 },
    false,
  ),
  c('BoolIfExists: missing key is true', { BoolIfExists: { 'kms:GrantIsForAWSResource': 'true' } }, {}, true),
  c(
    'ArnLikeIfExists: missing key is true',
    { ArnLikeIfExists: { 'kms:GranteePrincipal': 'arn:aws:iam::*:role/*' } },
    {},
    true,
  ),
  c(
    'ForAnyValue:StringEqualsIfExists: missing key is true',
    { 'ForAnyValue:StringEqualsIfExists': { [ECK]: 'Department' } },
    {},
    true,
  ),
];

const setCases = [
  c(
    'ForAnyValue: one request value matches',
    { 'ForAnyValue:StringEquals': { [ECK]: 'Department' } },
    { [ECK]: ['Project', 'Department'] },
    true,
  ),
  c(
    'ForAnyValue: no request value matches',
    { 'ForAnyValue:StringEquals': { [ECK]: 'Department' } },
    { [ECK]: ['Project', 'Owner'] },
    false,
  ),
  c('ForAnyValue: missing key is false', { 'ForAnyValue:StringEquals': { [ECK]: 'Department' } }, {}, false),
  c('ForAnyValue: empty set is false', { 'ForAnyValue:StringEquals': { [ECK]: 'Department' } }, { [ECK]: [] }, false),
  c(
    'ForAllValues: every request value is listed',
    { 'ForAllValues:StringEquals': { [ECK]: ['Department', 'Project'] } },
    { [ECK]: ['Project', 'Department'] },
    true,
  ),
  c(
    'ForAllValues: one request value is not listed',
    { 'ForAllValues:StringEquals': { [ECK]: ['Department', 'Project'] } },
    { [ECK]: ['Project', 'Owner'] },
    false,
  ),
  c('ForAllValues: missing key is true', { 'ForAllValues:StringEquals': { [ECK]: 'Department' } }, {}, true),
  c('ForAllValues: empty set is true', { 'ForAllValues:StringEquals': { [ECK]: 'Department' } }, { [ECK]: [] }, true),
  c(
    'ForAllValues:StringLike with wildcard',
    { 'ForAllValues:StringLike': { [ECK]: 'app-*' } },
    { [ECK]: ['app-id', 'app-owner'] },
    true,
  ),
  c(
    'ForAnyValue:StringNotEquals: some value is none of the listed',
    { 'ForAnyValue:StringNotEquals': { [ECK]: ['a', 'b'] } },
    { [ECK]: ['a', 'x'] },
    true,
  ),
  c(
    'ForAnyValue:StringNotEquals: every value is listed',
    { 'ForAnyValue:StringNotEquals': { [ECK]: ['a', 'b'] } },
    { [ECK]: ['a', 'b'] },
    false,
  ),
  c(
    'ForAllValues:StringNotEquals: no value is listed',
    { 'ForAllValues:StringNotEquals': { [ECK]: 'a' } },
    { [ECK]: ['x', 'y'] },
    true,
  ),
  c(
    'ForAllValues:StringNotEquals: one value is listed',
    { 'ForAllValues:StringNotEquals': { [ECK]: 'a' } },
    { [ECK]: ['x', 'a'] },
    false,
  ),
  c(
    'ForAllValues kms:GrantOperations: within the allowed set',
    { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'Encrypt'] } },
    { 'kms:GrantOperations': ['Decrypt'] },
    true,
  ),
  c(
    'ForAllValues kms:GrantOperations: one outside the allowed set',
    { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'Encrypt'] } },
    { 'kms:GrantOperations': ['Decrypt', 'CreateGrant'] },
    false,
  ),
  c(
    'no set prefix on a multi-valued key: positive = any value matches',
    { StringEquals: { [ECK]: 'b' } },
    { [ECK]: ['a', 'b'] },
    true,
  ),
  c(
    'no set prefix on a multi-valued key: negated = no value matches',
    { StringNotEquals: { [ECK]: 'b' } },
    { [ECK]: ['a', 'b'] },
    false,
  ),
];

const keyCases = [
  c(
    'kms:ViaService',
    { StringEquals: { 'kms:ViaService': 'fsx.us-east-1.amazonaws.com' } },
    { 'kms:ViaService': 'fsx.us-east-1.amazonaws.com' },
    true,
  ),
  c(
    'kms:CallerAccount (derived from the principal when not given)',
    { StringEquals: { 'kms:CallerAccount': ACCT } },
    {},
    true,
  ),
  c(
    'aws:PrincipalAccount (derived from the principal when not given)',
    { StringEquals: { 'aws:PrincipalAccount': OTHER } },
    {},
    false,
  ),
  c(
    'aws:PrincipalArn given explicitly wins over the derived one',
    { StringEquals: { 'aws:PrincipalArn': BOB } },
    { 'aws:PrincipalArn': BOB },
    true,
  ),
  c(
    'kms:KeySpec',
    { StringEquals: { 'kms:KeySpec': 'SYMMETRIC_DEFAULT' } },
    { 'kms:KeySpec': 'SYMMETRIC_DEFAULT' },
    true,
  ),
  c('kms:KeyUsage', { StringEquals: { 'kms:KeyUsage': 'SIGN_VERIFY' } }, { 'kms:KeyUsage': 'ENCRYPT_DECRYPT' }, false),
  c(
    'kms:RequestAlias',
    { StringLike: { 'kms:RequestAlias': 'alias/app-*' } },
    { 'kms:RequestAlias': 'alias/app-data' },
    true,
  ),
  c('kms:RequestAlias missing (request by key ID)', { StringLike: { 'kms:RequestAlias': 'alias/app-*' } }, {}, false),
  c(
    'kms:EncryptionAlgorithm',
    { StringEquals: { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' } },
    { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' },
    true,
  ),
  c(
    'kms:GranteePrincipal',
    { StringEquals: { 'kms:GranteePrincipal': READER_ROLE } },
    { 'kms:GranteePrincipal': READER_ROLE },
    true,
  ),
  c(
    'kms:RetiringPrincipal',
    { ArnLike: { 'kms:RetiringPrincipal': `arn:aws:iam::${ACCT}:role/*` } },
    { 'kms:RetiringPrincipal': BOB },
    false,
  ),
  // Context keys differing only in case (issue 12 item 6): every spelling must pass.
  c(
    'case-variant context keys: StringEquals needs every spelling to match',
    { StringEquals: { 'kms:EncryptionContext:dept': 'a' } },
    { 'kms:EncryptionContext:dept': 'a', 'kms:EncryptionContext:DEPT': 'b' },
    false,
  ),
  c(
    'case-variant context keys: StringEquals, other spelling order',
    { StringEquals: { 'kms:EncryptionContext:dept': 'a' } },
    { 'kms:EncryptionContext:DEPT': 'b', 'kms:EncryptionContext:dept': 'a' },
    false,
  ),
  c(
    'case-variant context keys: StringEquals, both spellings match',
    { StringEquals: { 'kms:EncryptionContext:dept': 'a' } },
    { 'kms:EncryptionContext:dept': 'a', 'kms:EncryptionContext:DEPT': 'a' },
    true,
  ),
  c(
    'case-variant context keys: StringNotEquals, one spelling equal',
    { StringNotEquals: { 'kms:EncryptionContext:dept': 'a' } },
    { 'kms:EncryptionContext:dept': 'b', 'kms:EncryptionContext:Dept': 'a' },
    false,
  ),
  c(
    'case-variant context keys: StringNotEquals, no spelling equal',
    { StringNotEquals: { 'kms:EncryptionContext:dept': 'a' } },
    { 'kms:EncryptionContext:dept': 'b', 'kms:EncryptionContext:Dept': 'c' },
    true,
  ),
];

// Whole policies shaped like AWS's own (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
const AWS_MANAGED = policy(
  {
    Sid: 'Allow access through EBS for all principals in the account that are authorized to use EBS',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: [
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:CreateGrant',
      'kms:DescribeKey',
    ],
    Resource: '*',
    Condition: { StringEquals: { 'kms:CallerAccount': ACCT, 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
  },
  {
    Sid: 'Allow direct access to key metadata to the account',
    Effect: 'Allow',
    Principal: { AWS: ROOT },
    Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
    Resource: '*',
  },
);
const ATTACHMENT = policy({
  Sid: 'Allow attachment of persistent resources',
  Effect: 'Allow',
  Principal: { AWS: ALICE },
  Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
  Resource: '*',
  Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
});
const wholePolicyCases = [
  {
    name: 'AWS managed key policy: Decrypt via EC2',
    policy: AWS_MANAGED,
    request: { keys: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
    expect: 'Allow',
    statement: 'Allow access through EBS for all principals in the account that are authorized to use EBS',
  },
  { name: 'AWS managed key policy: direct Decrypt', policy: AWS_MANAGED, expect: 'NoMatch' },
  {
    name: 'AWS managed key policy: via EC2 from another account',
    policy: AWS_MANAGED,
    request: { principal: BOB, keys: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
    expect: 'NoMatch',
  },
  {
    name: 'AWS managed key policy: DescribeKey by the account',
    policy: AWS_MANAGED,
    request: { action: 'kms:DescribeKey' },
    expect: 'Allow',
    statement: 'Allow direct access to key metadata to the account',
  },
  {
    name: 'persistent-resource attachment: grant for an AWS resource',
    policy: ATTACHMENT,
    request: { action: 'kms:CreateGrant', keys: { 'kms:GrantIsForAWSResource': true } },
    expect: 'Allow',
  },
  {
    name: 'persistent-resource attachment: grant not for an AWS resource',
    policy: ATTACHMENT,
    request: { action: 'kms:CreateGrant', keys: { 'kms:GrantIsForAWSResource': false } },
    expect: 'NoMatch',
  },
];

export const DECISION_CASES = [
  ...principalCases,
  ...actionCases,
  ...resourceCases,
  ...denyCases,
  ...stringCases,
  ...numericCases,
  ...dateCases,
  ...boolCases,
  ...arnCases,
  ...nullCases,
  ...ifExistsCases,
  ...setCases,
  ...keyCases,
  ...wholePolicyCases,
];

// ------------------------------------------------------------------ grants

export const CONSTRAINT_CASES = [
  { name: 'no constraints', c: undefined, ctx: { a: '1' }, holds: true },
  {
    name: 'Equals: the same pairs in another order',
    c: { EncryptionContextEquals: { a: '1', b: '2' } },
    ctx: { b: '2', a: '1' },
    holds: true,
  },
  { name: 'Equals: an extra pair', c: { EncryptionContextEquals: { a: '1' } }, ctx: { a: '1', b: '2' }, holds: false },
  { name: 'Equals: a missing pair', c: { EncryptionContextEquals: { a: '1', b: '2' } }, ctx: { a: '1' }, holds: false },
  {
    name: 'Equals: keys compare case-insensitively',
    c: { EncryptionContextEquals: { Dept: 'IT' } },
    ctx: { dept: 'IT' },
    holds: true,
  },
  {
    name: 'Equals: values compare case-sensitively',
    c: { EncryptionContextEquals: { Dept: 'IT' } },
    ctx: { Dept: 'it' },
    holds: false,
  },
  { name: 'Equals {}: only an empty context', c: { EncryptionContextEquals: {} }, ctx: { a: '1' }, holds: false },
  {
    name: 'Subset: extra pairs allowed',
    c: { EncryptionContextSubset: { a: '1' } },
    ctx: { a: '1', b: '2' },
    holds: true,
  },
  {
    name: 'Subset: a missing pair',
    c: { EncryptionContextSubset: { a: '1', c: '3' } },
    ctx: { a: '1', b: '2' },
    holds: false,
  },
  {
    name: 'Subset: keys compare case-insensitively',
    c: { EncryptionContextSubset: { Dept: 'IT' } },
    ctx: { DEPT: 'IT', x: 'y' },
    holds: true,
  },
  {
    name: 'Subset: values compare case-sensitively',
    c: { EncryptionContextSubset: { Dept: 'IT' } },
    ctx: { Dept: 'It' },
    holds: false,
  },
  { name: 'Subset: empty context', c: { EncryptionContextSubset: { a: '1' } }, ctx: {}, holds: false },
  {
    name: 'both: both hold',
    c: { EncryptionContextEquals: { a: '1', b: '2' }, EncryptionContextSubset: { a: '1' } },
    ctx: { a: '1', b: '2' },
    holds: true,
  },
  {
    name: 'both: Subset fails',
    c: { EncryptionContextEquals: { a: '1' }, EncryptionContextSubset: { b: '2' } },
    ctx: { a: '1' },
    holds: false,
  },
];

const EQ = (pairs) => ({ EncryptionContextEquals: pairs });
const SUB = (pairs) => ({ EncryptionContextSubset: pairs });
export const STRICTNESS_CASES = [
  { name: 'parent none, child none', child: undefined, parent: undefined, strict: true },
  { name: 'parent none, child Subset', child: SUB({ a: '1' }), parent: {}, strict: true },
  {
    name: 'parent Equals X, child Equals X',
    child: EQ({ a: '1', b: '2' }),
    parent: EQ({ b: '2', a: '1' }),
    strict: true,
  },
  {
    name: 'parent Equals X, child Equals X (key case differs)',
    child: EQ({ A: '1' }),
    parent: EQ({ a: '1' }),
    strict: true,
  },
  {
    name: 'parent Equals X, child Equals X plus a pair',
    child: EQ({ a: '1', b: '2' }),
    parent: EQ({ a: '1' }),
    strict: false,
  },
  { name: 'parent Equals X, child Subset X', child: SUB({ a: '1' }), parent: EQ({ a: '1' }), strict: false },
  { name: 'parent Equals X, child none', child: undefined, parent: EQ({ a: '1' }), strict: false },
  { name: 'parent Subset S, child Equals E ⊇ S', child: EQ({ a: '1', b: '2' }), parent: SUB({ a: '1' }), strict: true },
  {
    name: 'parent Subset S, child Equals E missing a pair of S',
    child: EQ({ b: '2' }),
    parent: SUB({ a: '1' }),
    strict: false,
  },
  {
    name: 'parent Subset S, child Subset S′ ⊇ S',
    child: SUB({ a: '1', b: '2' }),
    parent: SUB({ a: '1' }),
    strict: true,
  },
  {
    name: 'parent Subset S, child Subset S′ ⊂ S',
    child: SUB({ a: '1' }),
    parent: SUB({ a: '1', b: '2' }),
    strict: false,
  },
  {
    name: 'parent Subset S, child Subset with a different value',
    child: SUB({ a: '2' }),
    parent: SUB({ a: '1' }),
    strict: false,
  },
  { name: 'parent Subset S, child none', child: undefined, parent: SUB({ a: '1' }), strict: false },
];

export const OPERATION_SUBSET_CASES = [
  { name: 'a subset', child: ['Decrypt'], parent: ['Decrypt', 'Encrypt', 'CreateGrant'], subset: true },
  { name: 'the same set', child: ['Encrypt', 'Decrypt'], parent: ['Decrypt', 'Encrypt'], subset: true },
  {
    name: 'an operation the parent lacks',
    child: ['Decrypt', 'ReEncryptFrom'],
    parent: ['Decrypt', 'CreateGrant'],
    subset: false,
  },
  { name: 'names compare exactly', child: ['decrypt'], parent: ['Decrypt'], subset: false },
];
