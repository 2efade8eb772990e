// IndexedDbKeystore: LocalKms's state sealed in one IndexedDB record, for browsers.
//
// The sealed bytes live in database `atrest-keystore/<name>`, object store `keystore`, key
// `state`. Each save is one readwrite transaction with durability 'strict' (the browser flushes
// it to disk before reporting completion where it supports the hint): IndexedDB commits a
// transaction whole or not at all, which is what the file store gets from temp file + rename.
//
// Lock between tabs: a Web Lock (navigator.locks) named after the database, requested with
// ifAvailable and held until close(). Another tab, window or worker of the same origin that
// opens the same keystore meanwhile gets a KeystoreLockedError. The browser releases the lock
// when the holding page goes away, so a closed or crashed tab never leaves a stale lock. Where
// the Web Locks API is missing (insecure http:// origins other than localhost), no lock is
// taken: IndexedDB still keeps every save whole, but two tabs could overwrite each other.

import { KeystoreCorruptError, KeystoreLockedError } from '../kms/keystore-errors.js';
import { SealedKeystore } from '../kms/sealed-keystore.js';
import type { KeystoreSecret, SealOptions } from '../kms/sealed-state.js';

const OBJECT_STORE = 'keystore';
const RECORD_KEY = 'state';

export class IndexedDbKeystore extends SealedKeystore {
  /** The keystore's name, as given to open(). */
  readonly name: string;
  /** The IndexedDB database that holds it: `atrest-keystore/<name>`. */
  readonly databaseName: string;
  private db: IDBDatabase | undefined;
  private unlock: (() => void) | undefined;

  private constructor(name: string, secret: KeystoreSecret, options: SealOptions) {
    super(secret, options, 'IndexedDbKeystore.open');
    this.name = name;
    this.databaseName = IndexedDbKeystore.databaseName(name);
  }

  /** The database name used for keystore `name`. */
  static databaseName(name: string): string {
    return `atrest-keystore/${name}`;
  }

  /** Locks and opens the keystore `name` (created by the first save if it does not exist) and
   *  checks the secret against it.
   *  @throws KeystoreLockedError when another tab, window or worker has it open.
   *  @throws KeystoreAuthenticationError for a wrong root key or passphrase (nothing is written).
   *  @throws KeystoreCorruptError when the record is not an intact keystore. */
  static async open(name: string, secret: KeystoreSecret, options: SealOptions = {}): Promise<IndexedDbKeystore> {
    checkName(name, 'IndexedDbKeystore.open');
    if (typeof indexedDB === 'undefined') {
      throw new Error(
        'IndexedDbKeystore.open: this runtime has no indexedDB; in Node and Deno use FileKeystore from atrest/fs',
      );
    }
    const store = new IndexedDbKeystore(name, secret, options); // checks the secret first
    await store.lock();
    try {
      store.db = await openDatabase(store.databaseName);
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
    await store.initialize(); // closes the store (and so unlocks) on failure
    return store;
  }

  /** Deletes keystore `name` and everything in it, irrecoverably.
   *  @throws KeystoreLockedError when a store has it open. */
  static async destroy(name: string): Promise<void> {
    checkName(name, 'IndexedDbKeystore.destroy');
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDbKeystore.destroy: this runtime has no indexedDB');
    const unlock = await acquireLock(IndexedDbKeystore.databaseName(name));
    try {
      await request(indexedDB.deleteDatabase(IndexedDbKeystore.databaseName(name)));
    } finally {
      unlock();
    }
  }

  protected async readSealed(): Promise<Uint8Array | undefined> {
    const tx = this.database().transaction(OBJECT_STORE, 'readonly');
    const value: unknown = await request(tx.objectStore(OBJECT_STORE).get(RECORD_KEY));
    if (value === undefined) return undefined;
    if (!(value instanceof Uint8Array)) {
      throw new KeystoreCorruptError(
        `keystore is corrupt: the IndexedDB record "${RECORD_KEY}" of ${this.databaseName} does not hold bytes`,
      );
    }
    return value;
  }

  protected async writeSealed(sealed: Uint8Array): Promise<void> {
    const tx = this.database().transaction(OBJECT_STORE, 'readwrite', { durability: 'strict' });
    const done = transactionDone(tx);
    tx.objectStore(OBJECT_STORE).put(sealed, RECORD_KEY);
    await done;
  }

  protected async release(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.unlock?.();
    this.unlock = undefined;
  }

  private async lock(): Promise<void> {
    this.unlock = await acquireLock(this.databaseName);
  }

  private database(): IDBDatabase {
    if (!this.db) throw new Error('IndexedDbKeystore: the store is closed');
    return this.db;
  }
}

function checkName(name: unknown, what: string): void {
  if (typeof name !== 'string') throw new TypeError(`${what}: name must be a string, got ${typeof name}`);
  if (name.length === 0) throw new RangeError(`${what}: name must not be empty`);
}

/** Takes the Web Lock for a keystore database without waiting; returns its release function.
 *  A no-op lock where the runtime has no Web Locks API. */
async function acquireLock(databaseName: string): Promise<() => void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return () => {};
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const acquired = await new Promise<boolean>((resolve, reject) => {
    locks
      .request(databaseName, { ifAvailable: true }, async (lock) => {
        resolve(lock !== null);
        if (lock) await held; // the lock is held until this callback's promise settles
      })
      .catch(reject);
  });
  if (!acquired) {
    throw new KeystoreLockedError(
      `keystore is locked: the IndexedDB keystore "${databaseName}" is open in another store, tab, window or worker of this origin ` +
        `(Web Lock "${databaseName}"). Close it there first; a closed tab releases its lock by itself.`,
    );
  }
  return release;
}

function openDatabase(databaseName: string): Promise<IDBDatabase> {
  const req = indexedDB.open(databaseName, 1);
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains(OBJECT_STORE)) req.result.createObjectStore(OBJECT_STORE);
  };
  req.onblocked = () => {}; // a version change waits for other connections; nothing to do but wait
  return request(req);
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}
