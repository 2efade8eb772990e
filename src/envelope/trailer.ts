// The stream trailer. An encrypting stream does not know its length until the end, and cannot
// go back to the header, so it ends with a trailer: the exact plaintext length, sealed with
// AES-256-GCM under the metadata key and bound to the volume id. Data before it is whole
// sectors (the last one zero-padded). A stream cut short loses its trailer, or leaves one whose
// length does not match the sectors present: both are detected.
// Also here: where an opened volume's data size comes from (this trailer, or the sealed header).

import type { Gcm } from '../engine/gcm.js';
import { AuthenticationError } from '../engine/errors.js';
import type { BlockStore } from '../storage/block-store.js';
import { concatBytes, randomBytes } from '../utils/bytes.js';
import { HeaderDamagedError, TruncatedDataError } from './errors.js';
import { FLAG_SIZE_IN_TRAILER, NONCE_BYTES, TRAILER_BYTES } from './format.js';
import type { HeaderFields, SealedFields } from './header.js';

const LABEL = new TextEncoder().encode('atrest/v1 stream trailer');

export function sealTrailer(gcm: Gcm, volumeId: Uint8Array, size: number): Uint8Array {
  const plain = new Uint8Array(8);
  new DataView(plain.buffer).setBigUint64(0, BigInt(size));
  const nonce = randomBytes(NONCE_BYTES);
  return concatBytes(nonce, gcm.seal(nonce, plain, concatBytes(LABEL, volumeId)));
}

/** The size a trailer holds; TruncatedDataError if it is not a trailer of this volume. */
export function openTrailer(gcm: Gcm, volumeId: Uint8Array, trailer: Uint8Array, what: string): number {
  if (trailer.length !== TRAILER_BYTES)
    throw new TruncatedDataError(`${what}: the encrypted stream ends before its ${TRAILER_BYTES}-byte trailer`);
  let plain: Uint8Array;
  try {
    plain = gcm.open(trailer.subarray(0, NONCE_BYTES), trailer.subarray(NONCE_BYTES), concatBytes(LABEL, volumeId));
  } catch (e) {
    if (e instanceof AuthenticationError) {
      throw new TruncatedDataError(
        `${what}: the last ${TRAILER_BYTES} bytes are not this stream's trailer: the encrypted stream was cut short, extended or altered`,
      );
    }
    throw e;
  }
  const size = new DataView(plain.buffer, plain.byteOffset, 8).getBigUint64(0);
  if (size > BigInt(Number.MAX_SAFE_INTEGER))
    throw new TruncatedDataError(`${what}: the trailer's size ${size} is above 2^53−1`);
  return Number(size);
}

/** Checks that `dataBytes` of sectors hold exactly `size` bytes of plaintext. */
export function checkTrailerSize(size: number, dataBytes: number, sectorSize: number, what: string): void {
  const expected = Math.ceil(size / sectorSize) * sectorSize;
  if (expected !== dataBytes) {
    throw new TruncatedDataError(
      `${what}: the trailer says ${size} bytes (${expected / sectorSize} sectors) but ${dataBytes / sectorSize} sectors are present: the encrypted stream was cut short or spliced`,
    );
  }
}

/** The data size of an opened volume: from the trailer (an encrypted stream) or the sealed
 *  header, checked against what the store holds (a TruncatedDataError when it ends early). */
export async function storedDataSize(
  store: BlockStore,
  fields: HeaderFields,
  sealed: SealedFields,
  gcm: Gcm,
  what: string,
): Promise<number> {
  const storeSize = await store.size();
  if ((fields.flags & FLAG_SIZE_IN_TRAILER) !== 0) {
    if (storeSize < fields.dataOffset + TRAILER_BYTES) {
      throw new TruncatedDataError(
        `${what}: the store (${storeSize} bytes) ends before the encrypted stream's data and trailer`,
      );
    }
    const size = openTrailer(gcm, fields.volumeId, await store.read(storeSize - TRAILER_BYTES, TRAILER_BYTES), what);
    checkTrailerSize(size, storeSize - TRAILER_BYTES - fields.dataOffset, fields.sectorSize, what);
    return size;
  }
  if (sealed.size === undefined)
    throw new HeaderDamagedError(`${what}: the header has neither a size nor the trailer flag`);
  const needed = fields.dataOffset + Math.ceil(sealed.size / fields.sectorSize) * fields.sectorSize;
  if (storeSize < needed) {
    throw new TruncatedDataError(
      `${what}: the volume holds ${sealed.size} bytes, which need ${needed} bytes of store, but the store has ${storeSize}`,
    );
  }
  return sealed.size;
}
