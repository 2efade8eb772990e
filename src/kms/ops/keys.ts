// Key operations: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion,
// CancelKeyDeletion.

import {
  defaultKeyPolicy,
  MalformedPolicyDocumentException,
  parsePolicy,
  POLICY_LOCKOUT_MESSAGE,
  wouldLockOut,
} from '../../policy/index.js';
import { UnsupportedOperationException, ValidationException } from '../errors.js';
import type { CallContext } from '../call-context.js';
import { cancelDeletion, checkPendingWindow, scheduleDeletion } from '../deletion.js';
import { newKeyId } from '../key-ids.js';
import { newKeyMaterial } from '../key-material.js';
import { keyMetadata } from '../key-metadata.js';
import { requireNotPendingDeletion, requirePendingDeletion } from '../key-states.js';
import { paginate } from '../pagination.js';
import type { KeyRecord } from '../state.js';
import type {
  CancelKeyDeletionResponse,
  CreateKeyResponse,
  DescribeKeyResponse,
  ListKeysResponse,
  ScheduleKeyDeletionResponse,
  Tag,
} from '../types.js';
import { checkOptionalBoolean, checkOptionalString } from '../validate.js';
import { requireOwnAccount } from './account-scope.js';
import { checkGrantTokens } from '../grants.js';

const ONLY_SYMMETRIC =
  'LocalKms supports only symmetric encryption keys (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT)';
const MAX_TAGS = 50;

export function createKey(ctx: CallContext, r: Record<string, unknown>): CreateKeyResponse {
  requireOwnAccount(ctx, 'CreateKey');
  for (const field of ['KeySpec', 'CustomerMasterKeySpec'] as const) {
    if (r[field] !== undefined && r[field] !== 'SYMMETRIC_DEFAULT') {
      throw new UnsupportedOperationException(`${ONLY_SYMMETRIC}; got ${field} ${String(r[field])}`);
    }
  }
  if (r.KeyUsage !== undefined && r.KeyUsage !== 'ENCRYPT_DECRYPT') {
    throw new UnsupportedOperationException(`${ONLY_SYMMETRIC}; got KeyUsage ${String(r.KeyUsage)}`);
  }
  if (r.Origin !== undefined && r.Origin !== 'AWS_KMS') {
    throw new UnsupportedOperationException(
      `LocalKms generates all key material itself (Origin AWS_KMS); got Origin ${String(r.Origin)}`,
    );
  }
  if (r.MultiRegion === true)
    throw new UnsupportedOperationException('LocalKms has no multi-Region keys (MultiRegion must be false)');
  const description = checkOptionalString(r.Description, 'Description', 8192) ?? '';
  const bypass = checkOptionalBoolean(r.BypassPolicyLockoutSafetyCheck, 'BypassPolicyLockoutSafetyCheck');
  const tags = checkTags(r.Tags);

  const keyId = newKeyId();
  const arn = ctx.keyArn(keyId);
  let policy: string;
  if (r.Policy === undefined) {
    policy = defaultKeyPolicy(ctx.where.accountId);
  } else {
    if (typeof r.Policy !== 'string')
      throw new MalformedPolicyDocumentException('Policy must be a string holding a JSON key policy document');
    const doc = parsePolicy(r.Policy);
    if (!bypass && wouldLockOut(doc, ctx.principal, arn, ctx.where.accountId, ctx.now)) {
      throw new MalformedPolicyDocumentException(POLICY_LOCKOUT_MESSAGE);
    }
    policy = r.Policy;
  }
  const key: KeyRecord = {
    keyId,
    created: ctx.now.toISOString(),
    description,
    keyManager: 'CUSTOMER',
    keyState: 'Enabled',
    policy,
    tags,
    materials: [newKeyMaterial(ctx.now)],
    rotation: { enabled: false, onDemandCount: 0 },
  };
  ctx.state.keys[keyId] = key;
  ctx.audit.keyArn = arn;
  return { KeyMetadata: keyMetadata(ctx.where, key) };
}

function checkTags(value: unknown): Tag[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ValidationException('Tags must be an array of { TagKey, TagValue }');
  if (value.length > MAX_TAGS)
    throw new ValidationException(`Tags holds ${value.length} tags; at most ${MAX_TAGS} are allowed`);
  const seen = new Set<string>();
  return value.map((t, i) => {
    const tag = t as Partial<Tag> | null;
    if (
      tag === null ||
      typeof tag !== 'object' ||
      typeof tag.TagKey !== 'string' ||
      tag.TagKey.length < 1 ||
      tag.TagKey.length > 128 ||
      typeof tag.TagValue !== 'string' ||
      tag.TagValue.length > 256
    ) {
      throw new ValidationException(`Tags[${i}] must be { TagKey: 1..128 characters, TagValue: 0..256 characters }`);
    }
    if (seen.has(tag.TagKey)) throw new ValidationException(`Tags: TagKey ${JSON.stringify(tag.TagKey)} appears twice`);
    seen.add(tag.TagKey);
    return { TagKey: tag.TagKey, TagValue: tag.TagValue };
  });
}

export function describeKey(ctx: CallContext, r: Record<string, unknown>): DescribeKeyResponse {
  checkGrantTokens(ctx.state, r.GrantTokens);
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  ctx.authorize(target, 'DescribeKey', { grantOperation: 'DescribeKey' });
  return { KeyMetadata: keyMetadata(ctx.where, target.key) };
}

export function listKeys(ctx: CallContext, r: Record<string, unknown>): ListKeysResponse {
  requireOwnAccount(ctx, 'ListKeys');
  const all = Object.keys(ctx.state.keys).map((id) => ({ KeyId: id, KeyArn: ctx.keyArn(id) }));
  const { page, ...rest } = paginate(all, r);
  return { Keys: page, ...rest };
}

export function enableKey(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  const target = ctx.manageableKey(r.KeyId, 'EnableKey');
  requireNotPendingDeletion(target.key, target.arn);
  target.key.keyState = 'Enabled';
  return {};
}

export function disableKey(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  const target = ctx.manageableKey(r.KeyId, 'DisableKey');
  requireNotPendingDeletion(target.key, target.arn);
  target.key.keyState = 'Disabled';
  return {};
}

export function scheduleKeyDeletion(ctx: CallContext, r: Record<string, unknown>): ScheduleKeyDeletionResponse {
  const target = ctx.manageableKey(r.KeyId, 'ScheduleKeyDeletion', {
    conditionKeys: {
      'kms:ScheduleKeyDeletionPendingWindowInDays':
        typeof r.PendingWindowInDays === 'number' ? r.PendingWindowInDays : 30,
    },
  });
  const days = checkPendingWindow(r.PendingWindowInDays);
  requireNotPendingDeletion(target.key, target.arn);
  const deletionDate = scheduleDeletion(target.key, days, ctx.now);
  return { KeyId: target.arn, DeletionDate: deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: days };
}

export function cancelKeyDeletion(ctx: CallContext, r: Record<string, unknown>): CancelKeyDeletionResponse {
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  ctx.authorize(target, 'CancelKeyDeletion');
  requirePendingDeletion(target.key, target.arn);
  cancelDeletion(target.key);
  return { KeyId: target.arn };
}
