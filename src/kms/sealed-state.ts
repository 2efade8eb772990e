// The sealed keystore format: LocalKms's JSON state encrypted with AES-256-GCM (the engine's)
// under a key derived from a 32-byte root key or a passphrase.
//
// Layout, format version 1 (all of it before the ciphertext is authenticated as GCM's AAD, so
// no header byte can be changed without the tag failing):
//
//   offset  size  field
//        0     8  magic "ATRESTKS"
//        8     1  format version (1)
//        9     1  KDF: 0 = raw root key (no stretching), 1 = scrypt
//       10     1  scrypt log2(N)  (0 for a raw root key)
//       11     1  scrypt r        (0 for a raw root key)
//       12     1  scrypt p        (0 for a raw root key)
//       13    16  salt (random per keystore; scrypt's salt and HKDF's salt)
//       29    16  key check: tells "wrong key" apart from "damaged file"
//       45     8  header checksum: SHA-256 of bytes 0–44, first 8 bytes
//       53    12  GCM nonce (random per save)
//       65     …  GCM ciphertext of the UTF-8 JSON state ‖ 16-byte tag
//
// Keys: master = rootKey, or scrypt(passphrase NFC-normalized, salt, N, r, p, 32 bytes).
// From master, HKDF-SHA256 (salt = the header's salt) derives two independent values: the
// 32-byte AES-256-GCM state key and the 16-byte key check. The check lets a wrong secret fail
// with KeystoreAuthenticationError before any decryption is tried, while a right secret with a
// failing tag means the bytes changed: KeystoreCorruptError. Storing the check gives a guesser
// nothing the GCM tag would not: every guess still costs one scrypt. The unkeyed header
// checksum covers the bytes the key check depends on (KDF, salt, the check itself), so damage
// there reads as "corrupt", not as "wrong key"; it is no defence against a deliberate edit
// (anyone can recompute it) — the GCM tag over the whole header is.
//
// A derived key is kept in a StateSealer for the life of an open store: scrypt runs once per
// open, then every save reuses the salt and key with a fresh random nonce (a store is written
// far fewer than the 2^32 times after which random 96-bit nonces would start to risk a repeat).

import { hkdf } from '@noble/hashes/hkdf.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { sharedEngine } from '../engine/shared-engine.js';
import { AuthenticationError } from '../engine/errors.js';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, type Gcm } from '../engine/gcm.js';
import { equalBytes, utf8 } from '../utils/bytes.js';
import { KeystoreAuthenticationError, KeystoreCorruptError } from './keystore-errors.js';
import { stateJson } from './state.js';

/** The secret a keystore is sealed under: a 32-byte root key, or a passphrase (stretched with
 *  scrypt; its parameters and salt are stored in the keystore's header). */
export type KeystoreSecret = { rootKey: Uint8Array } | { passphrase: string };

/** scrypt cost parameters (RFC 7914). Memory used is 128 · N · r bytes. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface SealOptions {
  /** scrypt parameters for a new passphrase-sealed keystore (ignored for a root key).
   *  Default DEFAULT_SCRYPT. An existing keystore always uses the parameters in its header. */
  scrypt?: ScryptParams;
}

/** N = 2^15, r = 8, p = 1: 32 MiB of memory and about 0.2–0.3 s in Node, Deno and Chromium on
 *  a 2-core server (scrypt from @noble/hashes is plain JavaScript). It runs once per open, so
 *  an interactive open stays well under a second, while each offline guess of the passphrase
 *  costs the same 32 MiB and fraction of a second. Raise N for a keystore that is opened
 *  rarely; 2^17 (OWASP's figure) costs about a second here. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

export const KEYSTORE_MAGIC = 'ATRESTKS';
export const KEYSTORE_FORMAT_VERSION = 1;

const KDF_RAW = 0;
const KDF_SCRYPT = 1;
const SALT_BYTES = 16;
const CHECK_BYTES = 16;
const NONCE_BYTES = GCM_NONCE_BYTES;
const TAG_BYTES = GCM_TAG_BYTES;
const OFF_VERSION = 8;
const OFF_KDF = 9;
const OFF_SCRYPT = 10;
const OFF_SALT = 13;
const OFF_CHECK = OFF_SALT + SALT_BYTES;
const OFF_CHECKSUM = OFF_CHECK + CHECK_BYTES;
const CHECKSUM_BYTES = 8;
const OFF_NONCE = OFF_CHECKSUM + CHECKSUM_BYTES;
/** Bytes before the ciphertext: the whole header, authenticated as AAD. */
export const KEYSTORE_HEADER_BYTES = OFF_NONCE + NONCE_BYTES;

