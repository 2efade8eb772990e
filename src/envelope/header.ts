// One header copy: its binary encoding, decoding, sealing of the secret part and the MAC.
//
// In clear, only what opening needs (magic, version, flags, lengths, sequence, cipher, sector
// size, data offset, volume id, the wrapped keys); the user metadata and the size are sealed
// with AES-256-GCM under the metadata key; HMAC-SHA-256 under the header MAC key covers every
// byte before the MAC. Both keys derive from the data key, so a header can only be checked
// after a wrapped key was unwrapped — every clear field is therefore parsed defensively and
// checked against the application policy before any key-service call.
//
// Layout (integers big-endian; docs/FORMAT.md has a hex dump):
//   magic[8] version:u16 flags:u16 headerLength:u32 copySize:u32 sequence:u64
//   cipherLen:u8 cipher sectorSize:u32 dataOffset:u64 volumeId[16]
//   wrappedKeyCount:u16 { arnLen:u16 arn  blobLen:u16 blob  pairs:u16 {kLen:u16 k vLen:u16 v}
//                         grantIdLen:u16 grantId  granteeLen:u16 grantee }*
//   sealedLen:u32 nonce[12] sealed[sealedLen]      (sealed = GCM(plaintext) ‖ tag, AAD = all bytes before sealedLen)
//   mac[32]                                        (HMAC-SHA-256 of all bytes before it)
// Sealed plaintext: hasSize:u8 size:u64 metadataJson (UTF-8, the rest).

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Gcm } from '../engine/gcm.js';
import type { EncryptionContext } from '../kms/types.js';
import { definePair } from '../kms/encryption-context.js';
import { equalBytes, randomBytes } from '../utils/bytes.js';
import {
  FORMAT_VERSION,
  GCM_TAG_BYTES,
  KNOWN_FLAGS,
  MAC_BYTES,
  MAGIC,
  NONCE_BYTES,
  PREFIX_BYTES,
  COPY_SIZE_MAX,
  COPY_SIZE_MIN,
  VOLUME_ID_BYTES,
} from './format.js';

/** The sealed plaintext starts with a flag byte (1: the size follows) and the size as a u64;
 *  the metadata JSON follows them. */
const SEALED_PREFIX_BYTES = 1 + 8;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** One KMS-wrapped copy of the volume's data key (like a LUKS keyslot). */
export interface WrappedKey {
  /** The KMS key ARN (as GenerateDataKeyWithoutPlaintext / ReEncrypt returned it). */
  keyArn: string;
  ciphertextBlob: Uint8Array;
  /** Exactly the context sent to the key service, `atrest:volume` included. */
  encryptionContext: EncryptionContext;
  /** A grant this volume created on the key (grantTo), retired by destroy(). */
  grantId?: string;
  grantee?: string;
}

/** The clear fields of a header copy. */
export interface HeaderFields {
  flags: number;
  copySize: number;
  /** Incremented by every header update: of two intact copies, the higher one is newer. */
  sequence: number;
  cipher: string;
  sectorSize: number;
  dataOffset: number;
  volumeId: Uint8Array;
  wrappedKeys: WrappedKey[];
}

/** What the sealed part holds. */
export interface SealedFields {
  /** Absent for a stream's output (its size is in the trailer). */
  size: number | undefined;
  metadata: unknown;
}

export interface DecodedHeader {
  fields: HeaderFields;
  /** This copy's bytes, exactly headerLength long. */
  bytes: Uint8Array;
  /** Where the sealed part (sealedLen) starts: the GCM AAD is bytes[0, sealedAt). */
  sealedAt: number;
  nonce: Uint8Array;
  sealed: Uint8Array;
}

/** Why a copy could not be decoded (before any key is known). */
export type PrefixProblem = 'no-magic' | 'truncated' | 'unknown-version' | 'malformed';

export class HeaderParseError extends Error {
  constructor(
    readonly problem: PrefixProblem,
    message: string,
    readonly version?: number,
  ) {
    super(message);
    this.name = 'HeaderParseError';
  }
}

export interface Prefix {
  version: number;
  flags: number;
  headerLength: number;
  copySize: number;
  sequence: number;
}

