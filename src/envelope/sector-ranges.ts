// The sector arithmetic of Volume.read and Volume.write, kept pure (no store, no cipher, no key
// service) so it is testable on its own: which sectors a byte range touches, in chunks of at most
// `chunkBytes`, and, for a write, which bytes of each chunk are data, which are zeros and which
// edge sectors must be read first because the write covers them only in part.

/** One step of a read: decrypt `sectorCount` sectors from `firstSector`, then copy the chunk's
 *  bytes [from, to) to the output at `outAt`. */
export interface ReadChunk {
  firstSector: number;
  sectorCount: number;
  from: number;
  to: number;
  outAt: number;
}

/** The chunks of a read of `count` bytes at `start`: each covers whole sectors and at most
 *  `chunkBytes` bytes past the start of its first sector. */
export function* readChunks(
  start: number,
  count: number,
  sectorSize: number,
  chunkBytes: number,
): Generator<ReadChunk> {
  let at = start;
  while (at < start + count) {
    const firstSector = Math.floor(at / sectorSize);
    const chunkEnd = Math.min(start + count, firstSector * sectorSize + chunkBytes);
    const lastSector = Math.floor((chunkEnd - 1) / sectorSize);
    const base = firstSector * sectorSize;
    yield {
      firstSector,
      sectorCount: lastSector - firstSector + 1,
      from: at - base,
      to: chunkEnd - base,
      outAt: at - start,
    };
    at = chunkEnd;
  }
}

/** One step of a write: `sectorCount` sectors from `firstSector` (byte `chunkStart` of the
 *  volume). Bytes [zeroFrom, zeroTo) of the chunk become zeros and `data`'s bytes
 *  [dataFrom, dataTo) go to the chunk at `dataAt`; `edges` are the partly covered sectors that
 *  hold existing bytes, to be read (decrypted) into the chunk first. Offsets are within the chunk. */
export interface WriteChunk {
  firstSector: number;
  sectorCount: number;
  chunkStart: number;
  edges: number[];
  zeroFrom: number;
  zeroTo: number;
  dataFrom: number;
  dataTo: number;
  dataAt: number;
}

/** The chunks of writing the plaintext range [from, end): the data at `dataStart`, zeros before
 *  it (`from` < `dataStart` when a write past the end fills the gap). Sectors below
 *  `existingBytes` keep their bytes outside the range. A data range that runs past the data's
 *  length is clamped by the caller's `subarray`. */
export function* writeChunks(
  from: number,
  end: number,
  dataStart: number,
  existingBytes: number,
  sectorSize: number,
  chunkBytes: number,
): Generator<WriteChunk> {
  if (end <= from) return;
  const ss = sectorSize;
  const existingSectors = Math.ceil(existingBytes / ss);
  const chunkSectors = Math.max(1, Math.floor(chunkBytes / ss));
  const firstSector = Math.floor(from / ss);
  const lastSector = Math.floor((end - 1) / ss);
  for (let s = firstSector; s <= lastSector; s += chunkSectors) {
    const count = Math.min(chunkSectors, lastSector - s + 1);
    const chunkStart = s * ss;
    const edges = new Set<number>();
    if (s === firstSector && from % ss !== 0) edges.add(s);
    if (s + count - 1 === lastSector && end % ss !== 0) edges.add(lastSector);
    const lo = Math.max(from, chunkStart);
    const hi = Math.min(end, chunkStart + count * ss);
    const dLo = Math.max(lo, dataStart);
    yield {
      firstSector: s,
      sectorCount: count,
      chunkStart,
      edges: [...edges].filter((edge) => edge < existingSectors),
      zeroFrom: lo - chunkStart,
      zeroTo: Math.min(hi, dLo) - chunkStart,
      dataFrom: hi > dataStart ? dLo - dataStart : 0,
      dataTo: hi > dataStart ? hi - dataStart : 0,
      dataAt: dLo - chunkStart,
    };
  }
}
