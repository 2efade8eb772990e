// The two header copies (as LUKS2 keeps two): copy 1 at offset 0, copy 2 at offset copySize,
// each padded with zeros to the copy size. Updates write copy 1, flush, then copy 2, flush, so a
// crash at any point leaves at least one intact copy holding either the old or the new header;
// of two intact copies the one with the higher sequence number is newer. Opening picks the
// newest intact copy and rewrites the other (repair).

import type { BlockStore } from '../storage/block-store.js';
import { flushOp, runAsync, writeOp, type StoreTask } from '../storage/store-task.js';
import { HeaderDamagedError, NotAtrestVolumeError, TruncatedHeaderError, UnknownVersionError } from './errors.js';
import { PREFIX_BYTES, COPY_SIZE_MAX, COPY_SIZE_MIN } from './format.js';
import { decodeHeader, decodePrefix, HeaderParseError, verifyMac, type DecodedHeader } from './header.js';

export interface CopyRead {
  /** Where the copy starts in the store. */
  offset: number;
  header?: DecodedHeader;
  problem?: HeaderParseError;
}

async function readCopy(store: BlockStore, storeSize: number, offset: number): Promise<CopyRead> {
  const available = storeSize - offset;
  if (available <= 0)
    return {
      offset,
      problem: new HeaderParseError('truncated', `the store ends (${storeSize} bytes) before offset ${offset}`),
    };
  try {
    const prefix = decodePrefix(await store.read(offset, Math.min(PREFIX_BYTES, available)));
    const header = decodeHeader(await store.read(offset, Math.min(prefix.headerLength, available)));
    if (offset !== 0 && header.fields.copySize !== offset) {
      throw new HeaderParseError(
        'malformed',
        `copy at offset ${offset} says its copy size is ${header.fields.copySize}`,
      );
    }
    return { offset, header };
  } catch (e) {
    if (e instanceof HeaderParseError) return { offset, problem: e };
    throw e;
  }
}

/** Reads and decodes both copies (no MAC check yet: that needs the data key). Throws the error
 *  that explains the store when neither copy decodes. */
export async function readHeaderCopies(store: BlockStore, what: string): Promise<CopyRead[]> {
  const storeSize = await store.size();
  if (storeSize === 0) throw new NotAtrestVolumeError(`${what}: the store is empty, not an atrest volume`);
  const first = await readCopy(store, storeSize, 0);
  // Copy 2 is looked for at every possible copy size, never through copy 1's size field: a
  // damaged copy 1 can still decode with a wrong one. Only a copy whose own size field equals
  // its offset counts (readCopy checks), and every one found goes on to authentication.
  const found: CopyRead[] = [];
  let unreadable: CopyRead | undefined;
  for (let size = COPY_SIZE_MIN; size <= COPY_SIZE_MAX && size < storeSize; size *= 2) {
    const candidate = await readCopy(store, storeSize, size);
    if (candidate.header !== undefined) found.push(candidate);
    else if (unreadable === undefined && candidate.problem?.problem !== 'no-magic') unreadable = candidate;
  }
  const copies = [first];
  if (found.length > 0) copies.push(...found);
  else
    copies.push(
      unreadable ?? { offset: COPY_SIZE_MIN, problem: new HeaderParseError('no-magic', 'no second copy found') },
    );
  if (copies.some((c) => c.header !== undefined)) return copies;
  throw explainUnreadable(copies, storeSize, what);
}

function explainUnreadable(copies: CopyRead[], storeSize: number, what: string): Error {
  const problems = copies.map((c) => c.problem!);
  const [a, b] = problems as [HeaderParseError, HeaderParseError];
  const unknown = problems.find((p) => p.problem === 'unknown-version');
  if (unknown !== undefined) {
    return new UnknownVersionError(
      unknown.version ?? -1,
      `${what}: the header is atrest format version ${unknown.version}, which this version of atrest cannot read (${unknown.message})`,
    );
  }
  if (a.problem === 'no-magic' && b.problem === 'no-magic') {
    return new NotAtrestVolumeError(
      `${what}: the store (${storeSize} bytes) does not start with an atrest header (no magic in either header copy)`,
    );
  }
  if (a.problem === 'truncated' && b.problem !== 'malformed') {
    return new TruncatedHeaderError(
      `${what}: the store is ${storeSize} bytes and ends inside the header (${a.message})`,
    );
  }
  return new HeaderDamagedError(`${what}: both header copies are damaged (copy 1: ${a.message}; copy 2: ${b.message})`);
}

/** The newest copy whose MAC verifies under `headerMacKey`, or a HeaderDamagedError. */
export function chooseAuthenticCopy(copies: CopyRead[], headerMacKey: Uint8Array, what: string): DecodedHeader {
  let best: DecodedHeader | undefined;
  for (const c of copies) {
    if (c.header === undefined || !verifyMac(c.header, headerMacKey)) continue;
    if (best === undefined || c.header.fields.sequence > best.fields.sequence) best = c.header;
  }
  if (best === undefined) {
    throw new HeaderDamagedError(
      `${what}: both header copies are damaged: neither authenticates under the unwrapped data key (altered bytes, or a wrapped key that belongs to another volume)`,
    );
  }
  return best;
}

/** The copies that do not hold exactly `chosen` and must be rewritten. */
export function copiesToRepair(copies: CopyRead[], chosen: DecodedHeader): number[] {
  const size = chosen.fields.copySize;
  const offsets: number[] = [];
  for (const offset of [0, size]) {
    const c = copies.find((x) => x.offset === offset);
    const same =
      c?.header !== undefined &&
      c.header.bytes.length === chosen.bytes.length &&
      c.header.bytes.every((v, i) => v === chosen.bytes[i]);
    if (!same) offsets.push(offset);
  }
  return offsets;
}

function padded(bytes: Uint8Array, copySize: number): Uint8Array {
  // Zero padding to the copy's end also wipes what a longer earlier header left there (the
  // wrapped keys that removeKey or rewrap took out).
  const out = new Uint8Array(copySize);
  out.set(bytes);
  return out;
}

/** Writes `bytes` as copy 1, flushes, then as copy 2, flushes (each of `offsets`, in order). */
export function* writeHeaderCopiesTask(
  bytes: Uint8Array,
  copySize: number,
  offsets: readonly number[] = [0, copySize],
): StoreTask<void> {
  const copy = padded(bytes, copySize);
  for (const offset of offsets) {
    yield* writeOp(offset, copy);
    yield* flushOp();
  }
}

/** writeHeaderCopiesTask on a store's async path. */
export function writeHeaderCopies(
  store: BlockStore,
  bytes: Uint8Array,
  copySize: number,
  offsets?: readonly number[],
): Promise<void> {
  return runAsync(store, writeHeaderCopiesTask(bytes, copySize, offsets));
}
