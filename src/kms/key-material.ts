// Key material: 256-bit AES keys from crypto.getRandomValues, each with a random 64-hex-digit
// id that ciphertext blobs carry. No operation ever returns material; this module and the
// crypto operations are the only readers. The material stays the Uint8Array the random source
// filled: no string and no copy of it is made here.

import { randomBytes, toHex } from '../utils/bytes.js';
import type { KeyMaterialRecord, KeyRecord, KmsState } from './state.js';

export const KEY_MATERIAL_BYTES = 32;

export function newKeyMaterial(created: Date, rotationType?: 'AUTOMATIC' | 'ON_DEMAND'): KeyMaterialRecord {
  const material = randomBytes(KEY_MATERIAL_BYTES); // drawn before the id, as always (docs/FORMAT.md's seeded example depends on the order)
  const record: KeyMaterialRecord = { id: toHex(randomBytes(32)), material, created: created.toISOString() };
  if (rotationType !== undefined) record.rotationType = rotationType;
  return record;
}

export function currentMaterial(key: KeyRecord): KeyMaterialRecord {
  return key.materials[key.materials.length - 1]!;
}

export function findMaterial(key: KeyRecord, keyMaterialId: string): KeyMaterialRecord | undefined {
  return key.materials.find((m) => m.id === keyMaterialId);
}

/** The material's bytes themselves, not a copy: the engine copies them into its key slot, and
 *  the caller must neither change nor zero them (every copy of the state shares them). */
export function materialBytes(record: KeyMaterialRecord): Uint8Array {
  return record.material;
}

/** Zeroes every key material in a state (LocalKms.close: no call can use it afterwards). */
export function wipeAllMaterial(state: KmsState): void {
  for (const key of Object.values(state.keys)) for (const m of key.materials) m.material.fill(0);
}

/** Zeroes the material of keys that `before` has and `after` no longer has (destroyed keys),
 *  once `after` was saved and replaced `before`: nothing refers to those bytes any more. */
export function wipeDroppedMaterial(before: KmsState, after: KmsState): void {
  for (const [id, key] of Object.entries(before.keys)) {
    if (after.keys[id] === undefined) for (const m of key.materials) m.material.fill(0);
  }
}
