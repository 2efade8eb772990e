// An independent reader of the volume format (docs/FORMAT.md), written from the document, not
// from src/: the tests use it to check that the format is what the document says, and
// scripts/format-doc.mjs uses it to annotate the hex dump. Portable.

const td = new TextDecoder();

/** Parses one header copy's clear fields (no MAC check). Returns fields and byte ranges. */
export function parseHeaderCopy(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ranges = [];
  let at = 0;
  const field = (name, length, value) => {
    ranges.push({ name, start: at, end: at + length, value });
    at += length;
    return value;
  };
  const u8 = (name) => field(name, 1, view.getUint8(at));
  const u16 = (name) => field(name, 2, view.getUint16(at));
  const u32 = (name) => field(name, 4, view.getUint32(at));
  const u64 = (name) => field(name, 8, Number(view.getBigUint64(at)));
  const raw = (name, n) => field(name, n, bytes.slice(at, at + n));
  const str = (name, n) => field(name, n, td.decode(bytes.subarray(at, at + n)));

  const magic = raw('magic', 8);
  const version = u16('version');
  const flags = u16('flags');
  const headerLength = u32('header length');
  const copySize = u32('copy size');
  const sequence = u64('sequence');
  const cipher = str('cipher', u8('cipher length'));
  const sectorSize = u32('sector size');
  const dataOffset = u64('data offset');
  const volumeId = raw('volume id', 16);
  const count = u16('wrapped key count');
  const wrappedKeys = [];
  for (let i = 0; i < count; i++) {
    const keyArn = str(`key ${i}: ARN`, u16(`key ${i}: ARN length`));
    const ciphertextBlob = raw(`key ${i}: ciphertext blob`, u16(`key ${i}: blob length`));
    const pairs = u16(`key ${i}: context pair count`);
    const encryptionContext = {};
    for (let j = 0; j < pairs; j++) {
      const k = str(`key ${i}: context key ${j}`, u16(`key ${i}: context key ${j} length`));
      encryptionContext[k] = str(`key ${i}: context value ${j}`, u16(`key ${i}: context value ${j} length`));
    }
    const grantId = str(`key ${i}: grant id`, u16(`key ${i}: grant id length`));
    const grantee = str(`key ${i}: grantee`, u16(`key ${i}: grantee length`));
    wrappedKeys.push({ keyArn, ciphertextBlob, encryptionContext, grantId, grantee });
  }
  const aadEnd = at;
  const sealedLength = u32('sealed length');
  const nonce = raw('metadata nonce', 12);
  const sealed = raw('sealed metadata and size (AES-256-GCM, tag last)', sealedLength);
  const mac = raw('HMAC-SHA-256', 32);
  if (at !== headerLength) throw new Error(`parsed ${at} bytes but the header length is ${headerLength}`);
  return {
    magic,
    version,
    flags,
    headerLength,
    copySize,
    sequence,
    cipher,
    sectorSize,
    dataOffset,
    volumeId,
    wrappedKeys,
    aadEnd,
    nonce,
    sealed,
    mac,
    ranges,
  };
}

/** The HKDF-SHA-256 labels of format 1. */
export const LABELS = {
  xts: 'atrest/v1 xts-aes-256 sector key',
  headerMac: 'atrest/v1 header hmac-sha-256 key',
  metadata: 'atrest/v1 metadata aes-256-gcm key',
  sectorKeyDerivation: 'atrest/v1 derived sector key derivation key',
  /** Followed by a zero byte and the SectorKey's label. */
  derivedXts: 'atrest/v1 derived xts-aes-256 sector key',
};