// Bounds on scrypt parameters, for new keystores and for headers read from disk alike: a
// damaged or hostile header must not make an open allocate hundreds of MiB or run for a minute
// before it can say "wrong passphrase". Memory is 128 · N · r bytes, work is proportional to
// N · r · p. The bounds allow twice the default's memory (64 MiB) and four times its work
// (N · r · p ≤ 2^20, about 1 s where the default takes 0.25 s); anything above is refused
// before scrypt runs, as a corrupt keystore.
const MIN_LOG_N = 10;
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_SCRYPT_MEMORY = 64 * 1024 * 1024;
const MAX_SCRYPT_WORK = 2 ** 20;

const INFO_STATE_KEY = utf8('atrest keystore v1: state key');
const INFO_KEY_CHECK = utf8('atrest keystore v1: key check');

/** A key derived for one keystore (one salt and KDF): seals and opens its state. */
export class StateSealer {
  private disposed = false;

  private constructor(
    /** The header bytes up to the nonce: magic, version, KDF descriptor, salt, key check,
     *  checksum — the same in every save of one keystore. */
    private readonly prefix: Uint8Array,
    private readonly gcm: Gcm,
  ) {}

  /** A sealer for a new keystore: fresh random salt; scrypt runs here for a passphrase. */
  static async create(secret: KeystoreSecret, options: SealOptions = {}): Promise<StateSealer> {
    const s = checkSecret(secret, 'StateSealer.create');
    const params =
      'passphrase' in s
        ? checkScryptParams(options?.scrypt ?? DEFAULT_SCRYPT, 'StateSealer.create: scrypt')
        : undefined;
    const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
    const kdf: KdfDescriptor = params ? { kind: KDF_SCRYPT, ...params, salt } : { kind: KDF_RAW, salt };
    const keys = await deriveKeys(s, kdf);
    const prefix = new Uint8Array(OFF_NONCE);
    writeKdfHeader(prefix, kdf);
    prefix.set(keys.check, OFF_CHECK);
    prefix.set(headerChecksum(prefix), OFF_CHECKSUM);
    return StateSealer.fromKeys(prefix, keys);
  }

  /** The sealer of an existing keystore: reads the KDF descriptor and salt from `sealed`'s
   *  header, derives the key (scrypt runs here for a passphrase) and checks it.
   *  @throws KeystoreCorruptError when the header is not a readable keystore header.
   *  @throws KeystoreAuthenticationError when the secret is not this keystore's. */
  static async forSealed(sealed: Uint8Array, secret: KeystoreSecret): Promise<StateSealer> {
    const s = checkSecret(secret, 'StateSealer.forSealed');
    const kdf = readHeader(sealed);
    if (kdf.kind === KDF_RAW && 'passphrase' in s) {
      throw new KeystoreAuthenticationError(
        'keystore: this keystore is sealed under a 32-byte root key, but a passphrase was given',
      );
    }
    if (kdf.kind === KDF_SCRYPT && 'rootKey' in s) {
      throw new KeystoreAuthenticationError(
        'keystore: this keystore is sealed under a passphrase, but a root key was given',
      );
    }
    const keys = await deriveKeys(s, kdf);
    if (!equalBytes(keys.check, sealed.subarray(OFF_CHECK, OFF_CHECKSUM))) {
      keys.stateKey.fill(0);
      throw new KeystoreAuthenticationError(
        `keystore: wrong ${'passphrase' in s ? 'passphrase' : 'root key'}: it does not open this keystore (nothing was decrypted or written)`,
      );
    }
    return StateSealer.fromKeys(sealed.slice(0, OFF_NONCE), keys);
  }

