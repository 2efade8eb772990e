// The LUKS2 on-disk header: two copies, each a 4096-byte binary header followed by a JSON area,
// together `hdr_size` bytes (16 KiB … 4 MiB); the primary at offset 0, the secondary right after
// it at offset hdr_size. Integers are big-endian. Each copy carries a sequence id (seqid) and a
// checksum (csum_alg over the whole copy with the csum field zeroed). A reader takes the intact
// copy with the higher seqid; a writer bumps seqid and writes the primary, flushes, then the
// secondary, so a crash leaves at least one intact copy (old or new).
//
// Layout of the 4096-byte binary header (cryptsetup's luks2_hdr_disk):
//   0 magic[6] "LUKS\xba\xbe" (primary) / "SKUL\xba\xbe" (secondary) · 6 version u16 = 2 ·
//   8 hdr_size u64 · 16 seqid u64 · 24 label[48] · 72 csum_alg[32] · 104 salt[64] ·
//   168 uuid[40] · 208 subsystem[48] · 256 hdr_offset u64 · 264 padding[184] · 448 csum[64] ·
//   512 padding[3584]

import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { BlockStore } from '../storage/block-store.js';
import { LuksHeaderDamagedError, NotLuksError, UnsupportedLuksError } from './errors.js';
import { parseMetadataText } from './json-text.js';

export const BINARY_HEADER_BYTES = 4096;
/** The header copy sizes LUKS2 allows (binary header + JSON area). */
export const HEADER_SIZES = [16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304] as const;
const PRIMARY_MAGIC = [0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe];
const SECONDARY_MAGIC = [0x53, 0x4b, 0x55, 0x4c, 0xba, 0xbe];
const CHECKSUMS: Record<string, (data: Uint8Array) => Uint8Array> = { sha256, sha512, sha1 };

/** One header copy's fields as read (or to be written). */
export interface HeaderFields {
  hdrSize: number;
  seqid: bigint;
  label: string;
  subsystem: string;
  uuid: string;
  csumAlg: string;
}

export interface ReadHeader extends HeaderFields {
  /** The parsed JSON metadata of the copy that was chosen (unchecked beyond being an object). */
  json: Record<string, unknown>;
  /** Which copies were intact and held the chosen seqid; a damaged or stale copy is rewritten
   *  by the next header write. */
  primaryIntact: boolean;
  secondaryIntact: boolean;
}

type CopyResult =
  { ok: true; fields: HeaderFields; json: Record<string, unknown> } | { ok: false; magic: boolean; problem: string };

export async function readHeader(store: BlockStore): Promise<ReadHeader> {
  const size = await store.size();
  if (size < BINARY_HEADER_BYTES)
    throw new NotLuksError(`not a LUKS device: ${size} bytes, less than one ${BINARY_HEADER_BYTES}-byte header`);
  const primary = await readCopy(store, 0, size, false);
  let secondary: CopyResult = { ok: false, magic: false, problem: 'no secondary header found' };
  // The secondary copy sits at hdr_size: known from an intact primary, otherwise searched at
  // every size LUKS2 allows (as cryptsetup does when the primary is damaged).
  const offsets = primary.ok ? [primary.fields.hdrSize] : HEADER_SIZES.filter((o) => o + BINARY_HEADER_BYTES <= size);
  for (const offset of offsets) {
    const copy = await readCopy(store, offset, size, true);
    if (copy.ok || copy.magic) {
      secondary = copy;
      if (copy.ok) break;
    }
  }
  if (!primary.ok && !secondary.ok) {
    if (!primary.magic && !secondary.magic)
      throw new NotLuksError('not a LUKS device: no LUKS2 magic in the primary or the secondary header');
    throw new LuksHeaderDamagedError([`primary: ${primary.problem}`, `secondary: ${secondary.problem}`]);
  }
  const chosen =
    !secondary.ok || (primary.ok && primary.fields.seqid >= secondary.fields.seqid)
      ? (primary as Extract<CopyResult, { ok: true }>)
      : secondary;
  return {
    ...chosen.fields,
    json: chosen.json,
    primaryIntact: primary.ok && primary.fields.seqid === chosen.fields.seqid,
    secondaryIntact:
      secondary.ok &&
      secondary.fields.seqid === chosen.fields.seqid &&
      secondary.fields.hdrSize === chosen.fields.hdrSize,
  };
}

