// The data segment of an unlocked LUKS2 container as a byte-range volume: read, write, flush,
// size, close — so layers above (streams, a SQLite VFS) see plain bytes. Sectors are
// aes-xts-plain64 with dm-crypt's numbering: sector n of the segment has tweak value
// n · sector_size / 512 + iv_tweak (the engine's tweakUnit 512). Partial sectors at either end
// of a write are read, decrypted, patched and re-encrypted. Calls run one at a time in the order
// made, so two overlapping writes never interleave their read-modify-write.
//
// XTS gives confidentiality, not integrity: altered ciphertext reads as garbage without an
// error, as with dm-crypt.

import type { Xts } from '../engine/xts.js';
import { checkRangeEnd, type BlockStore } from '../storage/block-store.js';
import { byteCount, bytes } from '../utils/bytes.js';
import { LuksClosedError, LuksMetadataError } from './errors.js';
import type { Segment } from './metadata.js';

export class LuksVolume {
  readonly sectorSize: number;
  /** Bytes of the data segment. */
  readonly size: number;
  #xts: Xts | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #store: BlockStore;
  readonly #offset: number;
  readonly #firstTweakSector: bigint;
  readonly #readOnly: boolean;

  /** @internal — use LuksContainer.openVolume. */
  constructor(store: BlockStore, segment: Segment, xts: Xts, size: number, readOnly: boolean) {
    this.#store = store;
    this.#xts = xts;
    this.sectorSize = segment.sectorSize;
    this.size = size;
    this.#offset = segment.offset;
    this.#readOnly = readOnly;
    const step = BigInt(segment.sectorSize / 512);
    // The engine takes whole sectors and multiplies by the step; iv_tweak is in 512-byte units.
    if (segment.ivTweak % step !== 0n) {
      throw new LuksMetadataError(
        'segment',
        `segment ${segment.id} iv_tweak ${segment.ivTweak} is not a multiple of ${step} (its sector size in 512-byte units)`,
      );
    }
    this.#firstTweakSector = segment.ivTweak / step;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const what = 'LuksVolume.read';
    byteCount(offset, `${what}: offset`);
    byteCount(length, `${what}: length`);
    this.#inside(offset, length, what);
    return this.#serial(async () => {
      if (length === 0) return new Uint8Array(0);
      const { first, bytes } = await this.#readSectors(offset, length, what);
      return bytes.slice(offset - first, offset - first + length);
    });
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    const what = 'LuksVolume.write';
    byteCount(offset, `${what}: offset`);
    bytes(data, `${what}: bytes`);
    this.#inside(offset, data.length, what);
    if (this.#readOnly) throw new Error(`${what}: the container was opened read-only`);
    const copy = new Uint8Array(data); // a copy (Buffer#slice would be a view): encrypted in place, and the caller may change `data` meanwhile
    return this.#serial(async () => {
      if (copy.length === 0) return;
      const s = this.sectorSize;
      const first = Math.floor(offset / s) * s;
      const end = Math.ceil((offset + copy.length) / s) * s;
      let plain: Uint8Array;
      if (first === offset && end === offset + copy.length) {
        plain = copy;
      } else {
        plain = (await this.#readSectors(offset, copy.length, what)).bytes;
        plain.set(copy, offset - first);
      }
      const xts = this.#live(what);
      xts.encrypt(plain, this.#firstTweakSector + BigInt(first / s), plain);
      await this.#store.write(this.#offset + first, plain);
    });
  }

  flush(): Promise<void> {
    return this.#serial(async () => {
      this.#live('LuksVolume.flush');
      await this.#store.flush();
    });
  }

  /** Flushes, then zeroes the key. The stores stay open (they belong to the container). */
  close(): Promise<void> {
    return this.#serial(async () => {
      if (this.#xts === undefined) return;
      try {
        if (!this.#readOnly) await this.#store.flush();
      } finally {
        this.#xts.dispose();
        this.#xts = undefined;
      }
    });
  }

  get closed(): boolean {
    return this.#xts === undefined;
  }

  async #readSectors(offset: number, length: number, what: string): Promise<{ first: number; bytes: Uint8Array }> {
    const s = this.sectorSize;
    const first = Math.floor(offset / s) * s;
    const end = Math.ceil((offset + length) / s) * s;
    const bytes = await this.#store.read(this.#offset + first, end - first);
    this.#live(what).decrypt(bytes, this.#firstTweakSector + BigInt(first / s), bytes);
    return { first, bytes };
  }

  #inside(offset: number, length: number, what: string): void {
    const end = checkRangeEnd(offset, length, what);
    if (end > this.size)
      throw new RangeError(
        `${what}: offset ${offset} + length ${length} passes the end of the data segment (${this.size} bytes)`,
      );
  }

  #live(what: string): Xts {
    if (this.#xts === undefined) throw new LuksClosedError(`${what}: the volume was closed`);
    return this.#xts;
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