  private static async fromKeys(prefix: Uint8Array, keys: DerivedKeys): Promise<StateSealer> {
    try {
      return new StateSealer(prefix, (await sharedEngine()).gcm(keys.stateKey));
    } finally {
      keys.stateKey.fill(0); // the engine holds its own copy (its key schedule)
    }
  }

  /** Whether `sealed` was written with this sealer's salt and KDF (so open() can read it
   *  without deriving again). False for bytes too short to hold a header. */
  matches(sealed: Uint8Array): boolean {
    return (
      sealed instanceof Uint8Array &&
      sealed.length >= OFF_NONCE &&
      equalBytes(sealed.subarray(0, OFF_NONCE), this.prefix)
    );
  }

  /** Seals a JSON-compatible state (Uint8Arrays, the key material, as base64): header ‖
   *  GCM(JSON) with a fresh random nonce. The JSON text is a string while it is encoded — the
   *  one unwipeable copy of the key material a save makes; its UTF-8 bytes are zeroed. */
  seal(state: unknown): Uint8Array {
    this.usable('seal');
    const plaintext = utf8(toJson(state));
    const header = new Uint8Array(KEYSTORE_HEADER_BYTES);
    header.set(this.prefix);
    crypto.getRandomValues(header.subarray(OFF_NONCE));
    const body = this.gcm.seal(header.subarray(OFF_NONCE), plaintext, header);
    plaintext.fill(0);
    const out = new Uint8Array(header.length + body.length);
    out.set(header);
    out.set(body, header.length);
    return out;
  }

  /** Opens bytes that seal() wrote (with this salt and key) and returns the state.
   *  @throws KeystoreCorruptError when the header or the authentication tag does not match. */
  open(sealed: Uint8Array): unknown {
    this.usable('open');
    readHeader(sealed); // a clear message for a truncated or foreign file
    if (!this.matches(sealed)) {
      throw new KeystoreCorruptError(
        'keystore is corrupt: its header (salt, KDF or key check) changed since it was opened',
      );
    }
    const header = sealed.subarray(0, KEYSTORE_HEADER_BYTES);
    let plaintext: Uint8Array;
    try {
      plaintext = this.gcm.open(header.subarray(OFF_NONCE), sealed.subarray(KEYSTORE_HEADER_BYTES), header);
    } catch (err) {
      if (err instanceof AuthenticationError) {
        throw new KeystoreCorruptError(
          'keystore is corrupt: the key is right but authentication failed, so its bytes were modified or damaged after they were written',
        );
      }
      throw err;
    }
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
    } catch {
      throw new KeystoreCorruptError('keystore is corrupt: the decrypted state is not UTF-8 JSON');
    } finally {
      plaintext.fill(0);
    }
  }

  /** Zeroes the key (the engine's key schedule); later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.gcm.dispose();
  }

  private usable(what: string): void {
    if (this.disposed) throw new Error(`StateSealer.${what}: the sealer was disposed (its store was closed)`);
  }
}

/** One-shot sealing of a state under a secret (derives the key each call: scrypt for a
 *  passphrase). Stores use StateSealer to derive once per open. */
export async function sealState(
  state: unknown,
  secret: KeystoreSecret,
  options: SealOptions = {},
): Promise<Uint8Array> {
  const sealer = await StateSealer.create(secret, options);
  try {
    return sealer.seal(state);
  } finally {
    sealer.dispose();
  }
}

/** One-shot opening of bytes sealState (or a store) wrote.
 *  @throws KeystoreAuthenticationError for a wrong root key or passphrase.
 *  @throws KeystoreCorruptError for bytes that are not an intact keystore. */
export async function openSealedState(sealed: Uint8Array, secret: KeystoreSecret): Promise<unknown> {
  const sealer = await StateSealer.forSealed(sealed, secret);
  try {
    return sealer.open(sealed);
  } finally {
    sealer.dispose();
  }
}

/** Validates a KeystoreSecret and returns a private copy (a root key the caller later zeroes
 *  must not change ours; a passphrase is NFC-normalized so the same words typed on different
 *  systems give the same key). */
