// OPFS access for the main thread (and anywhere FileSystemSyncAccessHandle is missing): reads
// through getFile(), writes collected in memory and committed in one FileSystemWritableFileStream
// per batch.
//
// Why batches: a writable stream does not write in place. Chromium copies the file to a swap
// file when the stream is created (keepExistingData) and moves the swap file over the original
// on close(). One stream per write would copy the whole volume for every sector written; one per
// batch pays that copy once per flush() (or once per MAX_PENDING_BYTES written). Until then the
// pending changes live here, and reads lay them over the committed bytes, so the store behaves
// exactly like one written in place. In exchange, a batch commits all or nothing: a crash or a
// failed commit leaves the file as it was at the previous flush, never half of a batch.
//
// Durability: the web offers no fsync on the main thread. flush() resolves when the browser has
// closed the stream (the swap file replaced the original); whether that reached the disk is the
// browser's business. Use a dedicated worker (opfs-sync-access.ts) for FileSystemSyncAccessHandle
// and its flush(), the closest thing to fsync the platform has, and for in-place writes.

import type { OpfsAccess } from './opfs-block-store.js';

type PendingChange =
  { kind: 'write'; offset: number; bytes: Uint8Array<ArrayBuffer> } | { kind: 'truncate'; size: number };

/** Commit on its own once this much written data is pending, to bound the memory held. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** … or this many changes, to bound the work of laying them over every read. */
const MAX_PENDING_CHANGES = 4096;

export class OpfsWritableBatches implements OpfsAccess {
  private readonly handle: FileSystemFileHandle;
  private committedSize: number;
  private logicalSize: number;
  private pending: PendingChange[] = [];
  private pendingBytes = 0;

  private constructor(handle: FileSystemFileHandle, size: number) {
    this.handle = handle;
    this.committedSize = size;
    this.logicalSize = size;
  }

  static async open(handle: FileSystemFileHandle): Promise<OpfsWritableBatches> {
    return new OpfsWritableBatches(handle, (await handle.getFile()).size);
  }

  async size(): Promise<number> {
    return this.logicalSize;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const bytes = new Uint8Array(length);
    const end = offset + length;
    const committedEnd = Math.min(end, this.committedSize);
    if (committedEnd > offset) {
      // A fresh File each time: a File is a snapshot, and Chromium refuses to read one taken
      // before the last commit.
      const file = await this.handle.getFile();
      bytes.set(new Uint8Array(await file.slice(offset, committedEnd).arrayBuffer()));
    }
    for (const change of this.pending) {
      if (change.kind === 'truncate') {
        if (change.size < end) bytes.fill(0, Math.max(change.size - offset, 0));
        continue;
      }
      const from = Math.max(offset, change.offset);
      const to = Math.min(end, change.offset + change.bytes.length);
      if (from < to) bytes.set(change.bytes.subarray(from - change.offset, to - change.offset), from - offset);
    }
    return bytes;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    // A copy: the caller may reuse its array once write() resolves, long before the commit.
    this.pending.push({ kind: 'write', offset, bytes: bytes.slice() });
    this.pendingBytes += bytes.length;
    this.logicalSize = Math.max(this.logicalSize, offset + bytes.length);
    await this.commitIfLarge();
  }

  async truncate(size: number): Promise<void> {
    this.pending.push({ kind: 'truncate', size });
    this.logicalSize = size;
    await this.commitIfLarge();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const stream = await this.handle.createWritable({ keepExistingData: true });
    try {
      // Positions beyond the end are zero-filled by the stream (File System standard, "write a
      // chunk"), as the BlockStore rules require.
      for (const change of this.pending) {
        if (change.kind === 'write') await stream.write({ type: 'write', position: change.offset, data: change.bytes });
        else await stream.truncate(change.size);
      }
      await stream.close();
    } catch (err) {
      // Nothing of the batch reached the file; keep it pending so a later flush can retry it.
      await stream.abort().catch(() => {});
      throw err;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.committedSize = this.logicalSize;
  }

  async close(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private async commitIfLarge(): Promise<void> {
    if (this.pendingBytes >= MAX_PENDING_BYTES || this.pending.length >= MAX_PENDING_CHANGES) await this.flush();
  }
}
