// The ciphertext blob Encrypt and GenerateDataKey return, and Decrypt and ReEncrypt read.
//
// Self-describing, like AWS's: Decrypt needs no KeyId because the blob names its key and the
// exact key material (so rotated-out material still decrypts). Layout, 61-byte header then
// the AES-256-GCM output:
//
//   offset  0  u8        format version (1)
//   offset  1  16 bytes  key id (the UUID's bytes)
//   offset 17  32 bytes  key-material id
//   offset 49  12 bytes  nonce (random)
//   offset 61  ciphertext ‖ 16-byte tag
//
// The GCM additional data is header ‖ canonical encryption context, so altering any byte of
// the header, the ciphertext, the tag or the context makes opening fail. This is not AWS's
// format (which is undocumented); blobs are only meaningful to the service that made them.
//
// Nonces are random 96-bit values under the key material directly: NIST SP 800-38D allows 2^32
// such encryptions per key, far beyond what one local key sees, and rotation resets the count.

import { InvalidCiphertextException } from './errors.js';
import { bytesToKeyId, keyIdToBytes } from './key-ids.js';
import { fromHex, toHex } from '../utils/bytes.js';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES } from '../engine/gcm.js';

export const BLOB_FORMAT_VERSION = 1;
export const BLOB_HEADER_BYTES = 61;
export const NONCE_BYTES = GCM_NONCE_BYTES;
const TAG_BYTES = GCM_TAG_BYTES;

export interface BlobHeader {
  keyId: string;
  /** 64 hex digits. */
  keyMaterialId: string;
  nonce: Uint8Array;
}

export interface ParsedBlob extends BlobHeader {
  /** The first 61 bytes, exactly as stored: part of the additional data. */
  header: Uint8Array;
  /** ciphertext ‖ tag. */
  sealed: Uint8Array;
}

export function encodeBlobHeader(h: BlobHeader): Uint8Array {
  const out = new Uint8Array(BLOB_HEADER_BYTES);
  out[0] = BLOB_FORMAT_VERSION;
  out.set(keyIdToBytes(h.keyId), 1);
  out.set(fromHex(h.keyMaterialId), 17);
  out.set(h.nonce, 49);
  return out;
}

/** Splits a blob into its parts. Only the shape is checked here; authenticity is checked by
 *  GCM when the blob is opened (a wrong key id or material id fails the lookup first). */
export function parseBlob(blob: unknown): ParsedBlob {
  if (!(blob instanceof Uint8Array)) {
    throw new InvalidCiphertextException('CiphertextBlob must be a Uint8Array');
  }
  if (blob.length < BLOB_HEADER_BYTES + TAG_BYTES + 1) {
    throw new InvalidCiphertextException(
      `CiphertextBlob is ${blob.length} bytes: too short to be a ciphertext of this key service`,
    );
  }
  if (blob[0] !== BLOB_FORMAT_VERSION) {
    throw new InvalidCiphertextException(
      `CiphertextBlob has format version ${blob[0]}; this key service writes and reads version ${BLOB_FORMAT_VERSION}`,
    );
  }
  const header = blob.slice(0, BLOB_HEADER_BYTES);
  return {
    header,
    keyId: bytesToKeyId(header.subarray(1, 17)),
    keyMaterialId: toHex(header.subarray(17, 49)),
    nonce: header.slice(49, 61),
    sealed: blob.slice(BLOB_HEADER_BYTES),
  };
}
