// The LUKS anti-forensic information splitter (AF, from LUKS1, kept by LUKS2): a key of n bytes
// is stored as `stripes` blocks of n bytes, all needed to recover it, so destroying any part
// of a keyslot's area destroys the key even on media that remap sectors. Merge: d = 0; for each
// of the first stripes−1 blocks s_i, d = H(d ⊕ s_i); the key is d ⊕ s_last. H "diffuses" a block
// by hashing it in digest-sized pieces, piece j as hash(be32(j) ‖ piece), the last piece
// truncated.
//
// Constant time: the loops run over public sizes only; bytes are combined with XOR and hashed,
// never used as an index or a branch condition.

import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';

type Hash = ((msg: Uint8Array) => Uint8Array) & { outputLen: number };
const HASHES: Record<string, Hash> = { sha1, sha256, sha512 };

function hashOf(name: string): Hash {
  const h = HASHES[name];
  if (h === undefined) throw new RangeError(`anti-forensic splitter: unknown hash ${name}`);
  return h;
}

function diffuse(block: Uint8Array, hash: Hash): void {
  const size = hash.outputLen;
  const piece = new Uint8Array(4 + size);
  for (let j = 0, at = 0; at < block.length; j++, at += size) {
    const n = Math.min(size, block.length - at);
    new DataView(piece.buffer).setUint32(0, j);
    piece.set(block.subarray(at, at + n), 4);
    block.set(hash(piece.subarray(0, 4 + n)).subarray(0, n), at);
  }
  piece.fill(0);
}

/** The key from `material` (stripes × keySize bytes). */
export function afMerge(material: Uint8Array, keySize: number, stripes: number, hashName: string): Uint8Array {
  const hash = hashOf(hashName);
  const d = new Uint8Array(keySize);
  for (let i = 0; i < stripes - 1; i++) {
    const s = material.subarray(i * keySize, (i + 1) * keySize);
    for (let k = 0; k < keySize; k++) d[k]! ^= s[k]!;
    diffuse(d, hash);
  }
  const last = material.subarray((stripes - 1) * keySize, stripes * keySize);
  for (let k = 0; k < keySize; k++) d[k]! ^= last[k]!;
  return d;
}

/** stripes × key.length bytes: random stripes, the last chosen so afMerge returns `key`. */
export function afSplit(key: Uint8Array, stripes: number, hashName: string): Uint8Array {
  const hash = hashOf(hashName);
  const n = key.length;
  const material = new Uint8Array(n * stripes);
  for (let at = 0; at < (stripes - 1) * n; at += 65536)
    crypto.getRandomValues(material.subarray(at, Math.min(at + 65536, (stripes - 1) * n)));
  const d = new Uint8Array(n);
  for (let i = 0; i < stripes - 1; i++) {
    const s = material.subarray(i * n, (i + 1) * n);
    for (let k = 0; k < n; k++) d[k]! ^= s[k]!;
    diffuse(d, hash);
  }
  for (let k = 0; k < n; k++) material[(stripes - 1) * n + k] = d[k]! ^ key[k]!;
  d.fill(0);
  return material;
}
