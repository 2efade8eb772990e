// Key deletion: ScheduleKeyDeletion starts a waiting period of 7..30 days (PendingDeletion);
// once the clock passes DeletionDate the key, all its material, its aliases and its grants are
// destroyed and every ciphertext made under it is unrecoverable. Like rotation, this happens
// lazily, at the first call after DeletionDate. Only the key id is remembered, so later calls
// naming it answer NotFoundException rather than something misleading.
//
// Scratch keys: the envelope layer gives each scratch volume its own key and destroys it with
// the volume, at once (as FSx destroys scratch file systems' keys). AWS KMS has no immediate
// deletion, so this is a LocalKms-only operation, `LocalKms.destroyKeyNow`, and only for keys
// created with the tag `atrest:scratch` = `true` (tags cannot be changed afterwards, so a key
// cannot be marked destroyable later).

import { ValidationException } from './errors.js';
import { addDays } from './rotation.js';
import type { KeyRecord, KmsState } from './state.js';

export const MIN_PENDING_WINDOW_DAYS = 7;
export const MAX_PENDING_WINDOW_DAYS = 30;
export const DEFAULT_PENDING_WINDOW_DAYS = 30;
export const SCRATCH_KEY_TAG = { TagKey: 'atrest:scratch', TagValue: 'true' } as const;

export function checkPendingWindow(value: unknown): number {
  if (value === undefined) return DEFAULT_PENDING_WINDOW_DAYS;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < MIN_PENDING_WINDOW_DAYS ||
    value > MAX_PENDING_WINDOW_DAYS
  ) {
    throw new ValidationException(
      `PendingWindowInDays must be an integer from ${MIN_PENDING_WINDOW_DAYS} to ${MAX_PENDING_WINDOW_DAYS}, got ${String(value)}`,
    );
  }
  return value;
}

export function scheduleDeletion(key: KeyRecord, days: number, now: Date): Date {
  const deletionDate = addDays(now, days);
  key.keyState = 'PendingDeletion';
  key.deletionDate = deletionDate.toISOString();
  key.pendingWindowInDays = days;
  return deletionDate;
}

export function cancelDeletion(key: KeyRecord): void {
  key.keyState = 'Disabled';
  delete key.deletionDate;
  delete key.pendingWindowInDays;
}

export function deletionDue(key: KeyRecord, now: Date): boolean {
  return (
    key.keyState === 'PendingDeletion' &&
    key.deletionDate !== undefined &&
    now.getTime() >= Date.parse(key.deletionDate)
  );
}

export function isScratchKey(key: KeyRecord): boolean {
  return (
    key.keyManager === 'CUSTOMER' &&
    key.tags.some((t) => t.TagKey === SCRATCH_KEY_TAG.TagKey && t.TagValue === SCRATCH_KEY_TAG.TagValue)
  );
}

/** Removes the key, its material, aliases and grants from `state`. */
export function destroyKey(state: KmsState, keyId: string): void {
  delete state.keys[keyId];
  for (const [name, alias] of Object.entries(state.aliases))
    if (alias.targetKeyId === keyId) delete state.aliases[name];
  state.grants.deleteKey(keyId);
  if (!state.deletedKeyIds.includes(keyId)) state.deletedKeyIds.push(keyId);
}
