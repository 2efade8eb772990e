// The key service's whole state: what a Keystore saves and loads. Dates are ISO strings;
// key material is a Uint8Array in memory, from the random source (key-material.ts) to the store,
// and base64 only inside a stored form (the sealed store's JSON plaintext, stateJson()). A store
// that loads the stored form hands back base64 strings; checkLoadedState turns them into bytes.
//
// Key material lives in JavaScript memory (this object) for as long as the service runs: the
// engine's GCM key slot is per call (create gcm, seal/open, dispose), so wasm memory holds a
// key only during one operation. Every state draft (draftState) shares the material's bytes
// instead of copying them, so there is one wipeable copy per key material, zeroed when its key
// is destroyed (LocalKms#commit) — not one unwipeable string per copy as with base64 in the
// state. What remains in strings: the JSON text a sealed store encodes and decodes (see the
// README's security notes).

import { fromBase64, toBase64 } from '../utils/bytes.js';
import { GrantTable } from './grant-table.js';
import { KEY_MATERIAL_BYTES } from './key-material.js';
import type { GrantConstraints, GrantOperation, KeyManager, KeyState, Tag } from './types.js';

export const STATE_FORMAT = 'atrest-local-kms-state';
export const STATE_VERSION = 1;

export interface KeyMaterialRecord {
  /** 64 hex digits, stored in every ciphertext blob made with this material. */
  id: string;
  /** 32 bytes; base64 in the stored form. Shared by every copy of the state: never changed in
   *  place, zeroed only once no saved state holds it. */
  material: Uint8Array;
  /** ISO date the material was created. */
  created: string;
  /** How the material came to be: with the key (undefined), or by a rotation. */
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
}

export interface KeyRecord {
  keyId: string;
  created: string;
  description: string;
  keyManager: KeyManager;
  keyState: KeyState;
  /** ISO date; set while PendingDeletion. */
  deletionDate?: string;
  pendingWindowInDays?: number;
  /** The key policy exactly as given (GetKeyPolicy returns it unchanged). */
  policy: string;
  tags: Tag[];
  /** Oldest first; the last one is current (encrypts), all of them decrypt. */
  materials: KeyMaterialRecord[];
  rotation: {
    enabled: boolean;
    periodInDays?: number;
    /** ISO date of the next automatic rotation while enabled. */
    nextRotationDate?: string;
    onDemandCount: number;
    lastOnDemandDate?: string;
  };
}

export interface AliasRecord {
  aliasName: string;
  targetKeyId: string;
  created: string;
  updated: string;
}

export interface GrantRecord {
  grantId: string;
  keyId: string;
  name?: string;
  created: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  issuingAccount: string;
  operations: GrantOperation[];
  constraints?: GrantConstraints;
}

/** The state as a keystore saves and loads it: plain data, grants in one map by grant id. */
export interface StoredState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  /** By key id, in creation order. */
  keys: Record<string, KeyRecord>;
  /** By alias name. */
  aliases: Record<string, AliasRecord>;
  /** By grant id. */
  grants: Record<string, GrantRecord>;
  /** Ids of destroyed keys (nothing else is kept), so they answer NotFoundException rather than
   *  looking like a corrupted ciphertext. */
  deletedKeyIds: string[];
}

/** The state in LocalKms's memory: the stored form with its grants indexed (grant-table.ts). */
export interface KmsState extends Omit<StoredState, 'grants'> {
  grants: GrantTable;
}

export function emptyState(): KmsState {
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    keys: {},
    aliases: {},
    grants: GrantTable.of([]),
    deletedKeyIds: [],
  };
}

/** What a keystore is given to save: as many steps as the state has keys and grants, which is
 *  why LocalKms saves only when it has a keystore (a whole-state store costs that per change). */
export function storedState(state: KmsState): StoredState {
  return { ...state, grants: state.grants.toJSON() };
}

/**
 * A draft that mutating operations may change freely; it is swapped in, with commitDraft, only
 * after it was saved. Keys, aliases and the deleted-key list are copied deeply, except the key
 * material's bytes, which are shared (no operation changes them; rotation adds new ones). Grants
 * are not copied at all: the draft's grant table shares the index and keeps its changes apart
 * (grant-table.ts), so a draft costs nothing per grant — copying every grant per call made
 * CreateGrant cost grow with the number of grants (3.6 ms per call at 2,000, 53 ms at 8,000).
 */
export function draftState(state: KmsState): KmsState {
  const keys: Record<string, KeyRecord> = {};
  for (const [id, key] of Object.entries(state.keys)) keys[id] = cloneKey(key);
  const { aliases, deletedKeyIds } = JSON.parse(
    JSON.stringify({ aliases: state.aliases, deletedKeyIds: state.deletedKeyIds }),
  ) as Pick<KmsState, 'aliases' | 'deletedKeyIds'>;
  return { format: state.format, version: state.version, keys, aliases, grants: state.grants.draft(), deletedKeyIds };
}

