// ContainerFs: the files of one SQLite database — the main file, its rollback journal, its WAL,
// whatever else SQLite names — inside ONE atrest Volume, so one data key (one key-service call
// per open) covers them all and the host sees one encrypted container, not a set of files whose
// names and sizes tell which is the journal. Everything here runs on the Volume's sync path
// (readSync/writeSync/flushSync), because SQLite's VFS calls are synchronous.
//
// Per-file keys (container version 2): each file's sectors are encrypted under its own XTS key,
// derived from the volume's data key under the label `atrest/sqlite file <name>`
// (Volume.deriveSectorKey: no key-service call), so the main file, the journal and the WAL are
// never under one key; the file table stays under the volume's own sector key. That holds only
// if no XTS sector is shared by two files: the sector size must divide the 64 KiB extents (it
// does for every size a volume allows; open checks it anyway), and a sector is rewritten only by
// the file that owns its extent. Version 1 containers (atrest before per-file keys) keep every
// file under the volume's key, and open as they are.
//
// Layout of the Volume's plaintext (docs/FORMAT.md, "SQLite container"):
//   [0, 64 KiB)        file table, copy A      [64 KiB, 128 KiB)  file table, copy B
//   [128 KiB, …)       extents of 64 KiB each, numbered from 0
// A file is a size and a list of extents. The table is written whole into the copy its new
// sequence number selects (sequence mod 2), with a SHA-256 over it, so a torn table write leaves
// the other copy intact; open takes the valid copy with the higher sequence.
//
// Crash rules (the table on the store is the only truth after a crash):
// - commit(): the data is flushed first, then the table copy is written and flushed. So a
//   committed table never refers to data that is not durable.
// - An extent allocated since the last commit is referenced only by the next commit; an extent
//   freed since the last commit is not reused until a commit that no longer refers to it is
//   durable (`durable` below). So a crash never shows a committed file a reused extent's bytes.
// - Bytes a file grows over (a write past its end, a truncate up) are written as zeros first:
//   an extent reused from a freed file never shows its old bytes.
// SQLite commits through xSync, xTruncate and xDelete (vfs.ts), whose calls end in commit().
// A commit writes the table only when it changed (a size, an extent, a name): an xSync after
// writes inside the files' sizes only flushes the volume, since the durable table already
// describes those files.
//
// Write combining: SQLite appends a journal record as three writes (page number, page, checksum)
// at offsets that are not sector-aligned, and each would be a read-modify-write of whole XTS
// sectors. So per file, a run of writes that each start where the previous one ended is kept in
// memory and written as one range when that file is read, written elsewhere, truncated or
// removed, when the runs together pass PENDING_MAX_BYTES, and at every commit. Runs of different
// files do not flush each other: SQLite interleaves journal records with the pages it reads and
// the pages it spills to the main file, and writes between two volume flushes have no order on
// the store anyway (a file system may write back either first). What a crash keeps is decided
// by commit alone: the runs are written, the volume flushed, then the table.
//
// Whole sectors where the bytes allow: a write that reaches its file's end is padded with zeros
// to the end of its last XTS sector (bytes past a file's end are never read: growth zero-fills
// them first), and a table copy is written padded to whole sectors, so neither makes the volume
// read and decrypt a sector only to re-encrypt it.

import { sha256 } from '@noble/hashes/sha2.js';
import type { SectorKey } from '../envelope/sector-key.js';
import type { Volume } from '../envelope/volume.js';
import { equalBytes } from '../utils/bytes.js';

