// Rotation operations: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
// RotateKeyOnDemand, ListKeyRotations (rules in ../rotation.ts).

import type { CallContext } from '../call-context.js';
import { ValidationException } from '../errors.js';
import { requireEnabled } from '../key-states.js';
import { paginate } from '../pagination.js';
import { checkRotationPeriod, disableAutomaticRotation, enableAutomaticRotation, rotateOnDemand } from '../rotation.js';
import type {
  GetKeyRotationStatusResponse,
  ListKeyRotationsResponse,
  RotateKeyOnDemandResponse,
  RotationsListEntry,
} from '../types.js';

export function enableKeyRotation(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  const target = ctx.manageableKey(r.KeyId, 'EnableKeyRotation', {
    conditionKeys: {
      'kms:RotationPeriodInDays': typeof r.RotationPeriodInDays === 'number' ? r.RotationPeriodInDays : 365,
    },
  });
  const period = checkRotationPeriod(r.RotationPeriodInDays);
  requireEnabled(target.key, target.arn);
  enableAutomaticRotation(target.key, period, ctx.now);
  return {};
}

export function disableKeyRotation(ctx: CallContext, r: Record<string, unknown>): Record<string, never> {
  const target = ctx.manageableKey(r.KeyId, 'DisableKeyRotation');
  requireEnabled(target.key, target.arn);
  disableAutomaticRotation(target.key);
  return {};
}

export function getKeyRotationStatus(ctx: CallContext, r: Record<string, unknown>): GetKeyRotationStatusResponse {
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  ctx.authorize(target, 'GetKeyRotationStatus');
  const { rotation, keyState } = target.key;
  // While PendingDeletion the status reads false; cancelling the deletion restores it.
  const enabled = rotation.enabled && keyState !== 'PendingDeletion';
  const out: GetKeyRotationStatusResponse = { KeyRotationEnabled: enabled, KeyId: target.arn };
  if (enabled && rotation.periodInDays !== undefined) out.RotationPeriodInDays = rotation.periodInDays;
  if (enabled && rotation.nextRotationDate !== undefined) out.NextRotationDate = new Date(rotation.nextRotationDate);
  if (rotation.lastOnDemandDate !== undefined) out.OnDemandRotationStartDate = new Date(rotation.lastOnDemandDate);
  return out;
}

export function rotateKeyOnDemandOp(ctx: CallContext, r: Record<string, unknown>): RotateKeyOnDemandResponse {
  const target = ctx.manageableKey(r.KeyId, 'RotateKeyOnDemand');
  requireEnabled(target.key, target.arn);
  rotateOnDemand(target.key, target.arn, ctx.now);
  return { KeyId: target.arn };
}

export function listKeyRotations(ctx: CallContext, r: Record<string, unknown>): ListKeyRotationsResponse {
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  const include = r.IncludeKeyMaterial ?? 'ROTATIONS_ONLY';
  if (include !== 'ROTATIONS_ONLY' && include !== 'ALL_KEY_MATERIAL') {
    throw new ValidationException(
      `IncludeKeyMaterial must be ROTATIONS_ONLY or ALL_KEY_MATERIAL, got ${String(include)}`,
    );
  }
  ctx.authorize(target, 'ListKeyRotations');
  const materials = target.key.materials;
  const entries: RotationsListEntry[] = materials
    .map((m, i) => {
      const entry: RotationsListEntry = {
        KeyId: target.arn,
        KeyMaterialId: m.id,
        KeyMaterialState: i === materials.length - 1 ? 'CURRENT' : 'NON_CURRENT',
      };
      if (m.rotationType !== undefined) {
        entry.RotationDate = new Date(m.created);
        entry.RotationType = m.rotationType;
      }
      return entry;
    })
    .filter((e) => include === 'ALL_KEY_MATERIAL' || e.RotationType !== undefined);
  const { page, ...rest } = paginate(entries, r);
  return { Rotations: page, ...rest };
}
