// Keyslots: a passphrase opens the volume key through one keyslot —
//   KDF(passphrase, kdf salt/costs) → area key; the keyslot's area decrypted with
//   aes-xts-plain64 under the area key (512-byte sectors numbered from the area's start);
//   AF merge of the first key_size × stripes bytes → candidate key; the digest (PBKDF2 of the
//   candidate) compared in constant time with the digest that lists this keyslot.
// and the reverse to make one. The digest is what tells a right passphrase from a wrong one.

import { sharedEngine } from '../engine/shared-engine.js';
import { equalBytes } from '../utils/bytes.js';
import { afMerge, afSplit } from './anti-forensic.js';
import { checkKdfCost, deriveKeyslotKey, pbkdf2, type CheckedKdfLimits } from './kdf.js';
import { LuksMetadataError } from './errors.js';
import { toBase64, type Digest, type Kdf, type Keyslot } from './metadata.js';

export const AF_STRIPES = 4000;
const AREA_SECTOR = 512;

/** Bytes of a keyslot's area for a key: the AF material rounded up to 4096. */
export function areaBytes(keySize: number, stripes = AF_STRIPES): number {
  return Math.ceil((keySize * stripes) / 4096) * 4096;
}

/** The AF material length as stored: whole 512-byte sectors. */
function materialBytes(keySize: number, stripes: number): number {
  return Math.ceil((keySize * stripes) / AREA_SECTOR) * AREA_SECTOR;
}

export function digestOf(digests: Map<string, Digest>, slotId: string): Digest {
  for (const d of digests.values()) if (d.keyslots.includes(slotId)) return d;
  throw new LuksMetadataError('references', `keyslot ${slotId} is listed by no digest`);
}

/** Checks a candidate volume key against a digest (PBKDF2, constant-time compare). */
export async function digestMatches(digest: Digest, key: Uint8Array, limits: CheckedKdfLimits): Promise<boolean> {
  checkKdfCost(
    { type: 'pbkdf2', hash: digest.hash, iterations: digest.iterations, salt: digest.salt },
    limits,
    `digest ${digest.id}`,
  );
  const d = await pbkdf2(digest.hash, key, digest.salt, digest.iterations, digest.digest.length);
  return equalBytes(d, digest.digest);
}

/** The volume key through `slot`, or undefined for a wrong passphrase. `readArea` returns the
 *  keyslot's area bytes. */
export async function unlockKeyslot(
  slot: Keyslot,
  digest: Digest,
  passphrase: Uint8Array,
  limits: CheckedKdfLimits,
  readArea: (offset: number, length: number) => Promise<Uint8Array>,
): Promise<Uint8Array | undefined> {
  checkKdfCost(slot.kdf, limits, `keyslot ${slot.id}`);
  const length = materialBytes(slot.keySize, slot.af.stripes);
  const material = await readArea(slot.area.offset, length);
  const areaKey = await deriveKeyslotKey(slot.kdf, passphrase, slot.area.keySize);
  const engine = await sharedEngine();
  let xts;
  try {
    xts = engine.xts(areaKey, { sectorSize: AREA_SECTOR });
  } catch {
    areaKey.fill(0);
    return undefined; // a wrong passphrase can give equal halves (2^-256): simply not this key
  }
  areaKey.fill(0);
  try {
    xts.decrypt(material, 0, material);
  } finally {
    xts.dispose();
  }
  const candidate = afMerge(material, slot.keySize, slot.af.stripes, slot.af.hash);
  material.fill(0);
  if (await digestMatches(digest, candidate, limits)) return candidate;
  candidate.fill(0);
  return undefined;
}

/** A new keyslot for `volumeKey`: its JSON object and its encrypted area bytes. */
export async function makeKeyslot(
  volumeKey: Uint8Array,
  passphrase: Uint8Array,
  kdfSpec: Kdf,
  areaOffset: number,
  afHash: string,
): Promise<{
  json: Record<string, unknown>;
  area: Uint8Array;
}> {
  const keySize = volumeKey.length;
  const split = afSplit(volumeKey, AF_STRIPES, afHash);
  const material = new Uint8Array(materialBytes(keySize, AF_STRIPES));
  material.set(split);
  split.fill(0);
  const areaKey = await deriveKeyslotKey(kdfSpec, passphrase, keySize);
  const engine = await sharedEngine();
  const xts = engine.xts(areaKey, { sectorSize: AREA_SECTOR });
  areaKey.fill(0);
  try {
    xts.encrypt(material, 0, material);
  } finally {
    xts.dispose();
  }
  const kdf =
    kdfSpec.type === 'pbkdf2'
      ? { type: 'pbkdf2', hash: kdfSpec.hash, iterations: kdfSpec.iterations, salt: toBase64(kdfSpec.salt) }
      : {
          type: kdfSpec.type,
          time: kdfSpec.time,
          memory: kdfSpec.memory,
          cpus: kdfSpec.cpus,
          salt: toBase64(kdfSpec.salt),
        };
  return {
    json: {
      type: 'luks2',
      key_size: keySize,
      af: { type: 'luks1', stripes: AF_STRIPES, hash: afHash },
      area: {
        type: 'raw',
        offset: String(areaOffset),
        size: String(areaBytes(keySize)),
        encryption: 'aes-xts-plain64',
        key_size: keySize,
      },
      kdf,
    },
    area: material,
  };
}