/** Makes a saved draft current: applies its grant changes to the shared grant index. The state
 *  the draft was made from must not be used afterwards (its grants are the draft's now). */
export function commitDraft(draft: KmsState): KmsState {
  draft.grants.commit();
  return draft;
}

function cloneKey(key: KeyRecord): KeyRecord {
  const { materials, ...rest } = key;
  return {
    ...(JSON.parse(JSON.stringify(rest)) as Omit<KeyRecord, 'materials'>),
    materials: materials.map((m) => ({ ...m })),
  };
}

/** The stored form of a state as JSON text: key material as base64. The text is a string (not
 *  wipeable); the sealed store encodes it to UTF-8 at once, seals it and zeroes those bytes. */
export function stateJson(state: unknown): string | undefined {
  return JSON.stringify(state, (_key, value: unknown) => (value instanceof Uint8Array ? toBase64(value) : value));
}

/** Freezes a grant record and what it holds (a frozen record is returned as it is). */
export function freezeGrant(grant: GrantRecord): GrantRecord {
  if (Object.isFrozen(grant)) return grant;
  const copy = JSON.parse(JSON.stringify(grant)) as GrantRecord;
  Object.freeze(copy.operations);
  if (copy.constraints !== undefined) {
    for (const part of Object.values(copy.constraints)) Object.freeze(part);
    Object.freeze(copy.constraints);
  }
  return Object.freeze(copy);
}

/** Accepts what a store loaded if it is a state this version wrote; refuses anything else
 *  loudly rather than guessing (a wrong file must not be overwritten with an empty state). */
export function checkLoadedState(value: unknown): KmsState {
  const s = value as Partial<StoredState> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    s.format !== STATE_FORMAT ||
    typeof s.keys !== 'object' ||
    s.keys === null ||
    typeof s.aliases !== 'object' ||
    s.aliases === null ||
    typeof s.grants !== 'object' ||
    s.grants === null ||
    !Array.isArray(s.deletedKeyIds)
  ) {
    throw new Error('LocalKms: the store holds something that is not a LocalKms state');
  }
  if (s.version !== STATE_VERSION) {
    throw new Error(
      `LocalKms: the store holds state version ${String(s.version)}; this version reads ${STATE_VERSION}`,
    );
  }
  const keys: Record<string, KeyRecord> = {};
  for (const [id, key] of Object.entries(s.keys as Record<string, KeyRecord>)) {
    if (key === null || typeof key !== 'object' || !Array.isArray(key.materials)) {
      throw new Error(`LocalKms: the store's key ${id} has no list of key materials`);
    }
    keys[id] = cloneKey({
      ...key,
      materials: key.materials.map((m) => ({ ...m, material: loadedMaterial(m as { material?: unknown }, id) })),
    });
  }
  const grants: GrantRecord[] = [];
  for (const [id, grant] of Object.entries(s.grants as Record<string, GrantRecord>)) {
    grants.push(freezeGrant(checkLoadedGrant(id, grant)));
  }
  const { aliases, deletedKeyIds } = JSON.parse(
    JSON.stringify({ aliases: s.aliases, deletedKeyIds: s.deletedKeyIds }),
  ) as Pick<KmsState, 'aliases' | 'deletedKeyIds'>;
  return { format: STATE_FORMAT, version: STATE_VERSION, keys, aliases, grants: GrantTable.of(grants), deletedKeyIds };
}

/** A loaded grant has what the grant index needs (its id under its own id, a key, a grantee,
 *  operations); anything else is refused like a damaged state, never half indexed. */
function checkLoadedGrant(id: string, grant: GrantRecord): GrantRecord {
  if (
    grant === null ||
    typeof grant !== 'object' ||
    grant.grantId !== id ||
    typeof grant.keyId !== 'string' ||
    typeof grant.granteePrincipal !== 'string' ||
    !Array.isArray(grant.operations) ||
    (grant.name !== undefined && typeof grant.name !== 'string')
  ) {
    throw new Error(
      `LocalKms: the store's grant ${JSON.stringify(id)} is not a grant record (grantId, keyId, granteePrincipal, operations)`,
    );
  }
  return grant;
}

/** Material as the store gave it: base64 (the stored form) decoded into bytes, or bytes (a store
 *  that keeps the state in memory) copied so the store's own copy stays the store's. */
function loadedMaterial(record: { material?: unknown }, keyId: string): Uint8Array {
  const m = record.material;
  let bytes: Uint8Array | undefined;
  if (m instanceof Uint8Array) bytes = m.slice();
  else if (typeof m === 'string') {
    try {
      bytes = fromBase64(m);
    } catch {
      bytes = undefined;
    }
  }
  if (bytes === undefined || bytes.length !== KEY_MATERIAL_BYTES) {
    bytes?.fill(0);
    // Names the rule and the key, never the value.
    throw new Error(
      `LocalKms: the store's key ${keyId} holds key material that is not ${KEY_MATERIAL_BYTES} bytes of base64`,
    );
  }
  return bytes;
}
