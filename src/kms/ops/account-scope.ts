// Operations AWS authorizes with IAM policies alone (CreateKey, ListKeys, ListAliases): there is
// no key policy to consult. LocalKms has no IAM; it lets every principal of its own account do
// them (what the default key policy's account-root statement stands for) and refuses others.

import { AccessDeniedException } from '../errors.js';
import type { CallContext } from '../call-context.js';

export function requireOwnAccount(ctx: CallContext, action: string): void {
  if (ctx.callerAccount !== ctx.where.accountId) {
    throw new AccessDeniedException(
      `User: ${ctx.principal} is not authorized to perform: kms:${action} on resource: * because no identity-based policy allows the kms:${action} action`,
    );
  }
}
