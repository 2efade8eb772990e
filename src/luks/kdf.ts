// Passphrase → keyslot key: PBKDF2 (WebCrypto, native in every runtime) and Argon2i/Argon2id
// (hash-wasm: Argon2 compiled to WebAssembly; 3.4–4× faster than @noble/hashes' JavaScript
// Argon2 in measurements made for this choice, see the README's LUKS2 section). Costs come
// from an untrusted header, so they are bounded before anything runs: a hostile header must not
// take minutes or gigabytes. The defaults accept what cryptsetup chooses on a fast machine
// (1 GiB, 4 passes, 4 lanes) and refuse more; callers raise or lower them with `kdfLimits`.
//
// Not constant time by nature: Argon2id's second half and Argon2d address memory by data; the
// inputs are a passphrase and a public salt, and the algorithm is what LUKS2 specifies.
//
// hash-wasm is imported on the first Argon2 keyslot, not with the module: it embeds its wasm
// and costs ~25 ms to load, which `import('atrest/luks')` and PBKDF2 keyslots need not pay.

import { KdfLimitError } from './errors.js';
import type { Kdf } from './metadata.js';

export interface KdfLimits {
  /** Largest Argon2 memory, KiB. Default 1048576 (1 GiB, cryptsetup's default maximum). */
  maxMemoryKiB?: number;
  /** Largest Argon2 memory × passes, KiB. Default 4 GiB·passes (1 GiB × 4): about 30 s here. */
  maxArgonWorkKiB?: number;
  /** Most Argon2 lanes. Default 16 (cryptsetup uses at most 4). */
  maxLanes?: number;
  /** Most PBKDF2 iterations (keyslots and digests). Default 2^24 (a few seconds native). */
  maxIterations?: number;
}

export interface CheckedKdfLimits {
  maxMemoryKiB: number;
  maxArgonWorkKiB: number;
  maxLanes: number;
  maxIterations: number;
}

export const DEFAULT_KDF_LIMITS: CheckedKdfLimits = Object.freeze({
  maxMemoryKiB: 1 << 20,
  maxArgonWorkKiB: 4 << 20,
  maxLanes: 16,
  maxIterations: 1 << 24,
});

export function checkKdfLimits(value: unknown, what: string): CheckedKdfLimits {
  if (value === undefined) return DEFAULT_KDF_LIMITS;
  if (typeof value !== 'object' || value === null) throw new TypeError(`${what}: kdfLimits must be an object`);
  const v = value as Record<string, unknown>;
  const out = { ...DEFAULT_KDF_LIMITS };
  for (const k of Object.keys(DEFAULT_KDF_LIMITS) as (keyof CheckedKdfLimits)[]) {
    const x = v[k];
    if (x === undefined) continue;
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1)
      throw new RangeError(`${what}: kdfLimits.${k} must be a positive integer`);
    out[k] = x;
  }
  return out;
}

/** Throws KdfLimitError when `kdf` costs more than `limits` allow. */
export function checkKdfCost(kdf: Kdf, limits: CheckedKdfLimits, what: string): void {
  if (kdf.type === 'pbkdf2') {
    if (kdf.iterations > limits.maxIterations) {
      throw new KdfLimitError(
        `${what}: pbkdf2 with ${kdf.iterations} iterations exceeds the limit of ${limits.maxIterations} (kdfLimits.maxIterations)`,
      );
    }
    return;
  }
  if (kdf.memory > limits.maxMemoryKiB) {
    throw new KdfLimitError(
      `${what}: ${kdf.type} asks for ${kdf.memory} KiB of memory; the limit is ${limits.maxMemoryKiB} KiB (kdfLimits.maxMemoryKiB)`,
    );
  }
  if (kdf.memory * kdf.time > limits.maxArgonWorkKiB) {
    throw new KdfLimitError(
      `${what}: ${kdf.type} with ${kdf.memory} KiB × ${kdf.time} passes exceeds the limit of ${limits.maxArgonWorkKiB} KiB·passes (kdfLimits.maxArgonWorkKiB)`,
    );
  }
  if (kdf.cpus > limits.maxLanes)
    throw new KdfLimitError(
      `${what}: ${kdf.type} with ${kdf.cpus} lanes exceeds the limit of ${limits.maxLanes} (kdfLimits.maxLanes)`,
    );
  if (kdf.memory < 8 * kdf.cpus)
    throw new KdfLimitError(`${what}: ${kdf.type} memory ${kdf.memory} KiB is below 8 KiB per lane (RFC 9106)`);
}

export async function pbkdf2(
  hash: string,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  const name = { sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' }[hash];
  if (name === undefined) throw new RangeError(`pbkdf2: unknown hash ${hash}`);
  const key = await crypto.subtle.importKey('raw', password as Uint8Array<ArrayBuffer>, 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: name, salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

/** The keyslot key (`length` bytes) from a passphrase; the caller has checked the cost. */
export async function deriveKeyslotKey(kdf: Kdf, passphrase: Uint8Array, length: number): Promise<Uint8Array> {
  if (kdf.type === 'pbkdf2') return pbkdf2(kdf.hash, passphrase, kdf.salt, kdf.iterations, length);
  const { argon2i, argon2id } = await import('hash-wasm');
  const run = kdf.type === 'argon2id' ? argon2id : argon2i;
  return run({
    password: passphrase,
    salt: kdf.salt,
    iterations: kdf.time,
    memorySize: kdf.memory,
    parallelism: kdf.cpus,
    hashLength: length,
    outputType: 'binary',
  });
}
