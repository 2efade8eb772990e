// Small file-system helpers shared by the file stores.

import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import process from 'node:process';

/** The `code` of a Node/Deno file-system error (ENOENT, EEXIST, …), if it has one. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

// Where the OS cannot open a directory for fsync (Windows; NTFS's journal covers names), and
// where it cannot fsync one: both skipped, by syncDirectory and syncDirectorySync alike.
const NO_DIRECTORY_OPEN = ['EISDIR', 'EPERM', 'EACCES'];
const NO_DIRECTORY_FSYNC = ['EINVAL', 'EPERM', 'EBADF', 'ENOTSUP'];

/** fsync of a directory makes a new name or a rename in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    if (NO_DIRECTORY_OPEN.includes(errorCode(err) ?? '')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!NO_DIRECTORY_FSYNC.includes(errorCode(err) ?? '')) throw err;
  } finally {
    await handle.close();
  }
}

/** syncDirectory, synchronously (FileBlockStore's sync path). */
export function syncDirectorySync(dir: string): void {
  let fd;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    if (NO_DIRECTORY_OPEN.includes(errorCode(err) ?? '')) return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!NO_DIRECTORY_FSYNC.includes(errorCode(err) ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}

/** Whether something exists at `path` (following symlinks); any error but ENOENT is thrown. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return false;
    throw e;
  }
}

/** This host's name, or undefined where it cannot be read (Deno without --allow-sys). */
export function thisHost(): string | undefined {
  try {
    return hostname();
  } catch {
    return undefined;
  }
}

/** True only when `host` is this host and `pid` does not exist here (kill(pid, 0) answers
 *  ESRCH): a lock or temp file it left is certainly abandoned. Any doubt (no host recorded,
 *  another host, no permission to probe, a live pid — perhaps reused) is false. */
export function isDeadProcessHere(host: string | undefined, pid: number): boolean {
  const here = thisHost();
  if (here === undefined || host !== here) return false;
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return errorCode(err) === 'ESRCH';
  }
}
