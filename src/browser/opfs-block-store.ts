// OpfsBlockStore: a BlockStore in one file of the Origin Private File System (browsers; a secure
// context: https:// or http://localhost / 127.0.0.1). The file lives in the origin's private
// root directory, under the name given to open().
//
// Two ways in, chosen by open() (option `access`, default 'auto'):
// - 'sync-access-handle' (opfs-sync-access.ts): in-place positioned writes and a real flush(),
//   an exclusive lock on the file. Only in dedicated workers: 'auto' picks it there.
// - 'writable' (opfs-writable-batches.ts): works on the main thread; writes are kept in memory
//   and committed as one atomic batch per flush(), each commit costing a copy of the whole file.
//   Fine for small volumes and for reading; run large, write-heavy volumes in a worker.
// With 'sync-access-handle' the store is a SyncBlockStore too (`synchronous` is true).
// A read-only store always uses 'writable' access and never writes: it reads through getFile(),
// takes no lock, and works anywhere.

import { CheckedBlockStore, type SyncPrimitives } from '../storage/checked-block-store.js';
import { OpfsSyncAccess } from './opfs-sync-access.js';
import { OpfsWritableBatches } from './opfs-writable-batches.js';

/** The primitives of one way of reaching an OPFS file (see the two implementations). Arguments
 *  arrive checked and in range, one call at a time. */
export interface OpfsAccess {
  size(): Promise<number>;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, bytes: Uint8Array): Promise<void>;
  truncate(size: number): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export type OpfsAccessMode = 'sync-access-handle' | 'writable';

export interface OpfsBlockStoreOptions {
  /** Create the file (empty) when it does not exist. Default false: a missing file rejects with
   *  the browser's NotFoundError. An existing file is opened as it is. */
  create?: boolean;
  /** Open for reading only: `write` and `truncate` reject. Default false. */
  readOnly?: boolean;
  /** Default 'auto': 'sync-access-handle' where the browser offers it (dedicated workers), else
   *  'writable'. Asking for 'sync-access-handle' where it is missing is an error. */
  access?: 'auto' | OpfsAccessMode;
}

export class OpfsBlockStore extends CheckedBlockStore {
  /** The file's name in the origin's private root directory. */
  readonly name: string;
  /** How this store reaches the file. */
  readonly access: OpfsAccessMode;
  private readonly file: OpfsAccess;

  private constructor(name: string, access: OpfsAccessMode, file: OpfsAccess, readOnly: boolean) {
    super('OpfsBlockStore', readOnly);
    this.name = name;
    this.access = access;
    this.file = file;
  }

  static async open(name: string, options: OpfsBlockStoreOptions = {}): Promise<OpfsBlockStore> {
    checkName(name, 'OpfsBlockStore.open');
    if (options === null || typeof options !== 'object')
      throw new TypeError('OpfsBlockStore.open: options must be an object');
    const create = optionalBoolean(options.create, 'create');
    const readOnly = optionalBoolean(options.readOnly, 'readOnly');
    const requested = options.access ?? 'auto';
    if (requested !== 'auto' && requested !== 'sync-access-handle' && requested !== 'writable') {
      throw new RangeError(
        `OpfsBlockStore.open: access must be 'auto', 'sync-access-handle' or 'writable', got ${String(requested)}`,
      );
    }
    if (create && readOnly) {
      throw new RangeError(
        'OpfsBlockStore.open: create and readOnly exclude each other (a read-only store cannot create its file)',
      );
    }
    const handle = await (await rootDirectory('OpfsBlockStore.open')).getFileHandle(name, { create });
    // Read-only always reads through getFile() ('writable' access that never writes): it takes
    // no lock, so it does not keep a writer out.
    const access: OpfsAccessMode = readOnly
      ? 'writable'
      : requested === 'auto'
        ? OpfsSyncAccess.available(handle)
          ? 'sync-access-handle'
          : 'writable'
        : requested;
    const file =
      access === 'sync-access-handle' ? await OpfsSyncAccess.open(handle) : await OpfsWritableBatches.open(handle);
    return new OpfsBlockStore(name, access, file, readOnly);
  }

  /** Deletes the file `name` from the origin's private root directory. Rejects with the
   *  browser's NotFoundError when there is none, and while a sync-access store has it open. */
  static async remove(name: string): Promise<void> {
    checkName(name, 'OpfsBlockStore.remove');
    await (await rootDirectory('OpfsBlockStore.remove')).removeEntry(name);
  }

  protected sizeNow(): Promise<number> {
    return this.file.size();
  }

  protected readAt(offset: number, length: number): Promise<Uint8Array> {
    return this.file.read(offset, length);
  }

  protected writeAt(offset: number, bytes: Uint8Array): Promise<void> {
    return this.file.write(offset, bytes);
  }

  protected truncateTo(size: number): Promise<void> {
    return this.file.truncate(size);
  }

  protected flushNow(): Promise<void> {
    return this.file.flush();
  }

  protected closeNow(): Promise<void> {
    return this.file.close();
  }

  /** Sync access handles are synchronous: that access is also this store's sync path. */
  protected override syncPrimitives(): SyncPrimitives | undefined {
    return this.file instanceof OpfsSyncAccess ? this.file.primitives : undefined;
  }
}

async function rootDirectory(what: string): Promise<FileSystemDirectoryHandle> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (typeof storage?.getDirectory !== 'function') {
    throw new Error(
      `${what}: this runtime has no Origin Private File System (navigator.storage.getDirectory); browsers offer it in secure contexts`,
    );
  }
  return storage.getDirectory();
}

/** One plain file name: the store does not walk directories. */
function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${what}: name must be a string, got ${typeof name}`);
  if (name.length === 0 || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new RangeError(
      `${what}: name must be a plain file name (not empty, '.' or '..', no '/', '\\' or NUL), got ${JSON.stringify(name)}`,
    );
  }
}

function optionalBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean')
    throw new TypeError(`OpfsBlockStore.open: ${name} must be a boolean, got ${typeof value}`);
  return value;
}
