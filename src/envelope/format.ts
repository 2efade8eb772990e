// Constants of the on-store format (docs/FORMAT.md describes it byte by byte).

import { GCM_NONCE_BYTES, GCM_TAG_BYTES } from '../engine/gcm.js';

/** Eight bytes that open every header copy: 0x89 "ATREST" "\n". The high first byte and the
 *  newline catch transfers that strip the eighth bit or rewrite line ends (as PNG's does). */
export const MAGIC = new Uint8Array([0x89, 0x41, 0x54, 0x52, 0x45, 0x53, 0x54, 0x0a]);
export const FORMAT_VERSION = 1;

export const CIPHER_XTS_AES_256 = 'xts-aes-256';
export const SUPPORTED_CIPHERS: readonly string[] = [CIPHER_XTS_AES_256];

export const SECTOR_SIZE_MIN = 512;
export const SECTOR_SIZE_MAX = 65536;
export const DEFAULT_SECTOR_SIZE = 4096;

/** Each header copy takes this many bytes (the copy size, a power of two; zero-padded); copy 2
 *  starts at the copy size. Volumes default to 16 KiB (room for several wrapped keys, like
 *  LUKS2's 16 KiB header); streams use the smallest copy size their header fits. */
export const COPY_SIZE_MIN = 4096;
export const COPY_SIZE_MAX = 1 << 20;
export const DEFAULT_VOLUME_COPY_SIZE = 16384;

/** Fixed prefix: magic 8, version u16, flags u16, header length u32, copy size u32, sequence u64. */
export const PREFIX_BYTES = 28;
export const MAC_BYTES = 32;
export const VOLUME_ID_BYTES = 16;
export { GCM_TAG_BYTES, GCM_NONCE_BYTES as NONCE_BYTES } from '../engine/gcm.js';

/** Header flags. */
export const FLAG_SIZE_IN_TRAILER = 1 << 0;
export const FLAG_SCRATCH = 1 << 1;
export const KNOWN_FLAGS = FLAG_SIZE_IN_TRAILER | FLAG_SCRATCH;

/** The stream trailer after the last data sector: nonce ‖ AES-GCM(u64 BE size) ‖ tag. */
export const TRAILER_BYTES = GCM_NONCE_BYTES + 8 + GCM_TAG_BYTES;

/** The encryption-context key that binds a wrapped data key to its volume. */
export const VOLUME_CONTEXT_KEY = 'atrest:volume';

/** Data starts at the first sector boundary after both header copies. */
export function dataOffsetFor(copySize: number, sectorSize: number): number {
  return Math.ceil((2 * copySize) / sectorSize) * sectorSize;
}
