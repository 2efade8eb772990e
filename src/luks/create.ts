// Creating LUKS2 containers: the header layout cryptsetup itself writes (two copies of
// metadataSize bytes, a keyslots area, the data segment after it — or at 0 with a detached
// header), a fresh random volume key, a pbkdf2 digest of it, and a first keyslot (passphrase)
// and/or an atrest-kms token. KDF choices for new keyslots are fixed, not benchmarked:
// argon2id 64 MiB × 4 passes × 1 lane, or pbkdf2-sha256 with 600 000 iterations (both well
// under a second with atrest's implementations; cryptsetup opens both).

import type { BlockStore } from '../storage/block-store.js';
import { HEADER_SIZES, writeHeader, type HeaderFields } from './binary-header.js';
import { LuksContainer, LuksKey } from './container.js';
import { checkKdfLimits, pbkdf2, type KdfLimits } from './kdf.js';
import type { KmsTokenOptions } from './kms-token.js';
import { SECTOR_SIZES, toBase64, type Kdf } from './metadata.js';

export interface PbkdfChoice {
  type?: 'argon2id' | 'argon2i' | 'pbkdf2';
  /** argon2: passes (default 4), memory in KiB (default 65536), lanes (default 1). */
  time?: number;
  memory?: number;
  cpus?: number;
  /** pbkdf2: hash (sha256 or sha512; also the AF hash) and iterations (default 600000). */
  hash?: string;
  iterations?: number;
}

export interface CreateLuksOptions {
  /** Bytes of the data segment: a multiple of sectorSize. */
  size: number;
  sectorSize?: number;
  /** 64 (aes-xts-plain64 with AES-256, the default) or 32 (AES-128). */
  keySize?: number;
  passphrase?: string | Uint8Array;
  pbkdf?: PbkdfChoice;
  /** An atrest-kms token (and its keyslot) made at once. */
  kms?: KmsTokenOptions;
  /** A detached header store: the data segment then starts at 0 of `store`. */
  header?: BlockStore;
  /** Bytes of each header copy: 16384 (default) … 4 MiB. */
  metadataSize?: number;
  /** Bytes of the keyslots area: a multiple of 4096 (default 16 MiB − 32 KiB, as cryptsetup). */
  keyslotsSize?: number;
  label?: string;
  /** The volume key to use instead of a random one (as cryptsetup's --volume-key-file). */
  volumeKey?: Uint8Array;
  kdfLimits?: KdfLimits;
}

export const DEFAULT_KEYSLOTS_SIZE = 16 * 1024 * 1024 - 2 * 16384;
const DIGEST_ITERATIONS = 100_000;

export function passphraseBytes(value: unknown, what: string): Uint8Array {
  if (typeof value === 'string') {
    if (value.length === 0) throw new RangeError(`${what}: the passphrase must not be empty`);
    return new TextEncoder().encode(value);
  }
  if (value instanceof Uint8Array) {
    if (value.length === 0) throw new RangeError(`${what}: the passphrase must not be empty`);
    return new Uint8Array(value); // a copy (Buffer#slice would be a view)
  }
  throw new TypeError(`${what}: passphrase must be a string or a Uint8Array`);
}

/** The KDF of a new keyslot, with a fresh salt. */
export function kdfFor(choice: PbkdfChoice | undefined, what: string): Kdf {
  const c = choice ?? {};
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const int = (v: unknown, dflt: number, min: number, name: string) => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      throw new RangeError(`${what}: pbkdf.${name} must be an integer ≥ ${min}`);
    return v;
  };
  const type = c.type ?? 'argon2id';
  if (type === 'pbkdf2') {
    const hash = c.hash ?? 'sha256';
    if (hash !== 'sha256' && hash !== 'sha512') throw new RangeError(`${what}: pbkdf.hash must be sha256 or sha512`);
    return { type, hash, iterations: int(c.iterations, 600_000, 1000, 'iterations'), salt };
  }
  if (type !== 'argon2id' && type !== 'argon2i')
    throw new RangeError(`${what}: pbkdf.type must be argon2id, argon2i or pbkdf2`);
  const cpus = int(c.cpus, 1, 1, 'cpus');
  return {
    type,
    time: int(c.time, 4, 4, 'time'),
    memory: int(c.memory, 65536, Math.max(32, 8 * cpus), 'memory'),
    cpus,
    salt,
  };
}

