// LuksContainer: a LUKS2 header (on the data store, or detached on a store of its own) and its
// data segment. Open reads and checks the header (the intact copy with the higher seqid);
// unlock turns a passphrase or an atrest-kms token into the volume key; openVolume gives the
// data segment as bytes; keyslots and tokens are added and removed with a header write of
// both copies (seqid + 1). Members and tokens of the JSON that atrest does not know are kept.

import { sharedEngine } from '../engine/shared-engine.js';
import type { PlaintextDataKey } from '../envelope/data-key.js';
import { checkPolicy, checkSectorSize, checkWrappedKeyCount } from '../envelope/policy.js';
import type { BlockStore } from '../storage/block-store.js';
import { readHeader, writeHeader, type HeaderFields } from './binary-header.js';
import { LuksClosedError, LuksMetadataError, UnsupportedLuksError, WrongPassphraseError } from './errors.js';
import { checkKdfLimits, type CheckedKdfLimits, type KdfLimits } from './kdf.js';
import { checkMetadata, MAX_KEYSLOTS, MAX_TOKENS, type Keyslot, type Metadata } from './metadata.js';
import { areaBytes, digestMatches, digestOf, makeKeyslot, unlockKeyslot } from './keyslot.js';
import {
  KMS_TOKEN_TYPE,
  sealTokenSecret,
  TOKEN_PBKDF2_ITERATIONS,
  unsealTokenSecret,
  type KmsTokenOptions,
  type KmsUnlockOptions,
} from './kms-token.js';
import { LuksVolume } from './data-volume.js';
import { kdfFor, passphraseBytes, type PbkdfChoice } from './create.js';

export interface OpenLuksOptions {
  /** A detached header: the header copies and keyslots live here, the data segment in `store`. */
  header?: BlockStore;
  kdfLimits?: KdfLimits;
  readOnly?: boolean;
}

/** The volume key, unlocked. Zero it with dispose() when done. */
export class LuksKey {
  #bytes: Uint8Array | undefined;
  /** The keyslot that opened it (undefined for a key given at create time). */
  readonly keyslot: string | undefined;
  constructor(bytes: Uint8Array, keyslot: string | undefined) {
    this.#bytes = bytes;
    this.keyslot = keyslot;
  }
  /** @internal */
  bytes(): Uint8Array {
    if (this.#bytes === undefined) throw new LuksClosedError('LuksKey: used after dispose()');
    return this.#bytes;
  }
  dispose(): void {
    this.#bytes?.fill(0);
    this.#bytes = undefined;
  }
}

export type Unlock = { passphrase: string | Uint8Array; keyslot?: string } | ({ token?: string } & KmsUnlockOptions);

export interface AddKeyslotOptions {
  passphrase: string | Uint8Array;
  pbkdf?: PbkdfChoice;
  /** The keyslot id (default: the lowest free one). */
  keyslot?: string;
}

export class LuksContainer {
  readonly #data: BlockStore;
  readonly #header: BlockStore;
  readonly #limits: CheckedKdfLimits;
  readonly readOnly: boolean;
  #fields: HeaderFields;
  #json: Record<string, unknown>;
  #meta: Metadata;

  private constructor(
    data: BlockStore,
    header: BlockStore,
    limits: CheckedKdfLimits,
    readOnly: boolean,
    fields: HeaderFields,
    json: Record<string, unknown>,
    meta: Metadata,
  ) {
    this.#data = data;
    this.#header = header;
    this.#limits = limits;
    this.readOnly = readOnly;
    this.#fields = fields;
    this.#json = json;
    this.#meta = meta;
  }

  static async open(store: BlockStore, options: OpenLuksOptions = {}): Promise<LuksContainer> {
    const header = options.header ?? store;
    const limits = checkKdfLimits(options.kdfLimits, 'LuksContainer.open');
    const read = await readHeader(header);
    const meta = checkMetadata(read.json, read.hdrSize);
    const c = new LuksContainer(store, header, limits, options.readOnly === true, read, read.json, meta);
    c.#checkSegmentPlace();
    return c;
  }

  /** @internal — LUKS2 creation (create.ts) hands over a freshly written header. */
  static async fromWritten(
    store: BlockStore,
    header: BlockStore,
    limits: CheckedKdfLimits,
    fields: HeaderFields,
    json: Record<string, unknown>,
  ): Promise<LuksContainer> {
    return new LuksContainer(store, header, limits, false, fields, json, checkMetadata(json, fields.hdrSize));
  }

