// Key material: 256-bit AES keys from crypto.getRandomValues, each with a random 64-hex-digit
// id that ciphertext blobs carry. No operation ever returns material; this module and the
// crypto operations are the only readers.

import { fromBase64, randomBytes, toBase64, toHex } from '../utils/bytes.js';
import type { KeyMaterialRecord, KeyRecord } from './state.js';

export const KEY_MATERIAL_BYTES = 32;

export function newKeyMaterial(created: Date, rotationType?: 'AUTOMATIC' | 'ON_DEMAND'): KeyMaterialRecord {
  const material = randomBytes(KEY_MATERIAL_BYTES);
  const record: KeyMaterialRecord = {
    id: toHex(randomBytes(32)),
    material: toBase64(material),
    created: created.toISOString(),
  };
  if (rotationType !== undefined) record.rotationType = rotationType;
  material.fill(0);
  return record;
}

export function currentMaterial(key: KeyRecord): KeyMaterialRecord {
  return key.materials[key.materials.length - 1]!;
}

export function findMaterial(key: KeyRecord, keyMaterialId: string): KeyMaterialRecord | undefined {
  return key.materials.find((m) => m.id === keyMaterialId);
}

/** The material's bytes; the caller zeroes them when done. */
export function materialBytes(record: KeyMaterialRecord): Uint8Array {
  return fromBase64(record.material);
}
