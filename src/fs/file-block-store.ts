// FileBlockStore: a BlockStore in one file, for Node and Deno (through node:fs/promises, which
// Deno implements; under Deno it needs read permission for the file, and write permission
// unless opened read-only).
//
// Positioned I/O (pread/pwrite through FileHandle.read/write with a position), so there is no
// shared file offset to race on. Both may transfer fewer bytes than asked (signals, network file
// systems, very large requests): every read and write loops until the whole range is done.
// A write that starts past the end leaves a hole, which the OS reads back as zeros (and most
// file systems do not even allocate).
//
// flush() is fdatasync: the data and the metadata needed to read it back (the size) reach the
// disk; timestamps may not. The first flush after open() created the file also fsyncs its
// directory, so the new name survives a crash too.
//
// Synchronous too (SyncBlockStore): the same primitives through node:fs's readSync/writeSync/
// ftruncateSync/fdatasyncSync on the FileHandle's descriptor (Node and Deno), for callers that
// cannot await (a SQLite VFS).
//
// No lock: two stores (or processes) writing one file interleave their writes. The volume layer
// above is single-writer by design; keep it that way.
//
// Whoever opens a store closes it: Volume.close() flushes the store and zeroes the keys but
// leaves the store open (it may outlive the volume: reopened, destroyed, a LUKS container on the
// same file), so close the FileBlockStore after the volume. One dropped without close() would
// leave its FileHandle for the garbage collector, which Node warns about (DEP0137: "Closing a
// FileHandle object on garbage collection is deprecated", to become an error) and which holds
// a file descriptor until then: a finalizer closes the file of a collected, unclosed store itself
// and warns in our words instead (ATREST_UNCLOSED_FILE_BLOCK_STORE), naming the file and the
// rule. A store that was closed is unregistered and never warns.

