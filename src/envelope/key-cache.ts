// The unwrapped-data-key cache (EnvelopePolicy.keyCache): an application that opens the same
// volume often may keep its data key in memory for maxAgeMs and maxUses opens instead of asking
// the key service each time. Off unless the policy asks for it.
//
// Entries are kept per KmsClient object: a key unwrapped by one client (one principal) is never
// handed to another, whose own Decrypt the key policy might refuse. Entries are keyed by the
// wrapped key (ARN, blob, context), so a changed header never hits a stale entry. Expired and
// used-up entries are zeroed when next seen; clearKeyCache() zeroes everything now.

import type { EncryptionContext, KmsClient } from '../kms/types.js';
import { toHex } from '../utils/bytes.js';
import type { KeyCachePolicy } from './policy.js';

interface Entry {
  dataKey: Uint8Array;
  expiresAt: number;
  usesLeft: number;
}

const byClient = new WeakMap<KmsClient, Map<string, Entry>>();
/** Every live entry's map, so clearKeyCache() can reach them (WeakMaps cannot be iterated). */
const liveMaps = new Set<Map<string, Entry>>();

function cacheKey(keyArn: string, blob: Uint8Array, context: EncryptionContext): string {
  const pairs = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([keyArn, toHex(blob), pairs]);
}

function drop(map: Map<string, Entry>, key: string, entry: Entry): void {
  entry.dataKey.fill(0);
  map.delete(key);
  if (map.size === 0) liveMaps.delete(map);
}

/** A copy of a cached data key (counting one use), or undefined. */
export function takeCachedDataKey(
  kms: KmsClient,
  keyArn: string,
  blob: Uint8Array,
  context: EncryptionContext,
  now = Date.now(),
): Uint8Array | undefined {
  const map = byClient.get(kms);
  if (map === undefined) return undefined;
  const key = cacheKey(keyArn, blob, context);
  const entry = map.get(key);
  if (entry === undefined) return undefined;
  if (now >= entry.expiresAt || entry.usesLeft <= 0) {
    drop(map, key, entry);
    return undefined;
  }
  entry.usesLeft -= 1;
  const copy = entry.dataKey.slice();
  if (entry.usesLeft === 0) drop(map, key, entry);
  return copy;
}

/** Remembers a copy of a freshly unwrapped data key (that unwrap counts as its first use). */
export function cacheDataKey(
  kms: KmsClient,
  policy: KeyCachePolicy,
  keyArn: string,
  blob: Uint8Array,
  context: EncryptionContext,
  dataKey: Uint8Array,
  now = Date.now(),
): void {
  if (policy.maxUses <= 1) return;
  let map = byClient.get(kms);
  if (map === undefined) {
    map = new Map();
    byClient.set(kms, map);
  }
  const key = cacheKey(keyArn, blob, context);
  const old = map.get(key);
  if (old !== undefined) old.dataKey.fill(0);
  map.set(key, { dataKey: dataKey.slice(), expiresAt: now + policy.maxAgeMs, usesLeft: policy.maxUses - 1 });
  liveMaps.add(map);
}

/** Zeroes and forgets every cached data key. */
export function clearKeyCache(): void {
  for (const map of liveMaps) {
    for (const entry of map.values()) entry.dataKey.fill(0);
    map.clear();
  }
  liveMaps.clear();
}