export const TABLE_COPY_BYTES = 64 * 1024;
export const EXTENT_BYTES = 64 * 1024;
export const EXTENTS_START = 2 * TABLE_COPY_BYTES;
/** The table magic per container version: 1, all files under the volume's key; 2, per-file keys. */
const MAGIC: Record<ContainerVersion, Uint8Array> = {
  1: new TextEncoder().encode('ATSQLFS1'),
  2: new TextEncoder().encode('ATSQLFS2'),
};
export type ContainerVersion = 1 | 2;
/** What a new container is. */
export const CONTAINER_VERSION: ContainerVersion = 2;
const FILE_KEY_LABEL = 'atrest/sqlite file ';
/** magic (8) ‖ sequence (u64 LE) ‖ body length (u32 LE) ‖ SHA-256 of the previous 20 bytes and the body. */
const PREFIX_BYTES = 8 + 8 + 4 + 32;
const ZEROS = new Uint8Array(EXTENT_BYTES);
/** The most bytes the pending runs of all files hold together. */
const PENDING_MAX_BYTES = 1 << 20;

/** A run of contiguous writes to one file not yet written to the volume. */
interface PendingRun {
  name: string;
  offset: number;
  parts: Uint8Array[];
  length: number;
}

interface FileEntry {
  name: string;
  size: number;
  extents: number[];
  /** The file's own key (version 2), derived on first use; disposed when the file is removed. */
  key?: SectorKey;
}

/** The table's JSON body: file name → [size, runs of extents as [first, count]]. */
type TableBody = { files: Record<string, [number, [number, number][]]> };

/** The container's file table is unreadable in both copies, or contradicts itself. */
export class ContainerDamagedError extends Error {
  override name = 'ContainerDamagedError';
}

/** An atrest volume that is not an atrest/sqlite database (another kind of volume). */
export class NotSqliteDatabaseError extends Error {
  override name = 'NotSqliteDatabaseError';
}

export class ContainerFs {
  readonly #volume: Volume;
  readonly #version: ContainerVersion;
  readonly #files = new Map<string, FileEntry>();
  /** Per extent: referenced by the table in memory / by the last durable table. */
  #inUse: boolean[] = [];
  #durable: boolean[] = [];
  #sequence: number;
  /** The table in memory differs from the last one committed. */
  #dirty = false;
  /** Data was written to the volume since its last flush. */
  #unflushed = false;
  #searchFrom = 0;
  /** Per file name, its pending run (see "Write combining"). */
  readonly #pending = new Map<string, PendingRun>();
  #pendingBytes = 0;

  private constructor(volume: Volume, version: ContainerVersion, sequence: number) {
    this.#volume = volume;
    this.#version = version;
    this.#sequence = sequence;
  }

  /** The container of `version` on `volume`: an empty one is formatted (an empty table,
   *  committed). */
  static open(volume: Volume, version: ContainerVersion): ContainerFs {
    if (version === 2 && EXTENT_BYTES % volume.sectorSize !== 0)
      throw new RangeError(
        `atrest/sqlite: per-file keys need XTS sectors that never span two files: the volume's sector size (${volume.sectorSize}) must divide the ${EXTENT_BYTES}-byte extents`,
      );
    if (volume.size === 0) {
      const fs = new ContainerFs(volume, version, 0);
      fs.#dirty = true;
      fs.commit();
      return fs;
    }
    const copies = [0, 1]
      .map((slot) => readCopy(volume, slot, MAGIC[version]))
      .filter((c): c is { sequence: number; body: TableBody } => c !== undefined);
    if (copies.length === 0)
      throw new ContainerDamagedError(
        'atrest/sqlite: neither copy of the container file table is valid (not an atrest/sqlite container, or both copies damaged)',
      );
    const newest = copies.reduce((a, b) => (b.sequence > a.sequence ? b : a));
    const fs = new ContainerFs(volume, version, newest.sequence);
    fs.#load(newest.body);
    return fs;
  }