import { fdatasyncSync, fstatSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { CheckedBlockStore, type SyncPrimitives } from '../storage/checked-block-store.js';
import { errorCode, syncDirectory, syncDirectorySync } from './fs-helpers.js';

export interface FileBlockStoreOptions {
  /** Create the file (empty) when it does not exist. Default false: a missing file is an error
   *  with code ENOENT. An existing file is opened as it is, never truncated. */
  create?: boolean;
  /** Open for reading only: `write` and `truncate` reject, `flush` does nothing. Default false. */
  readOnly?: boolean;
}

/** Holds the file of every open store (not the store): when a store is collected unclosed, its
 *  file is closed here, explicitly, so the runtime never closes a FileHandle on collection. */
const unclosedStores = new FinalizationRegistry<{ file: FileHandle; path: string }>(({ file, path }) => {
  void file.close().catch(() => undefined);
  process.emitWarning(
    `FileBlockStore ${path} was garbage-collected without close(); atrest closed its file. Close a store when done with it: Volume.close() leaves the store open (the store is its opener's)`,
    { code: 'ATREST_UNCLOSED_FILE_BLOCK_STORE' },
  );
});

export class FileBlockStore extends CheckedBlockStore {
  /** Absolute path of the file. */
  readonly path: string;
  private readonly file: FileHandle;
  // True from open() creating the file until a flush has made its directory entry durable.
  private directoryEntryPending: boolean;

  private constructor(path: string, file: FileHandle, readOnly: boolean, created: boolean) {
    super('FileBlockStore', readOnly);
    this.path = path;
    this.file = file;
    this.directoryEntryPending = created;
    unclosedStores.register(this, { file, path }, this);
  }

  /** Opens the file at `path` as a store; close it with close() when done (after the volume on
   *  it: Volume.close() leaves the store open).
   *  @throws an error with code ENOENT when the file is missing and `create` is not set. */
  static async open(path: string, options: FileBlockStoreOptions = {}): Promise<FileBlockStore> {
    if (typeof path !== 'string') throw new TypeError(`FileBlockStore.open: path must be a string, got ${typeof path}`);
    if (path.length === 0) throw new RangeError('FileBlockStore.open: path must not be empty');
    if (options === null || typeof options !== 'object')
      throw new TypeError('FileBlockStore.open: options must be an object');
    const create = optionalBoolean(options.create, 'create');
    const readOnly = optionalBoolean(options.readOnly, 'readOnly');
    if (create && readOnly) {
      throw new RangeError(
        'FileBlockStore.open: create and readOnly exclude each other (a read-only store cannot create its file)',
      );
    }
    const absolute = resolve(path);
    if (readOnly) return new FileBlockStore(absolute, await open(absolute, 'r'), true, false);
    const { file, created } = await openForWriting(absolute, create);
    return new FileBlockStore(absolute, file, false, created);
  }

  protected async sizeNow(): Promise<number> {
    return (await this.file.stat()).size;
  }

  protected async readAt(offset: number, length: number): Promise<Uint8Array> {
    const bytes = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.file.read(bytes, done, length - done, offset + done);
      done = this.advance(done, bytesRead, offset, length, 'read');
    }
    return bytes;
  }

  protected async writeAt(offset: number, bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, done, bytes.length - done, offset + done);
      done = this.advance(done, bytesWritten, offset, bytes.length, 'write');
    }
  }

  protected async truncateTo(size: number): Promise<void> {
    await this.file.truncate(size);
  }

  protected async flushNow(): Promise<void> {
    if (this.readOnly) return; // nothing to make durable (and Windows refuses to flush a read-only handle)
    await this.file.datasync();
    if (this.directoryEntryPending) {
      await syncDirectory(dirname(this.path));
      this.directoryEntryPending = false;
    }
  }

  private readonly primitives: SyncPrimitives = {
    sizeNow: () => fstatSync(this.file.fd).size,
    readAt: (offset, length) => {
      const bytes = new Uint8Array(length);
      for (let done = 0; done < length;)
        done = this.advance(
          done,
          readSync(this.file.fd, bytes, done, length - done, offset + done),
          offset,
          length,
          'read',
        );
      return bytes;
    },
    writeAt: (offset, bytes) => {
      const n = bytes.length;
      for (let done = 0; done < n;)
        done = this.advance(done, writeSync(this.file.fd, bytes, done, n - done, offset + done), offset, n, 'write');
    },
    truncateTo: (size) => ftruncateSync(this.file.fd, size),
    flushNow: () => {
      if (this.readOnly) return;
      fdatasyncSync(this.file.fd);
      if (this.directoryEntryPending) {
        syncDirectorySync(dirname(this.path));
        this.directoryEntryPending = false;
      }
    },
  };

  protected override syncPrimitives(): SyncPrimitives {
    return this.primitives;
  }

  /** One step of a read or write loop: `moved` more bytes done, or the error when none moved. */
  private advance(done: number, moved: number, offset: number, length: number, op: 'read' | 'write'): number {
    if (moved === 0) {
      // A read: the size was checked just before, so another writer shrank the file in between.
      throw new Error(
        op === 'read'
          ? `FileBlockStore.read: ${this.path} ended at ${offset + done} while reading ${length} bytes at ${offset} (truncated by someone else?)`
          : `FileBlockStore.write: ${this.path} accepted no bytes at ${offset + done}`,
      );
    }
    return done + moved;
  }

  protected async closeNow(): Promise<void> {
    unclosedStores.unregister(this);
    await this.file.close();
  }
}

/** 'r+' opens an existing file for reading and writing without truncating it; Node has no
 *  string flag for "create if missing, never truncate" ('a+' would append every write at the
 *  end, ignoring positions), so a missing file is created exclusively ('wx+') and a creation
 *  race lost to another opener goes back to 'r+'. */
async function openForWriting(path: string, create: boolean): Promise<{ file: FileHandle; created: boolean }> {
  for (;;) {
    try {
      return { file: await open(path, 'r+'), created: false };
    } catch (err) {
      if (!create || errorCode(err) !== 'ENOENT') throw err;
    }
    try {
      return { file: await open(path, 'wx+', 0o600), created: true };
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
  }
}

function optionalBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean')
    throw new TypeError(`FileBlockStore.open: ${name} must be a boolean, got ${typeof value}`);
  return value;
}
