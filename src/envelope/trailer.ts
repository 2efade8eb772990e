// The stream trailer. An encrypting stream does not know its length until the end, and cannot
// go back to the header, so it ends with a trailer: the exact plaintext length, sealed with
// AES-256-GCM under the metadata key and bound to the volume id. Data before it is whole
// sectors (the last one zero-padded). A stream cut short loses its trailer, or leaves one whose
// length does not match the sectors present: both are detected.

import type { Gcm } from '../engine/gcm.js';
import { AuthenticationError } from '../engine/errors.js';
import { concatBytes, randomBytes } from '../utils/bytes.js';
import { TruncatedDataError } from './errors.js';
import { NONCE_BYTES, TRAILER_BYTES } from './format.js';

const LABEL = new TextEncoder().encode('atrest/v1 stream trailer');

export function sealTrailer(gcm: Gcm, volumeId: Uint8Array, size: number): Uint8Array {
  const plain = new Uint8Array(8);
  new DataView(plain.buffer).setBigUint64(0, BigInt(size));
  const nonce = randomBytes(NONCE_BYTES);
  return concatBytes(nonce, gcm.seal(nonce, plain, concatBytes(LABEL, volumeId)));
}

/** The size a trailer holds; TruncatedDataError if it is not a trailer of this volume. */
export function openTrailer(gcm: Gcm, volumeId: Uint8Array, trailer: Uint8Array, what: string): number {
  if (trailer.length !== TRAILER_BYTES) throw new TruncatedDataError(`${what}: the encrypted stream ends before its ${TRAILER_BYTES}-byte trailer`);
  let plain: Uint8Array;
  try {
    plain = gcm.open(trailer.subarray(0, NONCE_BYTES), trailer.subarray(NONCE_BYTES), concatBytes(LABEL, volumeId));
  } catch (e) {
    if (e instanceof AuthenticationError) {
      throw new TruncatedDataError(`${what}: the last ${TRAILER_BYTES} bytes are not this stream's trailer: the encrypted stream was cut short, extended or altered`);
    }
    throw e;
  }
  const size = new DataView(plain.buffer, plain.byteOffset, 8).getBigUint64(0);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new TruncatedDataError(`${what}: the trailer's size ${size} is above 2^53−1`);
  return Number(size);
}

/** Checks that `dataBytes` of sectors hold exactly `size` bytes of plaintext. */
export function checkTrailerSize(size: number, dataBytes: number, sectorSize: number, what: string): void {
  const expected = Math.ceil(size / sectorSize) * sectorSize;
  if (expected !== dataBytes) {
    throw new TruncatedDataError(`${what}: the trailer says ${size} bytes (${expected / sectorSize} sectors) but ${dataBytes / sectorSize} sectors are present: the encrypted stream was cut short or spliced`);
  }
}
