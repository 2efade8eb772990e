// Small file-system helpers shared by the file stores.

import { open, stat } from 'node:fs/promises';

/** The `code` of a Node/Deno file-system error (ENOENT, EEXIST, …), if it has one. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** fsync of a directory makes a new name or a rename in it durable. Windows cannot open a
 *  directory for that (and NTFS's journal covers names): skip where the OS refuses. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes(errorCode(err) ?? '')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!['EINVAL', 'EPERM', 'EBADF', 'ENOTSUP'].includes(errorCode(err) ?? '')) throw err;
  } finally {
    await handle.close();
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