/** Decodes the fixed prefix (the first PREFIX_BYTES bytes, or fewer if the store is short). */
export function decodePrefix(bytes: Uint8Array): Prefix {
  const magicPart = bytes.subarray(0, Math.min(bytes.length, MAGIC.length));
  for (let i = 0; i < magicPart.length; i++) {
    if (magicPart[i] !== MAGIC[i]) throw new HeaderParseError('no-magic', 'no atrest magic');
  }
  if (bytes.length < PREFIX_BYTES)
    throw new HeaderParseError(
      'truncated',
      `the header prefix needs ${PREFIX_BYTES} bytes, only ${bytes.length} present`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, PREFIX_BYTES);
  const version = view.getUint16(8);
  if (version !== FORMAT_VERSION) {
    throw new HeaderParseError(
      'unknown-version',
      `format version ${version} (this code reads version ${FORMAT_VERSION})`,
      version,
    );
  }
  const flags = view.getUint16(10);
  const headerLength = view.getUint32(12);
  const copySize = view.getUint32(16);
  const sequence = Number(view.getBigUint64(20));
  if ((flags & ~KNOWN_FLAGS) !== 0)
    throw new HeaderParseError('malformed', `unknown header flags 0x${flags.toString(16)}`);
  if (copySize < COPY_SIZE_MIN || copySize > COPY_SIZE_MAX || (copySize & (copySize - 1)) !== 0) {
    throw new HeaderParseError(
      'malformed',
      `copy size ${copySize} is not a power of two from ${COPY_SIZE_MIN} to ${COPY_SIZE_MAX}`,
    );
  }
  if (headerLength < PREFIX_BYTES + MAC_BYTES || headerLength > copySize) {
    throw new HeaderParseError('malformed', `header length ${headerLength} does not fit its ${copySize}-byte copy`);
  }
  if (!Number.isSafeInteger(sequence)) throw new HeaderParseError('malformed', 'sequence number out of range');
  return { version, flags, headerLength, copySize, sequence };
}

/** A bounds-checked reader: every overrun is a 'malformed' parse error, never an exception of
 *  another kind, so a hostile header can only make decoding fail cleanly. */