  /** Names of the files, for tests and tools. */
  names(): string[] {
    return [...this.#files.keys()];
  }
  exists(name: string): boolean {
    return this.#files.has(name);
  }
  size(name: string): number {
    const f = this.#file(name);
    const p = this.#pending.get(name);
    return p !== undefined ? Math.max(f.size, p.offset + p.length) : f.size;
  }
  /** True when changes since the last commit are only in memory. */
  get dirty(): boolean {
    return this.#dirty || this.#pending.size > 0;
  }

  create(name: string): void {
    if (this.#files.has(name)) return;
    this.#files.set(name, { name, size: 0, extents: [] });
    this.#dirty = true;
  }

  remove(name: string): void {
    const f = this.#file(name);
    this.#dropPending(name); // the file's bytes go with it
    for (const e of f.extents) this.#inUse[e] = false;
    f.key?.dispose();
    this.#files.delete(name);
    this.#searchFrom = 0;
    this.#dirty = true;
  }

  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  read(name: string, offset: number, length: number): Uint8Array {
    this.#writePending(name);
    const f = this.#file(name);
    const n = Math.max(0, Math.min(length, f.size - offset));
    const within = offset % EXTENT_BYTES;
    if (n > 0 && within + n <= EXTENT_BYTES) {
      // Inside one extent (every page read): the volume's answer is already a fresh array.
      return this.#volume.readSync(
        EXTENTS_START + f.extents[Math.floor(offset / EXTENT_BYTES)]! * EXTENT_BYTES + within,
        n,
        this.#keyOf(f),
      );
    }
    const out = new Uint8Array(n);
    const key = this.#keyOf(f);
    this.#pieces(f, offset, n, (at, from, count) => out.set(this.#volume.readSync(at, count, key), from));
    return out;
  }

  /** Writes `bytes`. The container may keep them until it writes them; `borrowed`: they are
   *  valid only during this call (SQLite's heap), so a kept write is copied first. */
  write(name: string, offset: number, bytes: Uint8Array, borrowed = false): void {
    const f = this.#file(name);
    const p = this.#pending.get(name);
    const sector = this.#volume.sectorSize;
    if ((p === undefined || offset !== p.offset + p.length) && offset % sector === 0 && bytes.length % sector === 0) {
      // Whole sectors (SQLite's page writes): nothing to combine, so straight to the volume.
      this.#writePending(name);
      if (offset > f.size) this.#zeroFill(f, f.size, offset);
      this.#writeAt(f, offset, bytes);
      return;
    }
    if (borrowed) bytes = bytes.slice();
    if (this.#pendingBytes + bytes.length > PENDING_MAX_BYTES) this.#writeAllPending();
    const run = this.#pending.get(name); // gone if the line above wrote it
    if (run !== undefined && offset === run.offset + run.length) {
      run.parts.push(bytes);
      run.length += bytes.length;
    } else {
      this.#writePending(name);
      this.#pending.set(name, { name, offset, parts: [bytes], length: bytes.length });
    }
    this.#pendingBytes += bytes.length;
  }

  truncate(name: string, size: number): void {
    this.#writePending(name);
    const f = this.#file(name);
    if (size > f.size) {
      this.#zeroFill(f, f.size, size);
      return;
    }
    const keep = Math.ceil(size / EXTENT_BYTES);
    for (const e of f.extents.splice(keep)) this.#inUse[e] = false;
    this.#searchFrom = 0;
    if (size !== f.size) this.#dirty = true;
    f.size = size;
  }

  /** Makes the files as they are now the state a crash returns to: data, then the table. */
  commit(): void {
    this.#writeAllPending();
    if (!this.#dirty) {
      if (this.#unflushed) this.#volume.flushSync();
      this.#unflushed = false;
      return;
    }
    const sequence = this.#sequence + 1;
    const bytes = this.#encode(sequence);
    this.#volume.flushSync();
    this.#unflushed = false;
    this.#volume.writeSync((sequence % 2) * TABLE_COPY_BYTES, bytes);
    this.#volume.flushSync();
    this.#sequence = sequence;
    this.#durable = this.#inUse.slice();
    this.#searchFrom = 0;
    this.#dirty = false;
  }

  // ---- internals -------------------------------------------------------------------------------

  #file(name: string): FileEntry {
    const f = this.#files.get(name);
    if (f === undefined) throw new Error(`atrest/sqlite: no file ${JSON.stringify(name)} in the container`);
    return f;
  }

  #writeAllPending(): void {
    for (const name of [...this.#pending.keys()]) this.#writePending(name);
  }

  #dropPending(name: string): void {
    const p = this.#pending.get(name);
    if (p === undefined) return;
    this.#pending.delete(name);
    this.#pendingBytes -= p.length;
  }

  /** Writes file `name`'s pending run, if any, to the volume (zeros first over a gap past the end). */
  #writePending(name: string): void {
    const p = this.#pending.get(name);
    if (p === undefined) return;
    this.#dropPending(name);
    const f = this.#file(name);
    let bytes = p.parts[0]!;
    if (p.parts.length > 1) {
      bytes = new Uint8Array(p.length);
      let at = 0;
      for (const part of p.parts) {
        bytes.set(part, at);
        at += part.length;
      }
    }
    try {
      if (p.offset > f.size) this.#zeroFill(f, f.size, p.offset);
      this.#writeAt(f, p.offset, bytes);
    } catch (e) {
      // Kept, so the next call (a commit at the latest) tries again and fails too: a run the
      // volume refused is never committed as if it had been written.
      this.#pending.set(name, { ...p, parts: [bytes] });
      this.#pendingBytes += p.length;
      throw e;
    }
  }

  #zeroFill(f: FileEntry, from: number, to: number): void {
    for (let at = from; at < to; at += EXTENT_BYTES)
      this.#writeAt(f, at, ZEROS.subarray(0, Math.min(EXTENT_BYTES, to - at)));
  }