async function readCopy(store: BlockStore, offset: number, size: number, secondary: boolean): Promise<CopyResult> {
  const fail = (problem: string, magic = true): CopyResult => ({ ok: false, magic, problem });
  if (offset + BINARY_HEADER_BYTES > size) return fail('the device ends before it', false);
  const bin = await store.read(offset, BINARY_HEADER_BYTES);
  const magic = secondary ? SECONDARY_MAGIC : PRIMARY_MAGIC;
  if (!magic.every((b, i) => bin[i] === b)) {
    const other = secondary ? PRIMARY_MAGIC : SECONDARY_MAGIC;
    return fail(other.every((b, i) => bin[i] === b) ? "the other copy's magic in this place" : 'no LUKS magic', false);
  }
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const version = view.getUint16(6);
  if (version === 1)
    throw new UnsupportedLuksError(
      'LUKS1 headers are not supported (LUKS2 only); cryptsetup convert --type luks2 converts one',
    );
  if (version !== 2) return fail(`version ${version}, not 2`);
  const hdrSize = Number(view.getBigUint64(8));
  if (!(HEADER_SIZES as readonly number[]).includes(hdrSize))
    return fail(`hdr_size ${hdrSize} is not one LUKS2 allows (16 KiB … 4 MiB, a power of two)`);
  const hdrOffset = view.getBigUint64(256);
  if (hdrOffset !== BigInt(offset)) return fail(`hdr_offset ${hdrOffset} does not match its place ${offset}`);
  if (offset + hdrSize > size) return fail(`the device ends inside it (hdr_size ${hdrSize})`);
  const csumAlg = cString(bin, 72, 32);
  const hash = CHECKSUMS[csumAlg];
  if (hash === undefined) return fail(`checksum algorithm ${JSON.stringify(csumAlg)} is not sha256, sha512 or sha1`);
  const whole = await store.read(offset, hdrSize);
  const stored = whole.slice(448, 448 + 64);
  whole.fill(0, 448, 448 + 64);
  const digest = hash(whole);
  const expected = new Uint8Array(64);
  expected.set(digest);
  // The header is public data: an early-exit comparison leaks nothing secret.
  if (!expected.every((b, i) => b === stored[i])) return fail('checksum mismatch');
  const area = whole.subarray(BINARY_HEADER_BYTES);
  const end = area.indexOf(0);
  if (end < 0) return fail('the JSON area has no terminating NUL');
  let json: Record<string, unknown>;
  try {
    json = parseMetadataText(new TextDecoder('utf-8', { fatal: true }).decode(area.subarray(0, end)));
  } catch (e) {
    return fail((e as Error).message);
  }
  const fields: HeaderFields = {
    hdrSize,
    seqid: view.getBigUint64(16),
    label: cString(bin, 24, 48),
    subsystem: cString(bin, 208, 48),
    uuid: cString(bin, 168, 40),
    csumAlg,
  };
  return { ok: true, fields, json };
}

/** Writes both copies with `fields.seqid`: the primary, a flush, the secondary, a flush. */
export async function writeHeader(
  store: BlockStore,
  fields: HeaderFields,
  json: Record<string, unknown>,
): Promise<void> {
  const text = new TextEncoder().encode(JSON.stringify(json));
  const area = fields.hdrSize - BINARY_HEADER_BYTES;
  if (text.length >= area) {
    throw new RangeError(
      `LUKS2 header: the JSON metadata takes ${text.length} bytes; the JSON area holds ${area - 1} (create with a larger metadataSize)`,
    );
  }
  for (const secondary of [false, true]) {
    const offset = secondary ? fields.hdrSize : 0;
    await store.write(offset, serializeCopy(fields, text, offset, secondary));
    await store.flush();
  }
}

function serializeCopy(fields: HeaderFields, text: Uint8Array, offset: number, secondary: boolean): Uint8Array {
  const hash = CHECKSUMS[fields.csumAlg];
  if (hash === undefined)
    throw new RangeError(`LUKS2 header: checksum algorithm ${fields.csumAlg} is not sha256, sha512 or sha1`);
  const out = new Uint8Array(fields.hdrSize);
  const view = new DataView(out.buffer);
  out.set(secondary ? SECONDARY_MAGIC : PRIMARY_MAGIC, 0);
  view.setUint16(6, 2);
  view.setBigUint64(8, BigInt(fields.hdrSize));
  view.setBigUint64(16, fields.seqid);
  putCString(out, 24, 48, fields.label, 'label');
  putCString(out, 72, 32, fields.csumAlg, 'csum_alg');
  crypto.getRandomValues(out.subarray(104, 168));
  putCString(out, 168, 40, fields.uuid, 'uuid');
  putCString(out, 208, 48, fields.subsystem, 'subsystem');
  view.setBigUint64(256, BigInt(offset));
  out.set(text, BINARY_HEADER_BYTES);
  out.set(hash(out), 448);
  return out;
}

function cString(bytes: Uint8Array, at: number, length: number): string {
  const field = bytes.subarray(at, at + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

function putCString(out: Uint8Array, at: number, length: number, value: string, what: string): void {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length >= length)
    throw new RangeError(`LUKS2 header: ${what} takes ${bytes.length} bytes; at most ${length - 1} fit`);
  out.set(bytes, at);
}
