// The key policy AWS KMS gives a key created without one (programmatic CreateKey): the owning
// account may do everything (`kms:*`), which in AWS hands the decision to the account's IAM
// policies and in LocalKms lets every principal of the account use the key.

import { isAccountId } from './arn.js';

/** AWS's default key policy, laid out exactly as GetKeyPolicy returns it. */
export function defaultKeyPolicy(accountId: string): string {
  if (typeof accountId !== 'string' || !isAccountId(accountId)) {
    throw new RangeError(
      `defaultKeyPolicy: accountId must be a 12-digit AWS account ID, got ${JSON.stringify(accountId)}`,
    );
  }
  return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::${accountId}:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`;
}
