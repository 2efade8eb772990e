// FileKeystore: LocalKms's state sealed in one file, for Node and Deno (through node:fs, which Deno
// implements; under Deno it needs read and write permission for the file's directory).
//
// Atomic replacement: each save writes a temp file beside the keystore (same directory, so the
// same file system), fsyncs it, renames it over the keystore and fsyncs the directory. rename()
// replaces a name atomically, so a crash at any point leaves either the old file or the new one
// (fsync of the data before the rename keeps a crash from exposing a renamed-but-empty file;
// fsync of the directory makes the rename itself durable). A temp file a crash left behind is
// removed at the next open.
//
// Lock: open() creates `<keystore>.lock` with link() from a temp file holding the record (link,
// like O_CREAT|O_EXCL, fails when the name exists, so exactly one opener can win, on local file
// systems and on NFSv3+; the lock is never seen without its record). It holds the pid and a
// random token; close()
// removes it. A second opener — another process, or another FileKeystore in this one — gets a
// KeystoreLockedError, after waiting up to `lockWaitMs` (default 0) for the lock to be freed.
// A process that dies without close() leaves the lock behind. Such a stale lock is taken over
// only when that is certain: the record names this host and a pid that no longer exists here
// (kill(pid, 0) answers ESRCH). A lock from another host or container, or one whose pid lives,
// is never broken (guessing wrong would let two writers overwrite each other): the error says
// which file to delete. The takeover itself runs under `<lock>.takeover`, created exclusively,
// so two processes that both saw the same dead pid cannot both remove a lock and both win.