export function checkSecret(secret: unknown, what: string): KeystoreSecret {
  if (secret === null || typeof secret !== 'object') {
    throw new TypeError(
      `${what}: the secret must be { rootKey: Uint8Array } or { passphrase: string }, got ${secret === null ? 'null' : typeof secret}`,
    );
  }
  const hasKey = 'rootKey' in secret && (secret as { rootKey?: unknown }).rootKey !== undefined;
  const hasPass = 'passphrase' in secret && (secret as { passphrase?: unknown }).passphrase !== undefined;
  if (hasKey === hasPass) {
    throw new TypeError(`${what}: give exactly one of rootKey (32 bytes) or passphrase (a non-empty string)`);
  }
  if (hasKey) {
    const key = (secret as { rootKey: unknown }).rootKey;
    if (!(key instanceof Uint8Array)) throw new TypeError(`${what}: rootKey must be a Uint8Array`);
    if (key.length !== 32) throw new RangeError(`${what}: rootKey must be 32 bytes (a 256-bit key), got ${key.length}`);
    return { rootKey: key.slice() };
  }
  const pass = (secret as { passphrase: unknown }).passphrase;
  if (typeof pass !== 'string') throw new TypeError(`${what}: passphrase must be a string, got ${typeof pass}`);
  if (pass.length === 0) throw new RangeError(`${what}: passphrase must not be empty`);
  return { passphrase: pass.normalize('NFC') };
}

/** Zeroes a secret copy made by checkSecret (a string cannot be wiped; it is only dropped). */
export function wipeSecret(secret: KeystoreSecret | undefined): void {
  if (secret && 'rootKey' in secret) secret.rootKey.fill(0);
}

// ---- header ---------------------------------------------------------------------------------

type KdfDescriptor =
  { kind: typeof KDF_RAW; salt: Uint8Array } | ({ kind: typeof KDF_SCRYPT; salt: Uint8Array } & ScryptParams);

function writeKdfHeader(out: Uint8Array, kdf: KdfDescriptor): void {
  out.set(utf8(KEYSTORE_MAGIC), 0);
  out[OFF_VERSION] = KEYSTORE_FORMAT_VERSION;
  out[OFF_KDF] = kdf.kind;
  if (kdf.kind === KDF_SCRYPT) {
    out[OFF_SCRYPT] = Math.log2(kdf.N);
    out[OFF_SCRYPT + 1] = kdf.r;
    out[OFF_SCRYPT + 2] = kdf.p;
  }
  out.set(kdf.salt, OFF_SALT);
}

/** Parses and bounds-checks the header; KeystoreCorruptError for anything unreadable. */
function readHeader(sealed: unknown): KdfDescriptor {
  if (!(sealed instanceof Uint8Array)) throw new TypeError('keystore: sealed state must be a Uint8Array');
  if (sealed.length < KEYSTORE_HEADER_BYTES + TAG_BYTES) {
    throw new KeystoreCorruptError(
      `keystore is corrupt: ${sealed.length} bytes is shorter than the smallest keystore (${KEYSTORE_HEADER_BYTES + TAG_BYTES} bytes): truncated?`,
    );
  }
  const magic = utf8(KEYSTORE_MAGIC);
  if (!equalBytes(sealed.subarray(0, magic.length), magic)) {
    throw new KeystoreCorruptError(
      `keystore is corrupt: it does not start with "${KEYSTORE_MAGIC}", so it is not an atrest keystore`,
    );
  }
  const version = sealed[OFF_VERSION]!;
  if (version !== KEYSTORE_FORMAT_VERSION) {
    throw new KeystoreCorruptError(
      `keystore is corrupt or newer than this atrest: format version ${version}, this version reads ${KEYSTORE_FORMAT_VERSION}`,
    );
  }
  if (!equalBytes(headerChecksum(sealed), sealed.subarray(OFF_CHECKSUM, OFF_NONCE))) {
    throw new KeystoreCorruptError(
      'keystore is corrupt: its header checksum does not match (damaged KDF, salt or key check)',
    );
  }
  const salt = sealed.slice(OFF_SALT, OFF_SALT + SALT_BYTES);
  const kind = sealed[OFF_KDF]!;
  const [logN, r, p] = [sealed[OFF_SCRYPT]!, sealed[OFF_SCRYPT + 1]!, sealed[OFF_SCRYPT + 2]!];
  if (kind === KDF_RAW) {
    if (logN !== 0 || r !== 0 || p !== 0)
      throw new KeystoreCorruptError('keystore is corrupt: scrypt parameters are set in a root-key header');
    return { kind, salt };
  }
  if (kind === KDF_SCRYPT) {
    const params = { N: 2 ** logN, r, p };
    try {
      checkScryptParams(params, 'header');
    } catch (err) {
      throw new KeystoreCorruptError(
        `keystore is corrupt: its scrypt parameters are out of bounds (${(err as Error).message})`,
      );
    }
    return { kind, salt, ...params };
  }
  throw new KeystoreCorruptError(`keystore is corrupt: unknown KDF ${kind} (0 = root key, 1 = scrypt)`);
}

