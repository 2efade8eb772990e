// Alias operations: CreateAlias, UpdateAlias, DeleteAlias, ListAliases. An alias is a name
// (`alias/…`) for one key; `alias/aws/…` names are reserved for AWS managed keys.

import { AlreadyExistsException, LimitExceededException, NotFoundException, ValidationException } from '../errors.js';
import type { CallContext, ResolvedKey } from '../call-context.js';
import { DEFAULT_KEY_ALIAS } from '../default-key.js';
import { aliasArn, checkAliasName, isReservedAliasName } from '../key-ids.js';
import { refuseAwsManaged, requireNotPendingDeletion } from '../key-states.js';
import { paginate } from '../pagination.js';
import type { AliasListEntry, ListAliasesResponse } from '../types.js';
import { requireOwnAccount } from './account-scope.js';

const MAX_ALIASES_PER_KEY = 50;

function checkUserAliasName(value: unknown): string {
  const name = checkAliasName(value, 'AliasName');
  if (isReservedAliasName(name)) {
    throw new ValidationException(
      `AliasName ${name}: names that begin with alias/aws/ are reserved for AWS managed keys`,
    );
  }
  return name;
}

function requireAliasRoom(ctx: CallContext, target: ResolvedKey): void {
  const count = Object.values(ctx.state.aliases).filter((a) => a.targetKeyId === target.key.keyId).length;
  if (count >= MAX_ALIASES_PER_KEY) {
    throw new LimitExceededException(
      `${target.arn} already has ${MAX_ALIASES_PER_KEY} aliases, the most a key may have`,
    );
  }
}

export function createAlias(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  const name = checkUserAliasName(r.AliasName);
  const target = ctx.manageableKey(r.TargetKeyId, 'CreateAlias', {}, 'TargetKeyId');
  if (ctx.state.aliases[name] !== undefined) {
    throw new AlreadyExistsException(`An alias with the name ${aliasArn(ctx.where, name)} already exists`);
  }
  requireNotPendingDeletion(target.key, target.arn);
  requireAliasRoom(ctx, target);
  const now = ctx.now.toISOString();
  ctx.state.aliases[name] = { aliasName: name, targetKeyId: target.key.keyId, created: now, updated: now };
  return {};
}

export function updateAlias(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  const name = checkUserAliasName(r.AliasName);
  const alias = ctx.state.aliases[name];
  if (alias === undefined) throw new NotFoundException(`Alias ${aliasArn(ctx.where, name)} is not found.`);
  const current = ctx.keyById(alias.targetKeyId);
  const target = ctx.resolveKey(r.TargetKeyId, 'TargetKeyId');
  ctx.audit.keyArn = target.arn;
  ctx.authorize(current, 'UpdateAlias');
  ctx.authorize(target, 'UpdateAlias');
  refuseAwsManaged(target.key, target.arn, 'UpdateAlias');
  requireNotPendingDeletion(target.key, target.arn);
  if (target.key.keyId !== alias.targetKeyId) requireAliasRoom(ctx, target);
  alias.targetKeyId = target.key.keyId;
  alias.updated = ctx.now.toISOString();
  return {};
}

export function deleteAlias(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  const name = checkUserAliasName(r.AliasName);
  const alias = ctx.state.aliases[name];
  if (alias === undefined) throw new NotFoundException(`Alias ${aliasArn(ctx.where, name)} is not found.`);
  const target = ctx.keyById(alias.targetKeyId);
  ctx.audit.keyArn = target.arn;
  ctx.authorize(target, 'DeleteAlias');
  delete ctx.state.aliases[name];
  return {};
}

export function listAliases(ctx: CallContext, r: Record<string, unknown>): ListAliasesResponse {
  requireOwnAccount(ctx, 'ListAliases');
  let keyId: string | undefined;
  if (r.KeyId !== undefined) {
    const target = ctx.resolveKey(r.KeyId);
    ctx.audit.keyArn = target.arn;
    keyId = target.key.keyId;
  }
  const entries: AliasListEntry[] = Object.values(ctx.state.aliases)
    .filter((a) => keyId === undefined || a.targetKeyId === keyId)
    .map((a) => ({
      AliasName: a.aliasName,
      AliasArn: aliasArn(ctx.where, a.aliasName),
      TargetKeyId: a.targetKeyId,
      CreationDate: new Date(a.created),
      LastUpdatedDate: new Date(a.updated),
    }));
  // Like AWS's predefined aliases: listed before their key exists, without a TargetKeyId.
  if (keyId === undefined && ctx.state.aliases[DEFAULT_KEY_ALIAS] === undefined) {
    entries.push({ AliasName: DEFAULT_KEY_ALIAS, AliasArn: aliasArn(ctx.where, DEFAULT_KEY_ALIAS) });
  }
  entries.sort((a, b) => (a.AliasName < b.AliasName ? -1 : a.AliasName > b.AliasName ? 1 : 0));
  const { page, ...rest } = paginate(entries, r);
  return { Aliases: page, ...rest };
}
