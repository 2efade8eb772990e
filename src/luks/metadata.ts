// The LUKS2 JSON metadata, checked. The raw object stays the source of truth (members and
// tokens this code does not know are written back unchanged); this module reads typed views of
// the parts atrest uses and refuses metadata that breaks a LUKS2 rule, naming the rule —
// before any offset is read or any KDF runs. KDF costs are bounded separately (kdf.ts), so a
// caller can raise its limits without this module trusting absurd values.

import { BINARY_HEADER_BYTES } from './binary-header.js';
import { LuksMetadataError, UnsupportedLuksError } from './errors.js';

/** cryptsetup's limits: 32 keyslots, 32 tokens. */
export const MAX_KEYSLOTS = 32;
export const MAX_TOKENS = 32;
export const SUPPORTED_ENCRYPTION = 'aes-xts-plain64';
export const SECTOR_SIZES = [512, 1024, 2048, 4096];

export type Kdf =
  | { type: 'pbkdf2'; hash: string; iterations: number; salt: Uint8Array }
  | { type: 'argon2i' | 'argon2id'; time: number; memory: number; cpus: number; salt: Uint8Array };

export interface Keyslot {
  id: string;
  keySize: number;
  area: { offset: number; size: number; encryption: string; keySize: number };
  kdf: Kdf;
  af: { stripes: number; hash: string };
  priority: number;
}

export interface Digest {
  id: string;
  keyslots: string[];
  segments: string[];
  hash: string;
  iterations: number;
  salt: Uint8Array;
  digest: Uint8Array;
}

export interface Segment {
  id: string;
  offset: number;
  /** Bytes, or 'dynamic' (to the end of the data device). */
  size: number | 'dynamic';
  ivTweak: bigint;
  encryption: string;
  sectorSize: number;
}

export interface Token {
  id: string;
  type: string;
  keyslots: string[];
  /** The raw token object (every member, known or not). */
  raw: Record<string, unknown>;
}

export interface Metadata {
  keyslots: Map<string, Keyslot>;
  digests: Map<string, Digest>;
  segment: Segment;
  tokens: Map<string, Token>;
  jsonSize: number;
  keyslotsSize: number;
}

const HASHES = ['sha1', 'sha256', 'sha512'];

export function checkMetadata(json: Record<string, unknown>, hdrSize: number): Metadata {
  const section = (name: string) => {
    const v = json[name];
    if (!isObject(v)) throw new LuksMetadataError('sections', `"${name}" must be an object`);
    return v;
  };
  const config = section('config');
  const jsonSize = u64String(config.json_size, 'config.json_size');
  if (jsonSize !== hdrSize - BINARY_HEADER_BYTES) {
    throw new LuksMetadataError(
      'config',
      `config.json_size ${jsonSize} does not match the header size (${hdrSize} − ${BINARY_HEADER_BYTES})`,
    );
  }
  const keyslotsSize = u64String(config.keyslots_size, 'config.keyslots_size');
  if (keyslotsSize % 4096 !== 0)
    throw new LuksMetadataError('config', `config.keyslots_size ${keyslotsSize} is not a multiple of 4096`);
  const requirements = config.requirements;
  if (requirements !== undefined) {
    const mandatory = isObject(requirements) ? requirements.mandatory : undefined;
    if (Array.isArray(mandatory) && mandatory.length > 0) {
      throw new UnsupportedLuksError(
        `the header has mandatory requirements atrest does not implement: ${mandatory.map(String).join(', ')} (finish them with cryptsetup first)`,
      );
    }
  }

  const keyslotArea = { start: 2 * hdrSize, end: 2 * hdrSize + keyslotsSize };
  const keyslots = new Map<string, Keyslot>();
  for (const [id, raw] of entries(section('keyslots'), 'keyslots', MAX_KEYSLOTS)) {
    if (raw.type !== 'luks2')
      throw new UnsupportedLuksError(
        `keyslot ${id} has type ${JSON.stringify(raw.type)}; atrest reads luks2 keyslots only`,
      );
    keyslots.set(id, keyslot(id, raw, keyslotArea));
  }
  checkNoOverlap([...keyslots.values()]);

  const segments = entries(section('segments'), 'segments', MAX_KEYSLOTS);
  if (segments.length !== 1)
    throw new UnsupportedLuksError(
      `the header has ${segments.length} data segments; atrest reads exactly one (a reencryption in progress has two)`,
    );
  const segment = segmentOf(...segments[0]!);

  const digests = new Map<string, Digest>();
  for (const [id, raw] of entries(section('digests'), 'digests', MAX_KEYSLOTS)) {
    if (raw.type !== 'pbkdf2')
      throw new LuksMetadataError('digest', `digest ${id} has type ${JSON.stringify(raw.type)}, not pbkdf2`);
    const d: Digest = {
      id,
      keyslots: idList(raw.keyslots, `digest ${id} keyslots`, keyslots),
      segments: idList(raw.segments, `digest ${id} segments`, new Map([[segment.id, segment]])),
      hash: hashName(raw.hash, `digest ${id} hash`),
      iterations: count(raw.iterations, `digest ${id} iterations`),
      salt: base64(raw.salt, `digest ${id} salt`),
      digest: base64(raw.digest, `digest ${id} digest`),
    };
    if (d.digest.length < 16)
      throw new LuksMetadataError('digest', `digest ${id} is ${d.digest.length} bytes; at least 16 expected`);
    digests.set(id, d);
  }

  const tokens = new Map<string, Token>();
  for (const [id, raw] of entries(section('tokens'), 'tokens', MAX_TOKENS)) {
    if (typeof raw.type !== 'string' || raw.type.length === 0)
      throw new LuksMetadataError('token', `token ${id} has no type`);
    tokens.set(id, { id, type: raw.type, keyslots: idList(raw.keyslots, `token ${id} keyslots`, keyslots), raw });
  }
  return { keyslots, digests, segment, tokens, jsonSize, keyslotsSize };
}