import { link, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { KeystoreLockedError } from '../kms/keystore-errors.js';
import { SealedKeystore } from '../kms/sealed-keystore.js';
import type { KeystoreSecret, SealOptions } from '../kms/sealed-state.js';
import { errorCode, isDeadProcessHere, syncDirectory, thisHost } from './fs-helpers.js';

export interface FileKeystoreOptions extends SealOptions {
  /** @internal Test hook: runs after the temp file is written and fsynced and before it is
   *  renamed over the keystore. Throwing (or exiting the process) here simulates a crash. */
  _beforeRename?: (tempPath: string) => void | Promise<void>;
  /** How long open() waits for another holder to release the lock before it throws
   *  KeystoreLockedError, in milliseconds (0, the default: fail at once). */
  lockWaitMs?: number;
}

interface LockRecord {
  pid: number;
  token: string;
  created: string;
  /** The host the pid lives on; absent in locks written before stale detection existed. */
  host?: string;
}

/** Pause between attempts while waiting for a lock. */
const LOCK_RETRY_MS = 50;

export class FileKeystore extends SealedKeystore {
  /** Absolute path of the keystore file. */
  readonly path: string;
  /** Absolute path of its lock file: `<path>.lock`. */
  readonly lockPath: string;
  private readonly token = randomHex(16);
  private readonly beforeRename: FileKeystoreOptions['_beforeRename'];
  private readonly lockWaitMs: number;
  private locked = false;

  private constructor(path: string, secret: KeystoreSecret, options: FileKeystoreOptions) {
    super(secret, options, 'FileKeystore.open');
    this.path = path;
    this.lockPath = `${path}.lock`;
    this.beforeRename = options._beforeRename;
    this.lockWaitMs = options.lockWaitMs ?? 0;
  }

  /** Locks and opens the keystore at `path` (created by the first save if it does not exist),
   *  checks the secret against it and removes temp files a crash left behind.
   *  @throws KeystoreLockedError when another store has it open.
   *  @throws KeystoreAuthenticationError for a wrong root key or passphrase (nothing is written).
   *  @throws KeystoreCorruptError when the file is not an intact keystore. */
  static async open(path: string, secret: KeystoreSecret, options: FileKeystoreOptions = {}): Promise<FileKeystore> {
    if (typeof path !== 'string') throw new TypeError(`FileKeystore.open: path must be a string, got ${typeof path}`);
    if (path.length === 0) throw new RangeError('FileKeystore.open: path must not be empty');
    if (options === null || typeof options !== 'object')
      throw new TypeError('FileKeystore.open: options must be an object');
    const hook = options._beforeRename;
    if (hook !== undefined && typeof hook !== 'function')
      throw new TypeError('FileKeystore.open: _beforeRename must be a function');
    const wait = options.lockWaitMs;
    if (wait !== undefined && (typeof wait !== 'number' || !Number.isFinite(wait) || wait < 0)) {
      throw new RangeError(
        `FileKeystore.open: lockWaitMs must be a finite number of milliseconds >= 0, got ${String(wait)}`,
      );
    }
    const store = new FileKeystore(resolve(path), secret, options); // checks the secret before touching the disk
    await store.lock();
    try {
      await store.removeLeftoverTempFiles();
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
    await store.initialize(); // closes the store (and so unlocks) on failure
    return store;
  }

  protected async readSealed(): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  protected async writeSealed(sealed: Uint8Array): Promise<void> {
    await this.checkLockStillOurs();
    const temp = join(dirname(this.path), `${basename(this.path)}.${randomHex(8)}.tmp`);
    let renamed = false;
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        await file.writeFile(sealed);
        await file.sync();
      } finally {
        await file.close();
      }
      await this.beforeRename?.(temp);
      await rename(temp, this.path);
      renamed = true;
    } finally {
      if (!renamed) await unlink(temp).catch(() => {});
    }
    await syncDirectory(dirname(this.path));
  }

  protected async release(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    // Remove the lock only if it is still ours (someone may have deleted a lock they took for
    // stale and another store may hold a new one).
    if ((await this.readLock())?.token === this.token) await unlink(this.lockPath).catch(() => {});
  }

  /** Takes the lock: at once, after a stale holder's lock is removed, or within lockWaitMs. */
  private async lock(): Promise<void> {
    const deadline = Date.now() + this.lockWaitMs;
    for (;;) {
      if (await this.tryLock()) return;
      if (await this.removeStaleLock()) continue;
      if (Date.now() >= deadline) throw await this.lockedError();
      await new Promise((r) => setTimeout(r, Math.min(LOCK_RETRY_MS, Math.max(1, deadline - Date.now()))));
    }
  }

  /** Removes the lock file when its holder is certainly dead (see the header); true if it did. */
  private async removeStaleLock(): Promise<boolean> {
    const takeover = `${this.lockPath}.takeover`;
    let guard;
    try {
      guard = await open(takeover, 'wx', 0o600);
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') return false;
      // A takeover file older than a few seconds belongs to a process that died within the
      // few steps below; remove it so the next attempt can try again.
      const age = await readFile(takeover, 'utf8').then(
        (t) => Date.now() - Number(t),
        () => NaN,
      );
      if (age > 5000) await unlink(takeover).catch(() => {});
      return false;
    }
    try {
      await guard.writeFile(String(Date.now()));
      const holder = await this.readLock();
      if (holder === undefined || !isDeadProcessHere(holder.host, holder.pid)) return false;
      await unlink(this.lockPath).catch(() => {});
      return true;
    } finally {
      await guard.close().catch(() => {});
      await unlink(takeover).catch(() => {});
    }
  }

  /** Creates the lock with its record already in it: the record is written and fsynced to a
   *  temp file, which link() then puts at the lock path — link fails with EEXIST when a lock
   *  exists, so exactly one opener wins, as with O_EXCL. A lock file is therefore never empty or
   *  half-written: a process killed between creating it and writing its pid used to leave a lock
   *  no stale check could read, and so could never take over. */
  private async tryLock(): Promise<boolean> {
    const temp = join(dirname(this.lockPath), `${basename(this.lockPath)}.${randomHex(8)}.new`);
    let file;
    try {
      file = await open(temp, 'wx', 0o600);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') {
        throw new Error(
          `FileKeystore.open: the directory ${dirname(this.path)} does not exist; create it first (the keystore file is created by the first save)`,
        );
      }
      throw err;
    }
    try {
      try {
        const record: LockRecord = {
          pid: process.pid,
          token: this.token,
          created: new Date().toISOString(),
          host: thisHost(),
        };
        await file.writeFile(JSON.stringify(record) + '\n');
        await file.sync();
      } finally {
        await file.close();
      }
      try {
        await link(temp, this.lockPath);
      } catch (err) {
        // EEXIST: held by another. ENOENT: the holder removed our temp file as a crash's leftover
        // (removeLeftoverTempFiles) — also held; try again.
        if (errorCode(err) === 'EEXIST' || errorCode(err) === 'ENOENT') return false;
        throw err;
      }
    } finally {
      await unlink(temp).catch(() => {});
    }
    this.locked = true;
    return true;
  }

  private async lockedError(): Promise<KeystoreLockedError> {
    const holder = await this.readLock();
    const who = holder
      ? ` by process ${holder.pid}${holder.host ? ` on ${holder.host}` : ''} since ${holder.created}`
      : '';
    const waited = this.lockWaitMs > 0 ? ` (waited ${(this.lockWaitMs / 1000).toFixed(1)} s)` : '';
    return new KeystoreLockedError(
      `keystore is locked: ${this.path} is held open${who}${waited} (lock file ${this.lockPath}). ` +
        `Close the other store first. If no process has it open (a process that crashed leaves its lock behind), ` +
        `delete ${this.lockPath} and open again.`,
    );
  }

  private async readLock(): Promise<LockRecord | undefined> {
    try {
      const record = JSON.parse(await readFile(this.lockPath, 'utf8')) as Partial<LockRecord>;
      if (typeof record?.token !== 'string') return undefined;
      return {
        pid: Number(record.pid),
        token: record.token,
        created: String(record.created),
        ...(typeof record.host === 'string' ? { host: record.host } : {}),
      };
    } catch {
      return undefined; // missing, half-written or not ours to parse
    }
  }

  /** Refuses to write after losing the lock: two writers would overwrite each other's keys. */
  private async checkLockStillOurs(): Promise<void> {
    if ((await this.readLock())?.token === this.token) return;
    throw new KeystoreLockedError(
      `keystore is locked: ${this.path} lost its lock file ${this.lockPath} (deleted or taken by another store) while open; nothing was written`,
    );
  }

  /** Temp files of saves a crash interrupted before their rename: never the keystore, safe to
   *  remove while we hold the lock (nobody else writes them). */
  private async removeLeftoverTempFiles(): Promise<void> {
    const dir = dirname(this.path);
    // Save temp files (`<keystore>.<hex>.tmp`) and lock temp files (`<keystore>.lock.<hex>.new`)
    // of processes that died before renaming or linking them; we hold the lock, so no save is
    // under way, and an opener whose lock temp goes missing just tries again.
    const pattern = new RegExp(`^${escapeRegExp(basename(this.path))}(\\.lock)?\\.[0-9a-f]{16}\\.(tmp|new)$`);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return;
      throw err;
    }
    for (const name of names) {
      if (pattern.test(name)) await unlink(join(dir, name)).catch(() => {});
    }
  }
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