export async function createLuks(
  store: BlockStore,
  options: CreateLuksOptions,
): Promise<{ container: LuksContainer; key: LuksKey }> {
  const what = 'createLuks';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be an object`);
  const o = options;
  if (o.passphrase === undefined && o.kms === undefined)
    throw new RangeError(`${what}: give a passphrase, a kms token, or both`);
  const sectorSize = o.sectorSize ?? 512;
  if (!SECTOR_SIZES.includes(sectorSize)) throw new RangeError(`${what}: sectorSize must be 512, 1024, 2048 or 4096`);
  const size = o.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < sectorSize || size % sectorSize !== 0) {
    throw new RangeError(`${what}: size must be a positive multiple of the sector size (${sectorSize})`);
  }
  const hdrSize = o.metadataSize ?? 16384;
  if (!(HEADER_SIZES as readonly number[]).includes(hdrSize))
    throw new RangeError(`${what}: metadataSize must be a power of two from 16384 to 4194304`);
  const keyslotsSize = o.keyslotsSize ?? DEFAULT_KEYSLOTS_SIZE;
  if (!Number.isSafeInteger(keyslotsSize) || keyslotsSize <= 0 || keyslotsSize % 4096 !== 0)
    throw new RangeError(`${what}: keyslotsSize must be a positive multiple of 4096`);
  const keySize = o.volumeKey?.length ?? o.keySize ?? 64;
  if (keySize !== 32 && keySize !== 64)
    throw new RangeError(`${what}: the volume key must be 32 or 64 bytes (aes-xts-plain64)`);
  const header = o.header ?? store;
  if ((await header.size()) !== 0) {
    throw new RangeError(
      `${what}: the ${o.header ? 'header ' : ''}store must be empty (atrest does not overwrite data)`,
    );
  }
  const metadataEnd = 2 * hdrSize + keyslotsSize;
  const dataOffset = o.header === undefined ? Math.ceil(metadataEnd / sectorSize) * sectorSize : 0;

  const volumeKey = o.volumeKey ? new Uint8Array(o.volumeKey) : crypto.getRandomValues(new Uint8Array(keySize));
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const digest = await pbkdf2('sha256', volumeKey, salt, DIGEST_ITERATIONS, 32);
  const json: Record<string, unknown> = {
    keyslots: {},
    tokens: {},
    segments: {
      0: {
        type: 'crypt',
        offset: String(dataOffset),
        size: 'dynamic',
        iv_tweak: '0',
        encryption: 'aes-xts-plain64',
        sector_size: sectorSize,
      },
    },
    digests: {
      0: {
        type: 'pbkdf2',
        keyslots: [],
        segments: ['0'],
        hash: 'sha256',
        iterations: DIGEST_ITERATIONS,
        salt: toBase64(salt),
        digest: toBase64(digest),
      },
    },
    config: { json_size: String(hdrSize - 4096), keyslots_size: String(keyslotsSize) },
  };
  const fields: HeaderFields = {
    hdrSize,
    seqid: 1n,
    label: o.label ?? '',
    subsystem: '',
    uuid: crypto.randomUUID(),
    csumAlg: 'sha256',
  };
  // Checked now, so a bad passphrase or KDF choice fails before anything is written.
  if (o.passphrase !== undefined) passphraseBytes(o.passphrase, what).fill(0);
  kdfFor(o.pbkdf, what);
  const limits = checkKdfLimits(o.kdfLimits, what);
  const dataSizeBefore = await store.size();
  const key = new LuksKey(volumeKey, undefined);
  try {
    // The keyslots area reads as zeros until a keyslot is written; the data segment gets its size.
    await header.truncate(metadataEnd);
    await store.truncate(Math.max(o.header !== undefined ? dataSizeBefore : 0, dataOffset + size));
    await writeHeader(header, fields, json);
    const container = await LuksContainer.fromWritten(store, header, limits, fields, json);
    if (o.passphrase !== undefined) await container.addKeyslot(key, { passphrase: o.passphrase, pbkdf: o.pbkdf });
    if (o.kms !== undefined) await container.addKmsToken(key, o.kms);
    return { container, key };
  } catch (e) {
    // Nothing half-made stays behind: the header store was empty, the data store is put back to
    // its size (a detached header's data store keeps its bytes; they were not touched).
    key.dispose();
    await header.truncate(0).catch(() => {});
    if (o.header !== undefined) await store.truncate(dataSizeBefore).catch(() => {});
    throw e;
  }
}