function keyslot(id: string, raw: Record<string, unknown>, region: { start: number; end: number }): Keyslot {
  const what = `keyslot ${id}`;
  const area = object(raw.area, `${what} area`);
  if (area.type !== 'raw')
    throw new UnsupportedLuksError(`${what} area has type ${JSON.stringify(area.type)}; atrest reads raw areas only`);
  const a = {
    offset: u64String(area.offset, `${what} area.offset`),
    size: u64String(area.size, `${what} area.size`),
    encryption: encryption(area.encryption, `${what} area.encryption`),
    keySize: xtsKeySize(area.key_size, `${what} area.key_size`),
  };
  if (a.offset % 4096 !== 0 || a.offset < region.start || a.offset + a.size > region.end) {
    throw new LuksMetadataError(
      'area',
      `${what} area ${a.offset}+${a.size} lies outside the keyslots area ${region.start}…${region.end} or is not 4096-aligned`,
    );
  }
  const af = object(raw.af, `${what} af`);
  if (af.type !== 'luks1')
    throw new UnsupportedLuksError(`${what} uses anti-forensic splitter ${JSON.stringify(af.type)}; only luks1 exists`);
  const keySize = xtsKeySize(raw.key_size, `${what} key_size`);
  const stripes = count(af.stripes, `${what} af.stripes`);
  if (keySize * stripes > a.size)
    throw new LuksMetadataError(
      'area',
      `${what}: ${stripes} stripes of ${keySize} bytes do not fit its ${a.size}-byte area`,
    );
  const kdfRaw = object(raw.kdf, `${what} kdf`);
  let kdf: Kdf;
  if (kdfRaw.type === 'pbkdf2') {
    kdf = {
      type: 'pbkdf2',
      hash: hashName(kdfRaw.hash, `${what} kdf.hash`),
      iterations: count(kdfRaw.iterations, `${what} kdf.iterations`),
      salt: base64(kdfRaw.salt, `${what} kdf.salt`),
    };
  } else if (kdfRaw.type === 'argon2i' || kdfRaw.type === 'argon2id') {
    kdf = {
      type: kdfRaw.type,
      time: count(kdfRaw.time, `${what} kdf.time`),
      memory: count(kdfRaw.memory, `${what} kdf.memory`),
      cpus: count(kdfRaw.cpus, `${what} kdf.cpus`),
      salt: base64(kdfRaw.salt, `${what} kdf.salt`),
    };
    if (kdf.salt.length < 8)
      throw new LuksMetadataError(
        'field',
        `${what} kdf.salt is ${kdf.salt.length} bytes; Argon2 needs at least 8 (RFC 9106)`,
      );
  } else {
    throw new UnsupportedLuksError(
      `${what} uses KDF ${JSON.stringify(kdfRaw.type)}; atrest knows pbkdf2, argon2i and argon2id`,
    );
  }
  const priority = raw.priority === undefined ? 1 : raw.priority;
  if (priority !== 0 && priority !== 1 && priority !== 2)
    throw new LuksMetadataError('keyslot', `${what} priority must be 0, 1 or 2`);
  return { id, keySize, area: a, kdf, af: { stripes, hash: hashName(af.hash, `${what} af.hash`) }, priority };
}

function checkNoOverlap(slots: Keyslot[]): void {
  const sorted = [...slots].sort((x, y) => x.area.offset - y.area.offset);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!,
      b = sorted[i]!;
    if (a.area.offset + a.area.size > b.area.offset)
      throw new LuksMetadataError('area', `keyslots ${a.id} and ${b.id} have overlapping areas`);
  }
}