  get uuid(): string {
    return this.#fields.uuid;
  }
  get label(): string {
    return this.#fields.label;
  }
  get seqid(): bigint {
    return this.#fields.seqid;
  }
  get headerSize(): number {
    return this.#fields.hdrSize;
  }
  get sectorSize(): number {
    return this.#meta.segment.sectorSize;
  }
  get dataOffset(): number {
    return this.#meta.segment.offset;
  }
  /** Keyslot ids with their KDF (no secrets). */
  get keyslots(): { id: string; kdf: string; keySize: number; priority: number; afHash: string }[] {
    return [...this.#meta.keyslots.values()].map((k) => ({
      id: k.id,
      kdf: k.kdf.type,
      keySize: k.keySize,
      priority: k.priority,
      afHash: k.af.hash,
    }));
  }
  get tokens(): { id: string; type: string; keyslots: string[] }[] {
    return [...this.#meta.tokens.values()].map((t) => ({ id: t.id, type: t.type, keyslots: [...t.keyslots] }));
  }
  /** A deep copy of the JSON metadata as stored. */
  metadata(): Record<string, unknown> {
    return structuredClone(this.#json);
  }

  /** The volume key, through a passphrase (every keyslot in priority order, or the one named)
   *  or through the atrest-kms tokens (or the one named). */
  async unlock(how: Unlock): Promise<LuksKey> {
    const what = 'LuksContainer.unlock';
    if (typeof how !== 'object' || how === null) throw new TypeError(`${what}: pass { passphrase } or { kms, policy }`);
    if ('passphrase' in how) {
      const pass = passphraseBytes(how.passphrase, what);
      const slots = this.#slotOrder(how.keyslot, what);
      try {
        for (const slot of slots) {
          const key = await this.#tryKeyslot(slot, pass);
          if (key) return key;
        }
      } finally {
        pass.fill(0);
      }
      throw new WrongPassphraseError(
        how.keyslot === undefined
          ? `${what}: no keyslot opens with this passphrase`
          : `${what}: keyslot ${how.keyslot} does not open with this passphrase`,
      );
    }
    const tokens = [...this.#meta.tokens.values()].filter(
      (t) => t.type === KMS_TOKEN_TYPE && (how.token === undefined || t.id === how.token),
    );
    if (tokens.length === 0)
      throw new UnsupportedLuksError(
        how.token === undefined
          ? `${what}: the header has no ${KMS_TOKEN_TYPE} token`
          : `${what}: token ${how.token} is not an ${KMS_TOKEN_TYPE} token`,
      );
    // The application policy's rules that apply to a container, before any key-service call:
    // its sector sizes, and at most maxWrappedKeys tokens (a hostile header cannot cause more
    // KMS calls). allowedKeyIds and requiredEncryptionContext are checked per token.
    const policy = checkPolicy(how.policy, what);
    checkSectorSize(policy, this.#meta.segment.sectorSize, what);
    checkWrappedKeyCount(policy, tokens.length, what);
    let lastError: unknown;
    for (const token of tokens) {
      let secret: PlaintextDataKey;
      try {
        secret = await unsealTokenSecret(token, how, what);
      } catch (e) {
        lastError = e;
        continue;
      }
      try {
        for (const id of token.keyslots) {
          const key = await secret.use((bytes) => this.#tryKeyslot(this.#meta.keyslots.get(id)!, bytes));
          if (key) return key;
        }
      } finally {
        secret.zero();
      }
      lastError = new WrongPassphraseError(
        `${what}: the secret of token ${token.id} opens none of its keyslots (${token.keyslots.join(', ')})`,
      );
    }
    throw lastError;
  }

  /** The data segment as a byte-range volume. The key stays the caller's (dispose it). */
  async openVolume(key: LuksKey): Promise<LuksVolume> {
    const engine = await sharedEngine();
    const segment = this.#meta.segment;
    const xts = engine.xts(key.bytes(), { sectorSize: segment.sectorSize, tweakUnit: 512 });
    try {
      return new LuksVolume(this.#data, segment, xts, await this.#segmentBytes(), this.readOnly);
    } catch (e) {
      xts.dispose();
      throw e;
    }
  }

  /** Adds a passphrase keyslot for the unlocked key; returns its id. */
  async addKeyslot(key: LuksKey, options: AddKeyslotOptions): Promise<string> {
    const what = 'LuksContainer.addKeyslot';
    const pass = passphraseBytes(options?.passphrase, what);
    try {
      return await this.#addSlot(
        key,
        pass,
        kdfFor(options.pbkdf, what),
        options.pbkdf?.hash ?? 'sha256',
        options.keyslot,
        what,
      );
    } finally {
      pass.fill(0);
    }
  }

  /** Adds an atrest-kms token and the keyslot it opens; returns both ids. */
  async addKmsToken(key: LuksKey, options: KmsTokenOptions): Promise<{ token: string; keyslot: string }> {
    const what = 'LuksContainer.addKmsToken';
    const tokenId = this.#freeId(this.#meta.tokens, MAX_TOKENS, undefined, 'token', what);
    const { fields, passphrase } = await sealTokenSecret(options, this.uuid, what);
    try {
      const kdf = {
        type: 'pbkdf2' as const,
        hash: 'sha256',
        iterations: TOKEN_PBKDF2_ITERATIONS,
        salt: crypto.getRandomValues(new Uint8Array(32)),
      };
      const keyslot = await passphrase.use((bytes) =>
        this.#addSlot(key, bytes, kdf, 'sha256', undefined, what, (json, slotId) => {
          (json.tokens as Record<string, unknown>)[tokenId] = { ...fields, keyslots: [slotId] };
        }),
      );
      return { token: tokenId, keyslot };
    } finally {
      passphrase.zero();
    }
  }

  /** Removes a keyslot: wipes its area, then drops it from the JSON (and from digests and
   *  tokens; an atrest-kms token left without keyslots is removed too). Removing the last
   *  keyslot needs `force`: nothing could open the data afterwards. */
  async removeKeyslot(id: string, options: { force?: boolean } = {}): Promise<void> {
    const what = 'LuksContainer.removeKeyslot';
    this.#writable(what);
    const slot = this.#meta.keyslots.get(id);
    if (slot === undefined) throw new RangeError(`${what}: keyslot ${id} does not exist`);
    if (this.#meta.keyslots.size === 1 && options.force !== true) {
      throw new RangeError(
        `${what}: keyslot ${id} is the last one; removing it makes the data unreadable (pass force: true)`,
      );
    }
    await this.#header.write(slot.area.offset, new Uint8Array(slot.area.size));
    await this.#header.flush();
    await this.#update((json) => {
      delete (json.keyslots as Record<string, unknown>)[id];
      for (const d of Object.values(json.digests as Record<string, { keyslots: string[] }>))
        d.keyslots = d.keyslots.filter((k) => k !== id);
      const tokens = json.tokens as Record<string, { type: string; keyslots: string[] }>;
      for (const [tid, t] of Object.entries(tokens)) {
        t.keyslots = t.keyslots.filter((k) => k !== id);
        if (t.type === KMS_TOKEN_TYPE && t.keyslots.length === 0) delete tokens[tid];
      }
    });
  }

  /** Imports a token object (any type, as `cryptsetup token import`); returns its id. */
  async importToken(token: Record<string, unknown>, id?: string): Promise<string> {
    const what = 'LuksContainer.importToken';
    if (typeof token !== 'object' || token === null || Array.isArray(token))
      throw new TypeError(`${what}: token must be an object`);
    if (typeof token.type !== 'string' || token.type.startsWith('luks2-'))
      throw new RangeError(`${what}: token type must be a string not starting with "luks2-" (reserved)`);
    const tid = this.#freeId(this.#meta.tokens, MAX_TOKENS, id, 'token', what);
    await this.#update((json) => {
      (json.tokens as Record<string, unknown>)[tid] = structuredClone(token);
    });
    return tid;
  }

  async removeToken(id: string): Promise<void> {
    if (!this.#meta.tokens.has(id)) throw new RangeError(`LuksContainer.removeToken: token ${id} does not exist`);
    await this.#update((json) => {
      delete (json.tokens as Record<string, unknown>)[id];
    });
  }

  /** Checks a key against the digest (for keys given from outside, e.g. a volume-key file). */
  async checkKey(bytes: Uint8Array): Promise<LuksKey> {
    for (const d of this.#meta.digests.values()) {
      if (d.digest.length > 0 && (await digestMatches(d, bytes, this.#limits)))
        return new LuksKey(new Uint8Array(bytes), undefined);
    }
    throw new WrongPassphraseError("LuksContainer.checkKey: the key does not match the header's digest");
  }

  // ---- internals -----------------------------------------------------------------------------

  async #addSlot(
    key: LuksKey,
    pass: Uint8Array,
    kdf: Parameters<typeof makeKeyslot>[2],
    afHash: string,
    wanted: string | undefined,
    what: string,
    extra?: (json: Record<string, unknown>, slotId: string) => void,
  ): Promise<string> {
    this.#writable(what);
    const id = this.#freeId(this.#meta.keyslots, MAX_KEYSLOTS, wanted, 'keyslot', what);
    const volumeKey = key.bytes();
    const offset = this.#freeArea(areaBytes(volumeKey.length), what);
    const made = await makeKeyslot(volumeKey, pass, kdf, offset, afHash);
    await this.#header.write(offset, made.area);
    made.area.fill(0);
    await this.#header.flush();
    await this.#update((json) => {
      (json.keyslots as Record<string, unknown>)[id] = made.json;
      const digest = Object.values(json.digests as Record<string, { keyslots: string[] }>)[0]!;
      digest.keyslots.push(id);
      extra?.(json, id);
    });
    return id;
  }

  async #update(change: (json: Record<string, unknown>) => void): Promise<void> {
    const json = structuredClone(this.#json);
    change(json);
    const meta = checkMetadata(json, this.#fields.hdrSize);
    const fields = { ...this.#fields, seqid: this.#fields.seqid + 1n };
    await writeHeader(this.#header, fields, json);
    this.#fields = fields;
    this.#json = json;
    this.#meta = meta;
  }

  async #tryKeyslot(slot: Keyslot, pass: Uint8Array): Promise<LuksKey | undefined> {
    const digest = digestOf(this.#meta.digests, slot.id);
    const deviceBytes = await this.#header.size();
    if (slot.area.offset + slot.area.size > deviceBytes) {
      throw new LuksMetadataError(
        'area',
        `keyslot ${slot.id} area ${slot.area.offset}+${slot.area.size} passes the end of the header device (${deviceBytes} bytes)`,
      );
    }
    const bytes = await unlockKeyslot(slot, digest, pass, this.#limits, (o, n) => this.#header.read(o, n));
    return bytes === undefined ? undefined : new LuksKey(bytes, slot.id);
  }

  #slotOrder(wanted: string | undefined, what: string): Keyslot[] {
    if (wanted !== undefined) {
      const s = this.#meta.keyslots.get(wanted);
      if (s === undefined) throw new RangeError(`${what}: keyslot ${wanted} does not exist`);
      return [s];
    }
    // cryptsetup's order: high priority first, then normal; priority 0 (ignore) only by name.
    const all = [...this.#meta.keyslots.values()].filter((k) => k.priority > 0);
    return [...all.filter((k) => k.priority === 2), ...all.filter((k) => k.priority === 1)];
  }

  #freeId(used: Map<string, unknown>, max: number, wanted: string | undefined, kind: string, what: string): string {
    if (wanted !== undefined) {
      if (!/^(0|[1-9][0-9]?)$/.test(wanted) || Number(wanted) >= max)
        throw new RangeError(`${what}: ${kind} id must be 0 … ${max - 1}`);
      if (used.has(wanted)) throw new RangeError(`${what}: ${kind} ${wanted} is in use`);
      return wanted;
    }
    for (let i = 0; i < max; i++) if (!used.has(String(i))) return String(i);
    throw new RangeError(`${what}: all ${max} ${kind}s are in use`);
  }

  /** The first 4096-aligned gap of `bytes` in the keyslots area. */
  #freeArea(bytes: number, what: string): number {
    const start = 2 * this.#fields.hdrSize;
    const end = start + this.#meta.keyslotsSize;
    const taken = [...this.#meta.keyslots.values()].map((k) => k.area).sort((a, b) => a.offset - b.offset);
    let at = start;
    for (const a of taken) {
      if (a.offset - at >= bytes) break;
      at = Math.max(at, Math.ceil((a.offset + a.size) / 4096) * 4096);
    }
    if (at + bytes > end)
      throw new RangeError(`${what}: the keyslots area (${this.#meta.keyslotsSize} bytes) has no free ${bytes} bytes`);
    return at;
  }

  async #segmentBytes(): Promise<number> {
    const seg = this.#meta.segment;
    if (seg.size !== 'dynamic') return seg.size;
    const size = await this.#data.size();
    if (size < seg.offset)
      throw new LuksMetadataError(
        'segment',
        `the data segment starts at ${seg.offset}, past the end of the device (${size} bytes)`,
      );
    return Math.floor((size - seg.offset) / seg.sectorSize) * seg.sectorSize;
  }

  /** On a device that holds its own header, data must start after the keyslots area. */
  #checkSegmentPlace(): void {
    if (this.#data !== this.#header) return;
    const end = 2 * this.#fields.hdrSize + this.#meta.keyslotsSize;
    if (this.#meta.segment.offset < end) {
      throw new LuksMetadataError(
        'segment',
        `the data segment at ${this.#meta.segment.offset} overlaps the header and keyslots (which end at ${end}); a header with data offset 0 must be opened as a detached header`,
      );
    }
  }

  #writable(what: string): void {
    if (this.readOnly) throw new Error(`${what}: the container was opened read-only`);
  }
}
