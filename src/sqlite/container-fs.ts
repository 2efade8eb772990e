// ContainerFs: the files of one SQLite database — the main file, its rollback journal, its WAL,
// whatever else SQLite names — inside ONE atrest Volume, so one data key (one key-service call
// per open) covers them all and the host sees one encrypted container, not a set of files whose
// names and sizes tell which is the journal. Everything here runs on the Volume's sync path
// (readSync/writeSync/flushSync), because SQLite's VFS calls are synchronous.
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
//
// Write combining: SQLite appends a journal record as three writes (page number, page, checksum)
// at offsets that are not sector-aligned, and each would be a read-modify-write of whole XTS
// sectors. So a run of writes that each start where the previous one ended is kept in memory
// (up to PENDING_MAX_BYTES) and written as one range before anything else touches the files:
// a read, a write elsewhere, a truncate, a removal, a commit. Nothing is durable before a commit
// anyway, and a commit writes the run first.

import { sha256 } from '@noble/hashes/sha2.js';
import type { Volume } from '../envelope/volume.js';
import { equalBytes } from '../utils/bytes.js';

export const TABLE_COPY_BYTES = 64 * 1024;
export const EXTENT_BYTES = 64 * 1024;
export const EXTENTS_START = 2 * TABLE_COPY_BYTES;
const MAGIC = new TextEncoder().encode('ATSQLFS1');
/** magic (8) ‖ sequence (u64 LE) ‖ body length (u32 LE) ‖ SHA-256 of the previous 20 bytes and the body. */
const PREFIX_BYTES = 8 + 8 + 4 + 32;
const ZEROS = new Uint8Array(EXTENT_BYTES);
const PENDING_MAX_BYTES = 1 << 20;

/** A run of contiguous writes to one file not yet written to the volume. */
interface PendingRun {
  name: string;
  offset: number;
  parts: Uint8Array[];
  length: number;
}

interface FileEntry {
  size: number;
  extents: number[];
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
  readonly #files = new Map<string, FileEntry>();
  /** Per extent: referenced by the table in memory / by the last durable table. */
  #inUse: boolean[] = [];
  #durable: boolean[] = [];
  #sequence: number;
  #dirty = false;
  #searchFrom = 0;
  #pending: PendingRun | undefined;

  private constructor(volume: Volume, sequence: number) {
    this.#volume = volume;
    this.#sequence = sequence;
  }

  /** The container on `volume`: an empty one is formatted (an empty table, committed). */
  static open(volume: Volume): ContainerFs {
    if (volume.size === 0) {
      const fs = new ContainerFs(volume, 0);
      fs.#dirty = true;
      fs.commit();
      return fs;
    }
    const copies = [0, 1]
      .map((slot) => readCopy(volume, slot))
      .filter((c): c is { sequence: number; body: TableBody } => c !== undefined);
    if (copies.length === 0)
      throw new ContainerDamagedError(
        'atrest/sqlite: neither copy of the container file table is valid (not an atrest/sqlite container, or both copies damaged)',
      );
    const newest = copies.reduce((a, b) => (b.sequence > a.sequence ? b : a));
    const fs = new ContainerFs(volume, newest.sequence);
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
    const p = this.#pending;
    return p !== undefined && p.name === name ? Math.max(f.size, p.offset + p.length) : f.size;
  }
  /** True when changes since the last commit are only in memory. */
  get dirty(): boolean {
    return this.#dirty || this.#pending !== undefined;
  }

  create(name: string): void {
    if (this.#files.has(name)) return;
    this.#files.set(name, { size: 0, extents: [] });
    this.#dirty = true;
  }

  remove(name: string): void {
    this.#writePending();
    const f = this.#file(name);
    for (const e of f.extents) this.#inUse[e] = false;
    this.#files.delete(name);
    this.#searchFrom = 0;
    this.#dirty = true;
  }

  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  read(name: string, offset: number, length: number): Uint8Array {
    this.#writePending();
    const f = this.#file(name);
    const n = Math.max(0, Math.min(length, f.size - offset));
    const out = new Uint8Array(n);
    this.#pieces(f, offset, n, (at, from, count) => out.set(this.#volume.readSync(at, count), from));
    return out;
  }

  /** Writes `bytes` (which the container may keep until it writes them: pass a copy). */
  write(name: string, offset: number, bytes: Uint8Array): void {
    this.#file(name);
    const p = this.#pending;
    if (
      p !== undefined &&
      p.name === name &&
      offset === p.offset + p.length &&
      p.length + bytes.length <= PENDING_MAX_BYTES
    ) {
      p.parts.push(bytes);
      p.length += bytes.length;
      return;
    }
    this.#writePending();
    this.#pending = { name, offset, parts: [bytes], length: bytes.length };
  }

  truncate(name: string, size: number): void {
    this.#writePending();
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
    this.#writePending();
    if (!this.#dirty) return;
    const sequence = this.#sequence + 1;
    const bytes = this.#encode(sequence);
    this.#volume.flushSync();
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

  /** Writes the pending run, if any, to the volume (zeros first over a gap past the end). */
  #writePending(): void {
    const p = this.#pending;
    if (p === undefined) return;
    this.#pending = undefined;
    const f = this.#file(p.name);
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
      this.#pending = { ...p, parts: [bytes] };
      throw e;
    }
  }

  #zeroFill(f: FileEntry, from: number, to: number): void {
    for (let at = from; at < to; at += EXTENT_BYTES)
      this.#writeAt(f, at, ZEROS.subarray(0, Math.min(EXTENT_BYTES, to - at)));
  }

  #writeAt(f: FileEntry, offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length;
    while (f.extents.length * EXTENT_BYTES < end) f.extents.push(this.#allocate());
    this.#pieces(f, offset, bytes.length, (at, from, count) =>
      this.#volume.writeSync(at, bytes.subarray(from, from + count)),
    );
    if (end > f.size) f.size = end;
    this.#dirty = true;
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
    const out = new Uint8Array(PREFIX_BYTES + body.length);
    out.set(MAGIC, 0);
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
      this.#files.set(name, { size, extents });
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
function readCopy(volume: Volume, slot: number): { sequence: number; body: TableBody } | undefined {
  const at = slot * TABLE_COPY_BYTES;
  if (volume.size < at + PREFIX_BYTES) return undefined;
  const prefix = volume.readSync(at, PREFIX_BYTES);
  if (!equalBytes(prefix.subarray(0, MAGIC.length), MAGIC)) return undefined;
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
