// Key separation. The KMS-wrapped data key (32 bytes) is never used directly: HKDF-SHA-256
// (RFC 5869) derives one key per purpose under distinct labels, so no key ever serves two
// algorithms (XTS for sectors, HMAC for the header, GCM for metadata and the stream trailer)
// and a weakness in one use cannot leak another's key.
//
// Derived sector keys (Volume.deriveSectorKey): a fourth key, the sector-key derivation key,
// is kept for the volume's lifetime so that XTS keys for parts of the data (atrest/sqlite's
// per-file keys) can be derived after the data key is zeroed. It derives only those keys:
// knowing it reveals neither the volume's own sector key, nor the header or metadata keys.

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes } from '../utils/bytes.js';

export const DATA_KEY_BYTES = 32;

const utf8 = new TextEncoder();
/** The HKDF `info` labels. Changing one changes every derived key: they are part of format 1. */
export const LABELS = {
  xts: 'atrest/v1 xts-aes-256 sector key',
  headerMac: 'atrest/v1 header hmac-sha-256 key',
  metadata: 'atrest/v1 metadata aes-256-gcm key',
  sectorKeyDerivation: 'atrest/v1 derived sector key derivation key',
  /** Followed by a zero byte and the caller's label (UTF-8). */
  derivedXts: 'atrest/v1 derived xts-aes-256 sector key',
} as const;

/** The most UTF-8 bytes a derived sector key's label may have. */
export const SECTOR_KEY_LABEL_MAX_BYTES = 256;

export interface DerivedKeys {
  /** 64 bytes: XTS-AES-256 key1 ‖ key2, halves checked different. */
  xtsKey: Uint8Array;
  /** 32 bytes: HMAC-SHA-256 over each header copy. */
  headerMacKey: Uint8Array;
  /** 32 bytes: AES-256-GCM for the sealed metadata, the size and the stream trailer. */
  metadataKey: Uint8Array;
  /** 32 bytes: derives the XTS keys of deriveSectorKey, and nothing else. */
  sectorKeyDerivationKey: Uint8Array;
}

/** Derives the four keys from a data key. The caller zeroes them (and the data key) when done. */
export function deriveKeys(dataKey: Uint8Array): DerivedKeys {
  if (dataKey.length !== DATA_KEY_BYTES) {
    throw new RangeError(`key derivation: the data key must be ${DATA_KEY_BYTES} bytes, got ${dataKey.length}`);
  }
  // No salt: every data key is fresh from the key service and used by one volume only, which
  // is HKDF's case for an empty salt (RFC 5869 §3.1: the IKM is already uniformly random).
  const xtsKey = xtsKeyFrom(dataKey, utf8.encode(LABELS.xts), 'the XTS key');
  return {
    xtsKey,
    headerMacKey: hkdf(sha256, dataKey, undefined, utf8.encode(LABELS.headerMac), 32),
    metadataKey: hkdf(sha256, dataKey, undefined, utf8.encode(LABELS.metadata), 32),
    sectorKeyDerivationKey: hkdf(sha256, dataKey, undefined, utf8.encode(LABELS.sectorKeyDerivation), 32),
  };
}

/** The 64-byte XTS key derived under `label` (already checked: 1 to SECTOR_KEY_LABEL_MAX_BYTES
 *  UTF-8 bytes) from a sector-key derivation key. The caller zeroes it. */
export function deriveSectorXtsKey(sectorKeyDerivationKey: Uint8Array, label: string): Uint8Array {
  // The zero byte between them: no label's info is a prefix of another's.
  const info = concatBytes(utf8.encode(LABELS.derivedXts), Uint8Array.of(0), utf8.encode(label));
  return xtsKeyFrom(sectorKeyDerivationKey, info, `the XTS key of label ${JSON.stringify(label)}`);
}

function xtsKeyFrom(secret: Uint8Array, info: Uint8Array, what: string): Uint8Array {
  const xtsKey = hkdf(sha256, secret, undefined, info, 64);
  if (equalBytes(xtsKey.subarray(0, 32), xtsKey.subarray(32))) {
    // Probability 2^-256; checked because XTS with key1 = key2 is insecure (SP 800-38E, IG C.I).
    xtsKey.fill(0);
    throw new RangeError(`key derivation: ${what} came out with equal halves; refusing it`);
  }
  return xtsKey;
}

export function zeroKeys(keys: DerivedKeys): void {
  keys.xtsKey.fill(0);
  keys.headerMacKey.fill(0);
  keys.metadataKey.fill(0);
  keys.sectorKeyDerivationKey.fill(0);
}
