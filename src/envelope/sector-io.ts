// A volume's data sectors on its store: byte ranges read and written as whole XTS sectors, in
// chunks of at most CHUNK_BYTES (the memory a large call uses), over the pure arithmetic of
// sector-ranges.ts. Volume owns the rules around it (queueing, read-only, size, header); this file
// only moves bytes between plaintext ranges and encrypted sectors. Its methods are StoreTasks
// (src/storage/store-task.ts): the Volume runs them over the store's async or sync path.
//
// Sector n of the data area is encrypted under XTS with tweak n — under the volume's sector key,
// or the derived SectorKey a call names (sector-key.ts); plaintext copies made here are zeroed
// once they have been copied out or encrypted in place.

import type { Xts } from '../engine/xts.js';
import { readOp, writeOp, type StoreTask } from '../storage/store-task.js';
import { readChunks, writeChunks } from './sector-ranges.js';

/** Bytes of sectors processed per store call: bounds the memory a large read or write uses. */
const CHUNK_BYTES = 1 << 20;

export class SectorIo {
  constructor(
    private readonly xts: Xts,
    private readonly dataOffset: number,
    private readonly sectorSize: number,
  ) {}

  /** The plaintext bytes [start, start + count) (the caller checked they are below the size). */
  *readRange(start: number, count: number, xts = this.xts): StoreTask<Uint8Array> {
    const ss = this.sectorSize;
    if (count > 0 && start % ss === 0 && count % ss === 0 && count <= CHUNK_BYTES) {
      // Whole sectors in one chunk (a page read of SQLite's): the decrypted store bytes are the
      // answer, with no second copy to make and zero.
      return yield* this.readSectors(start / ss, count / ss, xts);
    }
    const out = new Uint8Array(count);
    for (const c of readChunks(start, count, this.sectorSize, CHUNK_BYTES)) {
      const plain = yield* this.readSectors(c.firstSector, c.sectorCount, xts);
      out.set(plain.subarray(c.from, c.to), c.outAt);
      plain.fill(0);
    }
    return out;
  }

  /** Writes the plaintext range [from, end) — `data` at `dataStart`, zeros before it — as whole
   *  sectors; sectors below `existingBytes` keep their bytes outside the range (read under the
   *  same key: a caller with derived keys keeps each sector under one key). */
  *writeRange(
    from: number,
    end: number,
    dataStart: number,
    data: Uint8Array,
    existingBytes: number,
    xts = this.xts,
  ): StoreTask<void> {
    const ss = this.sectorSize;
    for (const c of writeChunks(from, end, dataStart, existingBytes, ss, CHUNK_BYTES)) {
      const plain = new Uint8Array(c.sectorCount * ss);
      // Edge sectors that are only partly overwritten keep their other bytes.
      for (const edge of c.edges) plain.set(yield* this.readSectors(edge, 1, xts), (edge - c.firstSector) * ss);
      plain.fill(0, c.zeroFrom, c.zeroTo);
      if (c.dataTo > c.dataFrom) plain.set(data.subarray(c.dataFrom, c.dataTo), c.dataAt);
      xts.encrypt(plain, c.firstSector, plain);
      yield* writeOp(this.dataOffset + c.chunkStart, plain);
    }
  }

  private *readSectors(first: number, count: number, xts: Xts): StoreTask<Uint8Array> {
    const ss = this.sectorSize;
    const cipher = yield* readOp(this.dataOffset + first * ss, count * ss);
    return xts.decrypt(cipher, first, cipher);
  }
}
