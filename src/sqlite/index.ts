// atrest/sqlite — an encrypted SQLite database whose data key the key service wraps. The
// application gets the SQLite build's own `oo1.DB` and writes SQL as it always does; underneath,
// every page, the rollback journal and the WAL are XTS-encrypted inside one atrest container
// (one Volume, container-fs.ts) through a synchronous VFS (vfs.ts). Opening costs one
// key-service call (Decrypt), whatever SQLite opens afterwards.
//
// The SQLite build is the official @sqlite.org/sqlite-wasm, an optional peer dependency that only
// this entry point loads (dynamically, on the first open), so `import 'atrest'` never does.

import type { Database, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import type { BlockStore } from '../storage/block-store.js';
import { syncPathOf } from '../storage/block-store.js';
import { isDeno, isNode } from '../runtime.js';
import type { EncryptionContext, KmsClient } from '../kms/types.js';
import type { EnvelopePolicy } from '../envelope/policy.js';
import { Volume } from '../envelope/volume.js';
import { CONTAINER_VERSION, ContainerFs, NotSqliteDatabaseError, type ContainerVersion } from './container-fs.js';
import { atrestVfs, VFS_NAME } from './vfs.js';

export { ContainerDamagedError, NotSqliteDatabaseError } from './container-fs.js';

/** The exact build atrest/sqlite is tested with (the registry's `latest` tag is older). */
export const SQLITE_WASM_VERSION = '3.54.1-build1';
const HEADER = 'SQLite format 3\0';

export interface OpenDatabaseOptions {
  kms: KmsClient;
  /** The KMS key a new database's data key is generated under (Volume.create's keyId). */
  keyId?: string;
  /** On create: stored with the wrapped key (Volume.create). On open: pairs the stored context
   *  must contain (added to the policy's requiredEncryptionContext). */
  encryptionContext?: EncryptionContext;
  policy?: EnvelopePolicy;
  /** Create the database when the target is missing or empty. Default true. */
  create?: boolean;
  /** An initialised SQLite module to use instead of loading @sqlite.org/sqlite-wasm. */
  sqlite3?: Sqlite3Static;
}

let loading: Promise<Sqlite3Static> | undefined;

/** The SQLite module, loaded once; a clear error when the optional package is missing. */
export function loadSqlite(): Promise<Sqlite3Static> {
  loading ??= (async () => {
    let init: () => Promise<Sqlite3Static>;
    try {
      init = (await import('@sqlite.org/sqlite-wasm')).default;
    } catch (e) {
      loading = undefined;
      throw new Error(
        `atrest/sqlite needs the optional package @sqlite.org/sqlite-wasm: npm install @sqlite.org/sqlite-wasm@${SQLITE_WASM_VERSION}`,
        { cause: e },
      );
    }
    return init();
  })();
  return loading;
}

/** An open encrypted database: `db` is the SQLite build's own database object. */
export class EncryptedDatabase {
  readonly db: Database;
  readonly sqlite3: Sqlite3Static;
  readonly #volume: Volume;
  readonly #fs: ContainerFs;
  readonly #filename: string;
  readonly #closeStore: (() => Promise<void>) | undefined;
  #closed = false;

  /** @internal */
  constructor(sqlite3: Sqlite3Static, volume: Volume, fs: ContainerFs, closeStore: (() => Promise<void>) | undefined) {
    this.sqlite3 = sqlite3;
    this.#volume = volume;
    this.#fs = fs;
    this.#closeStore = closeStore;
    const vfs = atrestVfs(sqlite3);
    this.#filename = vfs.attach(fs, volume.sectorSize);
    try {
      this.db = new sqlite3.oo1.DB({ filename: this.#filename, flags: 'c', vfs: VFS_NAME });
    } catch (e) {
      vfs.detach(this.#filename);
      const cause = vfs.lastError();
      throw cause ? new Error(`${(e as Error).message}: ${cause.message}`, { cause }) : e;
    }
    try {
      // No shared memory: one connection holds the container (and WAL needs this without xShm).
      // FULL: every commit reaches xSync, the one point the container's file table records sizes.
      this.db.exec('PRAGMA locking_mode=EXCLUSIVE; PRAGMA synchronous=FULL;');
    } catch (e) {
      this.db.close();
      vfs.detach(this.#filename);
      throw e;
    }
  }

  /** The volume id of the container (also in the wrapped key's encryption context). */
  get volumeId(): string {
    return this.#volume.volumeId;
  }
  /** The container's file names (`db`, `db-journal`, `db-wal`, …): for tests and tools. */
  get files(): string[] {
    return this.#fs.names();
  }

  /** Writes the database as a standard SQLite file (rollback-journal mode) to a path or store. */
  async exportPlain(target: string | BlockStore): Promise<void> {
    this.#checkOpen('exportPlain');
    const bytes = this.sqlite3.capi.sqlite3_js_db_export(this.db);
    // A WAL database's header says so (bytes 18, 19 = 2); the file alone is a complete
    // rollback-mode database once serialised, so say that instead.
    if (bytes[18] === 2) bytes[18] = bytes[19] = 1;
    await writeAll(target, bytes, 'exportPlain');
    bytes.fill(0);
  }

  /** Closes SQLite, commits the container, closes the volume (zeroing its keys) and the store
   *  openDatabase opened for a path. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.db.close();
      this.#fs.commit();
    } finally {
      atrestVfs(this.sqlite3).detach(this.#filename);
      try {
        await this.#volume.close();
      } finally {
        await this.#closeStore?.();
      }
    }
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new Error(`EncryptedDatabase.${what}: the database is closed`);
  }
}

/** Opens (or creates) the encrypted database at `target`: a file path (Node, Deno) or any
 *  BlockStore with a synchronous path (memory, a file store, OPFS through a sync access handle,
 *  i.e. in a dedicated worker). A store without one (OPFS on a browser's main thread) and a path
 *  in a browser are refused with a TypeError naming the rule, before SQLite loads, the key
 *  service is called or a byte is written. */
export async function openDatabase(
  target: string | BlockStore,
  options: OpenDatabaseOptions,
): Promise<EncryptedDatabase> {
  return openWith(target, options, 'openDatabase');
}

/** Makes an encrypted database at `target` from a standard SQLite file (a path or a store). */
export async function importPlain(
  source: string | BlockStore,
  target: string | BlockStore,
  options: OpenDatabaseOptions,
): Promise<EncryptedDatabase> {
  const what = 'importPlain';
  const bytes = await readAll(source, what);
  if (new TextDecoder('latin1').decode(bytes.subarray(0, 16)) !== HEADER)
    throw new RangeError(`${what}: the source is not a SQLite database (no "SQLite format 3" header)`);
  if (bytes[18] === 2) bytes[18] = bytes[19] = 1; // imported as one file: rollback mode
  return openWith(target, { ...options, create: true }, what, bytes);
}

async function openWith(
  target: string | BlockStore,
  options: OpenDatabaseOptions,
  what: string,
  initial?: Uint8Array,
): Promise<EncryptedDatabase> {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}: options must be an object`);
  const create = options.create ?? true;
  if (typeof create !== 'boolean') throw new TypeError(`${what}: create must be a boolean`);
  // Refused before anything else (no SQLite load, no key-service call, no write).
  if (typeof target !== 'string') checkSyncPath(target, what);
  else checkPathsWork(what);
  const sqlite3 = options.sqlite3 ?? (await loadSqlite());
  const { store, close: closeStore } = await openTarget(target, create, what);
  let volume: Volume | undefined;
  try {
    checkSyncPath(store, what);
    const empty = (await store.size()) === 0;
    if (initial !== undefined && !empty) throw new RangeError(`${what}: the target is not empty`);
    if (empty && !create) throw new Error(`${what}: there is no database at the target (and create is false)`);
    volume = empty
      ? await Volume.create(store, {
          kms: options.kms,
          ...(options.keyId !== undefined ? { keyId: options.keyId } : {}),
          ...(options.encryptionContext !== undefined ? { encryptionContext: options.encryptionContext } : {}),
          ...(options.policy !== undefined ? { policy: options.policy } : {}),
          metadata: { format: 'atrest/sqlite', version: CONTAINER_VERSION },
        })
      : await Volume.open(store, { kms: options.kms, policy: withContext(options.policy, options.encryptionContext) });
    const fs = ContainerFs.open(volume, containerVersion(volume.metadata, what));
    if (initial !== undefined) {
      fs.create('db');
      fs.write('db', 0, initial);
      fs.commit();
      initial.fill(0);
    }
    return new EncryptedDatabase(sqlite3, volume, fs, closeStore);
  } catch (e) {
    await volume?.close().catch(() => undefined);
    await closeStore?.().catch(() => undefined);
    throw e;
  }
}

/** The container version a volume's metadata names (1: one key for all files; 2: per-file keys). */
function containerVersion(metadata: unknown, what: string): ContainerVersion {
  const m = metadata as { format?: unknown; version?: unknown } | null;
  if (m?.format !== 'atrest/sqlite')
    throw new NotSqliteDatabaseError(`${what}: the target is an atrest volume but not an atrest/sqlite database`);
  if (m.version === 1 || m.version === 2) return m.version;
  throw new NotSqliteDatabaseError(
    `${what}: the target is an atrest/sqlite database of container version ${JSON.stringify(m.version)}; this atrest reads versions 1 and 2 (a newer atrest made it)`,
  );
}

/** The rule: SQLite calls its VFS synchronously, and a commit must be durable when xSync returns,
 *  so the store must read, write and flush synchronously. A browser's main thread has no such
 *  OPFS interface (sync access handles exist only in dedicated workers), and keeping the
 *  database in memory there with an asynchronous save behind it would let SQLite report commits
 *  that a closed tab loses: refused, naming the way that works. */
function checkSyncPath(store: BlockStore, what: string): void {
  if (store === null || typeof store !== 'object' || typeof store.read !== 'function')
    throw new TypeError(`${what}: target must be a file path or a BlockStore`);
  if (syncPathOf(store) !== undefined) return;
  const mainThread = typeof (globalThis as { document?: unknown }).document !== 'undefined';
  throw new TypeError(
    `${what}: atrest/sqlite needs a store with a synchronous path (SQLite calls its VFS synchronously, and a commit must be durable before it returns); this store has no synchronous path` +
      (mainThread
        ? ". On the browser's main thread OPFS has no sync access handles: open the database in a dedicated worker, where OpfsBlockStore.open uses them"
        : ': use a MemoryBlockStore, a FileBlockStore (Node, Deno), or an OpfsBlockStore in a dedicated worker (sync access handles)'),
  );
}

function withContext(policy: EnvelopePolicy | undefined, context: EncryptionContext | undefined) {
  if (context === undefined) return policy;
  return { ...policy, requiredEncryptionContext: { ...policy?.requiredEncryptionContext, ...context } };
}

async function openTarget(
  target: string | BlockStore,
  create: boolean,
  what: string,
): Promise<{ store: BlockStore; close: (() => Promise<void>) | undefined }> {
  if (typeof target !== 'string') {
    if (target === null || typeof target !== 'object' || typeof target.read !== 'function')
      throw new TypeError(`${what}: target must be a file path or a BlockStore`);
    return { store: target, close: undefined };
  }
  checkPathsWork(what);
  const { FileBlockStore } = await fileStores();
  const store = await FileBlockStore.open(target, { create });
  return { store, close: () => store.close() };
}

function checkPathsWork(what: string): void {
  if (!isNode() && !isDeno())
    throw new TypeError(
      `${what}: a file path needs Node or Deno (a file system); in a browser pass a BlockStore (an OpfsBlockStore in a dedicated worker)`,
    );
}

/** atrest/fs, by a URL no bundler follows: it imports node:fs, which a browser bundle of
 *  atrest/sqlite must neither include nor fail to resolve (esbuild, webpack and Vite would try
 *  a literal `import('../fs/…')`). The relative path holds from dist/chunks/ (dist/fs/index.js,
 *  the atrest/fs entry: one copy of FileBlockStore) and from build/tsc/sqlite/;
 *  scripts/esm-bundle.mjs fails the build if this module lands elsewhere. A Node application
 *  that bundles atrest/sqlite itself passes a FileBlockStore instead of a path. */
function fileStores(): Promise<typeof import('../fs/index.js')> {
  // Not a literal (a bundler would take `new URL('literal', import.meta.url)` as an asset to emit).
  const url = new URL(['..', 'fs', 'index.js'].join('/'), import.meta.url).href;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ url);
}

/** The whole content of a path or store (a path's file store is opened and closed here). */
async function readAll(source: string | BlockStore, what: string): Promise<Uint8Array> {
  const { store, close } = await openTarget(source, false, what);
  try {
    return await store.read(0, await store.size());
  } finally {
    await close?.();
  }
}

/** Makes `bytes` the whole, durable content of a path or store. */
async function writeAll(target: string | BlockStore, bytes: Uint8Array, what: string): Promise<void> {
  const { store, close } = await openTarget(target, true, what);
  try {
    await store.write(0, bytes);
    await store.truncate(bytes.length);
    await store.flush();
  } finally {
    await close?.();
  }
}
