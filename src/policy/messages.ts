// The text of AWS's AccessDeniedException for key-policy decisions, so that tools which parse
// or display AWS errors (and people who search for them) see the same thing.

/** `Decrypt` and `kms:Decrypt` both give `kms:Decrypt`. */
function qualified(action: string): string {
  return action.includes(':') ? action : `kms:${action}`;
}

/**
 * `User: <principal> is not authorized to perform: kms:<Action> on resource: <key ARN>` followed
 * by `because no resource-based policy allows the kms:<Action> action` (nothing allowed it) or
 * `with an explicit deny in a resource-based policy` (a Deny statement matched).
 */
export function accessDeniedMessage(
  principalArn: string,
  action: string,
  resourceArn: string,
  explicitDeny: boolean,
): string {
  const a = qualified(action);
  const head = `User: ${principalArn} is not authorized to perform: ${a} on resource: ${resourceArn}`;
  return explicitDeny
    ? `${head} with an explicit deny in a resource-based policy`
    : `${head} because no resource-based policy allows the ${a} action`;
}

/** AWS's message when a new key policy fails the lockout safety check. */
export const POLICY_LOCKOUT_MESSAGE = 'The new key policy will not allow you to update the key policy in the future.';