class Reader {
  offset = 0;
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    this.offset = start;
  }
  private need(n: number, what: string): void {
    if (this.offset + n > this.end) throw new HeaderParseError('malformed', `header ends inside ${what}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }
  u64(what: string): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new HeaderParseError('malformed', `${what} is above 2^53−1`);
    return Number(v);
  }
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  text(n: number, what: string): string {
    try {
      return fromUtf8.decode(this.take(n, what));
    } catch (e) {
      if (e instanceof HeaderParseError) throw e;
      throw new HeaderParseError('malformed', `${what} is not valid UTF-8`);
    }
  }
}

/** Decodes a whole copy (`bytes` from the copy's start, at least headerLength long). Does not
 *  check the MAC (that needs the data key): see verifyMac. */
export function decodeHeader(bytes: Uint8Array): DecodedHeader {
  const prefix = decodePrefix(bytes);
  if (bytes.length < prefix.headerLength) {
    throw new HeaderParseError('truncated', `the header is ${prefix.headerLength} bytes, only ${bytes.length} present`);
  }
  const copy = bytes.slice(0, prefix.headerLength);
  const end = prefix.headerLength - MAC_BYTES;
  const r = new Reader(copy, PREFIX_BYTES, end);
  const cipher = r.text(r.u8('the cipher name length'), 'the cipher name');
  const sectorSize = r.u32('the sector size');
  const dataOffset = r.u64('the data offset');
  const volumeId = r.take(VOLUME_ID_BYTES, 'the volume id');
  const count = r.u16('the wrapped key count');
  const wrappedKeys: WrappedKey[] = [];
  for (let i = 0; i < count; i++) {
    const at = `wrapped key ${i}`;
    const keyArn = r.text(r.u16(`${at}: ARN length`), `${at}: ARN`);
    const ciphertextBlob = r.take(r.u16(`${at}: blob length`), `${at}: blob`);
    const pairs = r.u16(`${at}: context pair count`);
    const encryptionContext: EncryptionContext = {};
    for (let j = 0; j < pairs; j++) {
      const k = r.text(r.u16(`${at}: context key length`), `${at}: context key`);
      const v = r.text(r.u16(`${at}: context value length`), `${at}: context value`);
      if (Object.prototype.hasOwnProperty.call(encryptionContext, k))
        throw new HeaderParseError('malformed', `${at}: context key "${k}" repeated`);
      definePair(encryptionContext, k, v);
    }
    const grantId = r.text(r.u16(`${at}: grant id length`), `${at}: grant id`);
    const grantee = r.text(r.u16(`${at}: grantee length`), `${at}: grantee`);
    wrappedKeys.push({
      keyArn,
      ciphertextBlob,
      encryptionContext,
      ...(grantId ? { grantId } : {}),
      ...(grantee ? { grantee } : {}),
    });
  }
  const sealedAt = r.offset;
  const sealedLength = r.u32('the sealed length');
  const nonce = r.take(NONCE_BYTES, 'the metadata nonce');
  if (sealedLength < GCM_TAG_BYTES + SEALED_PREFIX_BYTES)
    throw new HeaderParseError('malformed', `sealed part of ${sealedLength} bytes is too short`);
  const sealed = r.take(sealedLength, 'the sealed metadata');
  if (r.offset !== end) throw new HeaderParseError('malformed', `${end - r.offset} unexplained bytes before the MAC`);
  return {
    fields: {
      flags: prefix.flags,
      copySize: prefix.copySize,
      sequence: prefix.sequence,
      cipher,
      sectorSize,
      dataOffset,
      volumeId,
      wrappedKeys,
    },
    bytes: copy,
    sealedAt,
    nonce,
    sealed,
  };
}

/** Checks a decoded copy's MAC in constant time. */
export function verifyMac(header: DecodedHeader, headerMacKey: Uint8Array): boolean {
  const end = header.bytes.length - MAC_BYTES;
  const expected = hmac(sha256, headerMacKey, header.bytes.subarray(0, end));
  return equalBytes(expected, header.bytes.subarray(end));
}

/** Opens the sealed part (after the MAC was verified). Throws AuthenticationError if altered. */
export function openSealed(header: DecodedHeader, metadataGcm: Gcm): SealedFields {
  const plain = metadataGcm.open(header.nonce, header.sealed, header.bytes.subarray(0, header.sealedAt));
  const view = new DataView(plain.buffer, plain.byteOffset, plain.length);
  const hasSize = plain[0] === 1;
  const size = Number(view.getBigUint64(1));
  const metadata = JSON.parse(fromUtf8.decode(plain.subarray(SEALED_PREFIX_BYTES))) as unknown;
  plain.fill(0);
  return { size: hasSize ? size : undefined, metadata };
}

/** Encodes, seals and MACs one copy. Throws RangeError if it does not fit its copy size. */
export function encodeHeader(
  fields: HeaderFields,
  sealedFields: SealedFields,
  metadataGcm: Gcm,
  headerMacKey: Uint8Array,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    length += b.length;
  };
  const u8 = (v: number) => push(Uint8Array.of(v));
  const u16 = (v: number, what: string) => {
    if (v > 0xffff) throw new RangeError(`header: ${what} is ${v}, more than the format's limit 65535`);
    push(Uint8Array.of(v >>> 8, v & 0xff));
  };
  const u32 = (v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    push(b);
  };
  const u64 = (v: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v));
    push(b);
  };
  const str16 = (s: string, what: string) => {
    const b = utf8.encode(s);
    u16(b.length, `${what} length`);
    push(b);
  };

  push(MAGIC);
  u16(FORMAT_VERSION, 'version');
  u16(fields.flags, 'flags');
  u32(0); // header length, patched below
  u32(fields.copySize);
  u64(fields.sequence);
  const cipher = utf8.encode(fields.cipher);
  u8(cipher.length);
  push(cipher);
  u32(fields.sectorSize);
  u64(fields.dataOffset);
  push(fields.volumeId);
  u16(fields.wrappedKeys.length, 'the wrapped key count');
  for (const w of fields.wrappedKeys) {
    str16(w.keyArn, 'a key ARN');
    u16(w.ciphertextBlob.length, 'a ciphertext blob length');
    push(w.ciphertextBlob);
    const pairs = Object.entries(w.encryptionContext);
    u16(pairs.length, 'the encryption context pair count');
    for (const [k, v] of pairs) {
      str16(k, 'an encryption context key');
      str16(v, 'an encryption context value');
    }
    str16(w.grantId ?? '', 'a grant id');
    str16(w.grantee ?? '', 'a grantee');
  }
  const metadataJson = JSON.stringify(sealedFields.metadata ?? null);
  const plain = new Uint8Array(SEALED_PREFIX_BYTES + utf8.encode(metadataJson).length);
  plain[0] = sealedFields.size === undefined ? 0 : 1;
  new DataView(plain.buffer).setBigUint64(1, BigInt(sealedFields.size ?? 0));
  plain.set(utf8.encode(metadataJson), SEALED_PREFIX_BYTES);
  const sealedLength = plain.length + GCM_TAG_BYTES;
  const headerLength = length + 4 + NONCE_BYTES + sealedLength + MAC_BYTES;
  if (headerLength > fields.copySize) {
    throw new RangeError(
      `header: it needs ${headerLength} bytes but a header copy holds ${fields.copySize}; use a larger headerSize, fewer wrapped keys or less metadata`,
    );
  }

  const out = new Uint8Array(headerLength);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  const view = new DataView(out.buffer);
  view.setUint32(12, headerLength);
  view.setUint32(at, sealedLength);
  const nonce = randomBytes(NONCE_BYTES);
  out.set(nonce, at + 4);
  const sealed = metadataGcm.seal(nonce, plain, out.subarray(0, at));
  plain.fill(0);
  out.set(sealed, at + 4 + NONCE_BYTES);
  const macAt = headerLength - MAC_BYTES;
  out.set(hmac(sha256, headerMacKey, out.subarray(0, macAt)), macAt);
  return out;
}
