// Grant operations: CreateGrant, ListGrants, RetireGrant, RevokeGrant (rules in ../grants.ts).

import type { CallContext, ResolvedKey } from '../call-context.js';
import { LimitExceededException, NotFoundException, ValidationException } from '../errors.js';
import {
  checkGrantConstraints,
  checkGrantId,
  checkGrantOperations,
  checkGrantTokens,
  grantOfToken,
  MAX_GRANTS_PER_KEY,
  newGrantId,
  newGrantToken,
  sameGrantParameters,
} from '../grants.js';
import { isPrincipalArn } from '../../policy/index.js';
import { requireEnabled } from '../key-states.js';
import { paginate } from '../pagination.js';
import { freezeGrant, type GrantRecord } from '../state.js';
import type { CreateGrantResponse, GrantListEntry, ListGrantsResponse } from '../types.js';

const GRANT_NAME = /^[a-zA-Z0-9:/_-]{1,256}$/;

function checkPrincipal(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isPrincipalArn(value) || value.length > 256) {
    throw new ValidationException(
      `${field} must be an IAM principal ARN (arn:aws:iam::<account>:… or arn:aws:sts::<account>:…), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function createGrant(ctx: CallContext, r: Record<string, unknown>): CreateGrantResponse {
  const grantee = checkPrincipal(r.GranteePrincipal, 'GranteePrincipal');
  const retiring =
    r.RetiringPrincipal === undefined ? undefined : checkPrincipal(r.RetiringPrincipal, 'RetiringPrincipal');
  const operations = checkGrantOperations(r.Operations);
  const constraints = checkGrantConstraints(r.Constraints, operations);
  if (r.Name !== undefined && (typeof r.Name !== 'string' || !GRANT_NAME.test(r.Name))) {
    throw new ValidationException('Name must be 1 to 256 characters of letters, digits and : / _ -');
  }
  checkGrantTokens(ctx.state, r.GrantTokens);
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  const constrainedContext = constraints?.EncryptionContextEquals ?? constraints?.EncryptionContextSubset;
  if (constrainedContext !== undefined) ctx.audit.encryptionContext = constrainedContext;
  ctx.authorize(target, 'CreateGrant', {
    grantOperation: 'CreateGrant',
    delegation: { operations, constraints },
    // In CreateGrant, kms:EncryptionContext:* condition keys describe the grant's constraints.
    ...(constrainedContext === undefined ? {} : { encryptionContext: constrainedContext }),
    conditionKeys: {
      'kms:GrantOperations': operations,
      'kms:GranteePrincipal': grantee,
      'kms:RetiringPrincipal': retiring,
      'kms:GrantIsForAWSResource': ctx.viaService !== undefined,
      'kms:GrantConstraintType': constraints === undefined ? undefined : Object.keys(constraints),
    },
  });
  requireEnabled(target.key, target.arn);

  const wanted: Omit<GrantRecord, 'grantId' | 'created'> = {
    keyId: target.key.keyId,
    granteePrincipal: grantee,
    issuingAccount: ctx.callerAccount ?? ctx.where.accountId,
    operations,
    ...(retiring === undefined ? {} : { retiringPrincipal: retiring }),
    ...(constraints === undefined ? {} : { constraints }),
    ...(r.Name === undefined ? {} : { name: r.Name as string }),
  };
  // The grant index answers both questions without looking at the key's other grants.
  if (r.Name !== undefined) {
    const same = ctx.state.grants
      .ofKeyAndName(target.key.keyId, r.Name as string)
      .find((g) => sameGrantParameters(g, wanted));
    if (same !== undefined) {
      ctx.audit.grantId ??= same.grantId;
      return { GrantId: same.grantId, GrantToken: newGrantToken(same.grantId) };
    }
  }
  if (ctx.state.grants.countOfKey(target.key.keyId) >= MAX_GRANTS_PER_KEY) {
    throw new LimitExceededException(`${target.arn} already has ${MAX_GRANTS_PER_KEY} grants, the most a key may have`);
  }
  const grantId = newGrantId();
  ctx.state.grants.add(freezeGrant({ grantId, created: ctx.now.toISOString(), ...wanted }));
  return { GrantId: grantId, GrantToken: newGrantToken(grantId) };
}

function listEntry(ctx: CallContext, g: GrantRecord): GrantListEntry {
  const entry: GrantListEntry = {
    KeyId: ctx.keyArn(g.keyId),
    GrantId: g.grantId,
    CreationDate: new Date(g.created),
    GranteePrincipal: g.granteePrincipal,
    IssuingAccount: `arn:aws:iam::${g.issuingAccount}:root`,
    Operations: [...g.operations],
  };
  if (g.name !== undefined) entry.Name = g.name;
  if (g.retiringPrincipal !== undefined) entry.RetiringPrincipal = g.retiringPrincipal;
  if (g.constraints !== undefined) entry.Constraints = JSON.parse(JSON.stringify(g.constraints));
  return entry;
}

export function listGrants(ctx: CallContext, r: Record<string, unknown>): ListGrantsResponse {
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  const grantId = r.GrantId === undefined ? undefined : checkGrantId(r.GrantId);
  const grantee = r.GranteePrincipal === undefined ? undefined : checkPrincipal(r.GranteePrincipal, 'GranteePrincipal');
  ctx.authorize(target, 'ListGrants', { conditionKeys: { 'kms:GrantIsForAWSResource': ctx.viaService !== undefined } });
  const keyId = target.key.keyId;
  let grants: GrantRecord[];
  if (grantId !== undefined) {
    const g = ctx.state.grants.get(grantId);
    grants =
      g !== undefined && g.keyId === keyId && (grantee === undefined || g.granteePrincipal === grantee) ? [g] : [];
  } else {
    grants = grantee === undefined ? ctx.state.grants.ofKey(keyId) : ctx.state.grants.ofKeyAndGrantee(keyId, grantee);
  }
  // Only the page is turned into entries.
  const { page, ...rest } = paginate(grants, r);
  return { Grants: page.map((g) => listEntry(ctx, g)), ...rest };
}

function grantOnKey(ctx: CallContext, target: ResolvedKey, grantId: string): GrantRecord {
  const grant = ctx.state.grants.get(grantId);
  if (grant === undefined || grant.keyId !== target.key.keyId) {
    throw new NotFoundException(`Grant ${grantId} does not exist on ${target.arn}`);
  }
  return grant;
}

/**
 * RetireGrant is authorized by the grant itself, not by the key policy (AWS: kms:RetireGrant
 * in a key policy has no effect, though a Deny there still refuses): the retiring principal, a
 * grantee whose grant includes RetireGrant, or the root of the account that issued the grant.
 */
export function retireGrant(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  let grant: GrantRecord;
  let target: ResolvedKey;
  if (r.GrantToken !== undefined) {
    grant = grantOfToken(ctx.state, r.GrantToken);
    target = ctx.keyById(grant.keyId);
    if (r.KeyId !== undefined && ctx.resolveKey(r.KeyId).key.keyId !== grant.keyId) {
      throw new ValidationException('RetireGrant: the GrantToken names a grant of another key than KeyId');
    }
    if (r.GrantId !== undefined && checkGrantId(r.GrantId) !== grant.grantId) {
      throw new ValidationException('RetireGrant: the GrantToken names another grant than GrantId');
    }
  } else {
    if (r.KeyId === undefined || r.GrantId === undefined) {
      throw new ValidationException('RetireGrant needs a GrantToken, or both KeyId and GrantId');
    }
    const grantId = checkGrantId(r.GrantId);
    target = ctx.resolveKey(r.KeyId);
    grant = grantOnKey(ctx, target, grantId);
  }
  ctx.audit.keyArn = target.arn;
  ctx.audit.grantId = grant.grantId;
  if (ctx.policyDecision(target, 'RetireGrant') === 'Deny') ctx.deny(target, 'RetireGrant', true);
  const allowed =
    ctx.principal === grant.retiringPrincipal ||
    (ctx.principal === grant.granteePrincipal && grant.operations.includes('RetireGrant')) ||
    ctx.principal === `arn:aws:iam::${grant.issuingAccount}:root`;
  if (!allowed) ctx.deny(target, 'RetireGrant', false);
  ctx.state.grants.delete(grant.grantId);
  return {};
}

/** RevokeGrant needs kms:RevokeGrant from the key policy (grants cannot give it). */
export function revokeGrant(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  const grantId = checkGrantId(r.GrantId);
  ctx.audit.grantId = grantId;
  ctx.authorize(target, 'RevokeGrant', {
    conditionKeys: { 'kms:GrantIsForAWSResource': ctx.viaService !== undefined },
  });
  grantOnKey(ctx, target, grantId);
  ctx.state.grants.delete(grantId);
  return {};
}
