// Rotation of key material: automatic (a period of 90..2560 days) and on demand (at most 25).
// Rotation adds material and makes it current; older material is kept, so every ciphertext
// made before still decrypts. Key id, ARN, policy, grants and aliases do not change.
//
// LocalKms has no background timer: rotations are checked lazily at the start of every call,
// by the injected clock. A rotation that fell due while nobody called is performed (once) by
// the first call after NextRotationDate, dated at that call's time, and the next rotation is
// one period later.

import { ConflictException, ValidationException } from './errors.js';
import { newKeyMaterial } from './key-material.js';
import type { KeyRecord } from './state.js';

export const DEFAULT_ROTATION_PERIOD_DAYS = 365;
export const MIN_ROTATION_PERIOD_DAYS = 90;
export const MAX_ROTATION_PERIOD_DAYS = 2560;
export const MAX_ON_DEMAND_ROTATIONS = 25;
const DAY_MS = 24 * 60 * 60 * 1000;

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

export function checkRotationPeriod(value: unknown): number {
  if (value === undefined) return DEFAULT_ROTATION_PERIOD_DAYS;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < MIN_ROTATION_PERIOD_DAYS ||
    value > MAX_ROTATION_PERIOD_DAYS
  ) {
    throw new ValidationException(
      `RotationPeriodInDays must be an integer from ${MIN_ROTATION_PERIOD_DAYS} to ${MAX_ROTATION_PERIOD_DAYS}, got ${String(value)}`,
    );
  }
  return value;
}

/** Turns automatic rotation on (or changes its period): the first rotation is one period after
 *  now, as AWS schedules it. */
export function enableAutomaticRotation(key: KeyRecord, periodInDays: number, now: Date): void {
  key.rotation.enabled = true;
  key.rotation.periodInDays = periodInDays;
  key.rotation.nextRotationDate = addDays(now, periodInDays).toISOString();
}

export function disableAutomaticRotation(key: KeyRecord): void {
  key.rotation.enabled = false;
  delete key.rotation.nextRotationDate;
}

/** Whether an automatic rotation is due: only Enabled keys rotate (a Disabled key's rotation
 *  waits until it is enabled again, then happens at the next call). */
export function automaticRotationDue(key: KeyRecord, now: Date): boolean {
  return (
    key.keyState === 'Enabled' &&
    key.rotation.enabled &&
    key.rotation.nextRotationDate !== undefined &&
    now.getTime() >= Date.parse(key.rotation.nextRotationDate)
  );
}

export function rotateAutomatically(key: KeyRecord, now: Date): void {
  key.materials.push(newKeyMaterial(now, 'AUTOMATIC'));
  key.rotation.nextRotationDate = addDays(now, key.rotation.periodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS).toISOString();
}

/** On-demand rotation: does not move the automatic schedule. */
export function rotateOnDemand(key: KeyRecord, keyArnText: string, now: Date): void {
  if (key.rotation.onDemandCount >= MAX_ON_DEMAND_ROTATIONS) {
    throw new ConflictException(
      `${keyArnText} has already been rotated on demand ${MAX_ON_DEMAND_ROTATIONS} times, the most a key allows`,
    );
  }
  key.materials.push(newKeyMaterial(now, 'ON_DEMAND'));
  key.rotation.onDemandCount += 1;
  key.rotation.lastOnDemandDate = now.toISOString();
}
