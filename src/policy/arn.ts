// ARNs of principals and resources: the parts the policy engine needs to read from them.
//
// Principal ARNs look like arn:<partition>:iam::<account>:root | user/… | role/…, or
// arn:<partition>:sts::<account>:assumed-role/<role name>/<session>. The partition is `aws`,
// `aws-cn`, `aws-us-gov`, … and is carried through unchanged.

const ACCOUNT_ID = /^\d{12}$/;
const PRINCIPAL_ARN = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)$/;

export function isAccountId(text: string): boolean {
  return ACCOUNT_ID.test(text);
}

/** Whether `text` has the shape of an IAM or STS principal ARN (it is not checked to exist). */
export function isPrincipalArn(text: string): boolean {
  return PRINCIPAL_ARN.test(text);
}

/** The ARN that stands for a whole account in a key policy (not the root user: the account,
 *  which delegates to its IAM policies). */
export function accountRootArn(accountId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/** A bare 12-digit account ID, as a Principal may be written, becomes its root ARN. */
export function normalisePrincipal(text: string): string {
  return isAccountId(text) ? accountRootArn(text) : text;
}

/** The 12-digit account a principal belongs to, or undefined for a service principal or garbage. */
export function accountOfPrincipal(principal: string): string | undefined {
  if (isAccountId(principal)) return principal;
  return PRINCIPAL_ARN.exec(principal)?.[3];
}

/** The account whose root ARN this is, or undefined when it is not an account root ARN. */
export function rootAccountOf(principal: string): string | undefined {
  const m = PRINCIPAL_ARN.exec(principal);
  return m && m[2] === 'iam' && m[4] === 'root' ? m[3] : undefined;
}

/**
 * Whether a principal named in a statement covers the principal making the request.
 *
 * - An account root ARN covers every principal of that account. In AWS this means "the key
 *   policy delegates to the account's IAM policies"; LocalKms has no IAM, so it stands for
 *   "IAM allows it".
 * - A role ARN also covers that role's sessions (arn:…:sts::<acct>:assumed-role/<name>/<session>),
 *   as in AWS. Role paths are not part of session ARNs, so the role is matched by account and name.
 * - Anything else must be equal, character for character.
 */
export function principalCovers(statementPrincipal: string, requestPrincipal: string): boolean {
  if (statementPrincipal === requestPrincipal) return true;
  const rootAccount = rootAccountOf(statementPrincipal);
  if (rootAccount !== undefined) return accountOfPrincipal(requestPrincipal) === rootAccount;
  const role = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(statementPrincipal);
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(requestPrincipal);
  return (
    role !== null && session !== null && role[1] === session[1] && role[2] === session[2] && role[3] === session[3]
  );
}

/** The six colon-separated components of an ARN (or ARN pattern); the last keeps any further
 *  colons. Undefined when `text` has fewer than five colons. */
export function arnComponents(text: string): string[] | undefined {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const colon = text.indexOf(':', from);
    if (colon < 0) return undefined;
    parts.push(text.slice(from, colon));
    from = colon + 1;
  }
  parts.push(text.slice(from));
  return parts;
}