  #writeAt(f: FileEntry, offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length;
    while (f.extents.length * EXTENT_BYTES < end) {
      f.extents.push(this.#allocate());
      this.#dirty = true;
    }
    const data = end >= f.size ? this.#padToSector(end, bytes) : bytes;
    this.#unflushed = true;
    const key = this.#keyOf(f);
    this.#pieces(f, offset, data.length, (at, from, count) =>
      this.#volume.writeSync(at, data.subarray(from, from + count), key),
    );
    if (end > f.size) {
      f.size = end;
      this.#dirty = true;
    }
  }

  /** The key `f`'s sectors are under: its own (version 2), or the volume's (version 1). */
  #keyOf(f: FileEntry): SectorKey | undefined {
    if (this.#version === 1) return undefined;
    return (f.key ??= this.#volume.deriveSectorKey(FILE_KEY_LABEL + f.name));
  }

  /** `bytes`, which end at file offset `end` (the file's end), with zeros up to the end of that
   *  XTS sector; `bytes` itself when it ends on one, or when sectors do not tile the extents. */
  #padToSector(end: number, bytes: Uint8Array): Uint8Array {
    const padTo = this.#sectorEnd(end);
    if (padTo === end) return bytes;
    const padded = new Uint8Array(bytes.length + padTo - end);
    padded.set(bytes);
    return padded;
  }

  /** `n` rounded up to a whole number of XTS sectors, or `n` when sectors do not tile the 64 KiB
   *  extents and table copies (then a padded write could cross into a neighbour). */
  #sectorEnd(n: number): number {
    const sector = this.#volume.sectorSize;
    return EXTENT_BYTES % sector === 0 ? Math.ceil(n / sector) * sector : n;
  }

  /** Calls `each(volumeOffset, offsetInRange, count)` for the extent pieces of a file range. */
  #pieces(f: FileEntry, offset: number, length: number, each: (at: number, from: number, count: number) => void): void {
    let done = 0;
    while (done < length) {
      const pos = offset + done;
      const within = pos % EXTENT_BYTES;
      const count = Math.min(length - done, EXTENT_BYTES - within);
      const extent = f.extents[Math.floor(pos / EXTENT_BYTES)]!;
      each(EXTENTS_START + extent * EXTENT_BYTES + within, done, count);
      done += count;
    }
  }

  /** A free extent: referenced neither by the table in memory nor by the durable one. */
  #allocate(): number {
    let i = this.#searchFrom;
    while (i < this.#inUse.length && (this.#inUse[i] || this.#durable[i])) i++;
    this.#inUse[i] = true;
    this.#searchFrom = i + 1;
    return i;
  }

  #encode(sequence: number): Uint8Array {
    const files: TableBody['files'] = {};
    for (const [name, f] of this.#files) files[name] = [f.size, toRuns(f.extents)];
    const body = new TextEncoder().encode(JSON.stringify({ files } satisfies TableBody));
    if (PREFIX_BYTES + body.length > TABLE_COPY_BYTES)
      throw new RangeError(
        `atrest/sqlite: the container file table (${body.length} bytes) does not fit its ${TABLE_COPY_BYTES}-byte copy (too many fragmented extents)`,
      );
    // Zeros up to whole sectors (read back as nothing: the prefix gives the body's length).
    const out = new Uint8Array(this.#sectorEnd(PREFIX_BYTES + body.length)); // TABLE_COPY_BYTES = EXTENT_BYTES
    out.set(MAGIC[this.#version], 0);
    const view = new DataView(out.buffer);
    view.setBigUint64(8, BigInt(sequence), true);
    view.setUint32(16, body.length, true);
    out.set(body, PREFIX_BYTES);
    out.set(digest(out, body), 20);
    return out;
  }

  #load(body: TableBody): void {
    for (const [name, [size, runs]] of Object.entries(body.files)) {
      const extents: number[] = [];
      for (const [first, count] of runs) for (let e = first; e < first + count; e++) extents.push(e);
      if (!Number.isSafeInteger(size) || size < 0 || extents.length !== Math.ceil(size / EXTENT_BYTES))
        throw new ContainerDamagedError(
          `atrest/sqlite: the file table entry of ${JSON.stringify(name)} is inconsistent`,
        );
      for (const e of extents) {
        if (this.#inUse[e]) throw new ContainerDamagedError(`atrest/sqlite: extent ${e} belongs to two files`);
        this.#inUse[e] = true;
      }
      this.#files.set(name, { name, size, extents });
    }
    this.#durable = this.#inUse.slice();
  }
}

function digest(prefixed: Uint8Array, body: Uint8Array): Uint8Array {
  const input = new Uint8Array(20 + body.length);
  input.set(prefixed.subarray(0, 20), 0);
  input.set(body, 20);
  return sha256(input);
}

/** One table copy, or undefined when it is missing, torn or not a table. */
function readCopy(volume: Volume, slot: number, magic: Uint8Array): { sequence: number; body: TableBody } | undefined {
  const at = slot * TABLE_COPY_BYTES;
  if (volume.size < at + PREFIX_BYTES) return undefined;
  const prefix = volume.readSync(at, PREFIX_BYTES);
  if (!equalBytes(prefix.subarray(0, magic.length), magic)) return undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset);
  const sequence = Number(view.getBigUint64(8, true));
  const length = view.getUint32(16, true);
  if (length > TABLE_COPY_BYTES - PREFIX_BYTES || volume.size < at + PREFIX_BYTES + length) return undefined;
  const body = volume.readSync(at + PREFIX_BYTES, length);
  if (!equalBytes(digest(prefix, body), prefix.subarray(20, PREFIX_BYTES)) || sequence % 2 !== slot) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as TableBody;
    return typeof parsed?.files === 'object' && parsed.files !== null ? { sequence, body: parsed } : undefined;
  } catch {
    return undefined;
  }
}

function toRuns(extents: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const e of extents) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] + last[1] === e) last[1] += 1;
    else runs.push([e, 1]);
  }
  return runs;
}