/** SHA-256 of the header up to the checksum field, first 8 bytes. */
function headerChecksum(header: Uint8Array): Uint8Array {
  return sha256(header.subarray(0, OFF_CHECKSUM)).subarray(0, CHECKSUM_BYTES);
}

function checkScryptParams(params: unknown, what: string): ScryptParams {
  if (params === null || typeof params !== 'object') throw new TypeError(`${what} must be an object { N, r, p }`);
  const { N, r, p } = params as Partial<ScryptParams>;
  for (const [name, v] of [
    ['N', N],
    ['r', r],
    ['p', p],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new TypeError(`${what}.${name} must be an integer, got ${String(v)}`);
  }
  const n = N as number;
  if (!(n >= 2 ** MIN_LOG_N && n <= 2 ** MAX_LOG_N && Number.isInteger(Math.log2(n)))) {
    throw new RangeError(`${what}.N must be a power of two from 2^${MIN_LOG_N} to 2^${MAX_LOG_N}, got ${n}`);
  }
  if ((r as number) < 1 || (r as number) > MAX_R) throw new RangeError(`${what}.r must be 1 to ${MAX_R}, got ${r}`);
  if ((p as number) < 1 || (p as number) > MAX_P) throw new RangeError(`${what}.p must be 1 to ${MAX_P}, got ${p}`);
  if (128 * n * (r as number) > MAX_SCRYPT_MEMORY) {
    throw new RangeError(
      `${what}: 128 · N · r must be at most ${MAX_SCRYPT_MEMORY / 2 ** 20} MiB of scrypt memory, got ${(128 * n * (r as number)) / 2 ** 20} MiB`,
    );
  }
  if (n * (r as number) * (p as number) > MAX_SCRYPT_WORK) {
    throw new RangeError(
      `${what}: N · r · p must be at most 2^20 (four times the default's work), got 2^${Math.log2(n * (r as number) * (p as number)).toFixed(1)}`,
    );
  }
  return { N: n, r: r as number, p: p as number };
}

// ---- keys -----------------------------------------------------------------------------------

interface DerivedKeys {
  stateKey: Uint8Array;
  check: Uint8Array;
}

async function deriveKeys(secret: KeystoreSecret, kdf: KdfDescriptor): Promise<DerivedKeys> {
  const master =
    'rootKey' in secret
      ? secret.rootKey.slice()
      : await scryptAsync(utf8((secret as { passphrase: string }).passphrase), kdf.salt, {
          N: (kdf as ScryptParams).N,
          r: (kdf as ScryptParams).r,
          p: (kdf as ScryptParams).p,
          dkLen: 32,
        });
  try {
    return {
      stateKey: hkdf(sha256, master, kdf.salt, INFO_STATE_KEY, 32),
      check: hkdf(sha256, master, kdf.salt, INFO_KEY_CHECK, CHECK_BYTES),
    };
  } finally {
    master.fill(0);
  }
}

// ---- helpers --------------------------------------------------------------------------------

function toJson(state: unknown): string {
  let json: string | undefined;
  try {
    json = stateJson(state);
  } catch (err) {
    throw new TypeError(`keystore: the state must be JSON-compatible (${(err as Error).message})`);
  }
  if (json === undefined) throw new TypeError(`keystore: the state must be JSON-compatible, got ${typeof state}`);
  return json;
}