function segmentOf(id: string, raw: Record<string, unknown>): Segment {
  const what = `segment ${id}`;
  if (raw.type !== 'crypt')
    throw new UnsupportedLuksError(`${what} has type ${JSON.stringify(raw.type)}; atrest reads crypt segments only`);
  if (raw.integrity !== undefined)
    throw new UnsupportedLuksError(
      `${what} uses dm-integrity (authenticated encryption); atrest does not support integrity segments`,
    );
  const sectorSize = raw.sector_size;
  if (typeof sectorSize !== 'number' || !SECTOR_SIZES.includes(sectorSize))
    throw new LuksMetadataError('segment', `${what} sector_size must be 512, 1024, 2048 or 4096`);
  const offset = u64String(raw.offset, `${what} offset`);
  if (offset % sectorSize !== 0)
    throw new LuksMetadataError(
      'segment',
      `${what} offset ${offset} is not a multiple of its sector size ${sectorSize}`,
    );
  let size: number | 'dynamic' = 'dynamic';
  if (raw.size !== 'dynamic') {
    size = u64String(raw.size, `${what} size`);
    if (size % sectorSize !== 0)
      throw new LuksMetadataError('segment', `${what} size ${size} is not a multiple of its sector size`);
  }
  const tweak = raw.iv_tweak;
  if (typeof tweak !== 'string' || !/^[0-9]{1,20}$/.test(tweak) || BigInt(tweak) >= 1n << 64n)
    throw new LuksMetadataError('segment', `${what} iv_tweak must be a decimal string below 2^64`);
  const flags = raw.flags;
  if (Array.isArray(flags) && flags.length > 0)
    throw new UnsupportedLuksError(`${what} has flags ${flags.map(String).join(', ')} atrest does not implement`);
  return {
    id,
    offset,
    size,
    ivTweak: BigInt(tweak),
    encryption: encryption(raw.encryption, `${what} encryption`),
    sectorSize,
  };
}

// ---- field readers -------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (!isObject(v)) throw new LuksMetadataError('field', `${what} must be an object`);
  return v;
}

function entries(section: Record<string, unknown>, name: string, max: number): [string, Record<string, unknown>][] {
  const list = Object.entries(section);
  if (list.length > max) throw new LuksMetadataError('ids', `${name} holds ${list.length} entries; at most ${max}`);
  return list.map(([id, v]) => {
    if (!/^(0|[1-9][0-9]?)$/.test(id) || Number(id) >= max)
      throw new LuksMetadataError('ids', `${name} id ${JSON.stringify(id)} is not a number from 0 to ${max - 1}`);
    return [id, object(v, `${name} ${id}`)];
  });
}

function idList(v: unknown, what: string, known: Map<string, unknown>): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new LuksMetadataError('references', `${what} must be an array of id strings`);
  for (const id of v as string[])
    if (!known.has(id))
      throw new LuksMetadataError('references', `${what} names ${JSON.stringify(id)}, which does not exist`);
  if (new Set(v).size !== v.length) throw new LuksMetadataError('references', `${what} names an id twice`);
  return v as string[];
}

/** LUKS2 writes 64-bit offsets and sizes as decimal strings; atrest needs them below 2^53. */
function u64String(v: unknown, what: string): number {
  if (typeof v !== 'string' || !/^[0-9]{1,20}$/.test(v))
    throw new LuksMetadataError('field', `${what} must be a decimal string`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new LuksMetadataError('offset', `${what} ${v} is beyond 2^53−1 bytes`);
  return n;
}

function count(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new LuksMetadataError('field', `${what} must be a positive integer`);
  return v;
}

function hashName(v: unknown, what: string): string {
  if (typeof v !== 'string' || !HASHES.includes(v))
    throw new UnsupportedLuksError(`${what} ${JSON.stringify(v)} is not one of ${HASHES.join(', ')}`);
  return v;
}

function encryption(v: unknown, what: string): string {
  if (v !== SUPPORTED_ENCRYPTION)
    throw new UnsupportedLuksError(`${what} is ${JSON.stringify(v)}; atrest supports ${SUPPORTED_ENCRYPTION} only`);
  return v;
}

function xtsKeySize(v: unknown, what: string): number {
  if (v !== 32 && v !== 64)
    throw new LuksMetadataError('key-size', `${what} must be 32 or 64 (aes-xts-plain64 with AES-128 or AES-256)`);
  return v;
}

export function base64(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || v.length > 4096 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    throw new LuksMetadataError('field', `${what} must be base64`);
  }
  const bin = atob(v);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}
