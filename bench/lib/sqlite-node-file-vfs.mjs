// A synchronous SQLite VFS on files, for wa-sqlite's builds in Node (bench only): what
// sqlite3mc runs on when bench/sqlite.mjs compares the builds on files (`--storage file`)
// instead of in memory. wa-sqlite ships in-memory and browser VFSs only. Plain node:fs sync
// calls, one file descriptor per open file, xSync = fdatasync: the same work atrest's
// FileBlockStore does for the other builds, so the file rows compare ciphers, not file layers.

import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export async function nodeFileVfs(name, module, directory) {
  const { FacadeVFS } = await import('@journeyapps/wa-sqlite/src/FacadeVFS.js');
  const VFS = await import('@journeyapps/wa-sqlite/src/VFS.js');

  class NodeFileVFS extends FacadeVFS {
    files = new Map();

    /** The host path of SQLite's name (the database's and the journal's, flat in `directory`). */
    path(filename) {
      return join(directory, new URL(filename, 'file://').pathname.replace(/\//g, '_'));
    }

    jOpen(filename, fileId, flags, pOutFlags) {
      const path = this.path(filename || `temp-${Math.random().toString(36).slice(2)}`);
      if (!existsSync(path) && !(flags & VFS.SQLITE_OPEN_CREATE)) return VFS.SQLITE_CANTOPEN;
      const fd = openSync(path, existsSync(path) ? 'r+' : 'w+', 0o600);
      this.files.set(fileId, { fd, path, flags });
      pOutFlags.setInt32(0, flags, true);
      return VFS.SQLITE_OK;
    }

    jClose(fileId) {
      const f = this.files.get(fileId);
      this.files.delete(fileId);
      closeSync(f.fd);
      if (f.flags & VFS.SQLITE_OPEN_DELETEONCLOSE) unlinkSync(f.path);
      return VFS.SQLITE_OK;
    }

    // pData is wa-sqlite's proxy of its heap; subarray() gives the Uint8Array node:fs needs.
    jRead(fileId, proxy, iOffset) {
      const f = this.files.get(fileId);
      const pData = proxy.subarray();
      let done = 0;
      while (done < pData.byteLength) {
        const n = readSync(f.fd, pData, done, pData.byteLength - done, iOffset + done);
        if (n === 0) break;
        done += n;
      }
      if (done < pData.byteLength) {
        pData.fill(0, done);
        return VFS.SQLITE_IOERR_SHORT_READ;
      }
      return VFS.SQLITE_OK;
    }

    jWrite(fileId, proxy, iOffset) {
      const f = this.files.get(fileId);
      const pData = proxy.subarray();
      for (let done = 0; done < pData.byteLength;)
        done += writeSync(f.fd, pData, done, pData.byteLength - done, iOffset + done);
      return VFS.SQLITE_OK;
    }

    jTruncate(fileId, iSize) {
      ftruncateSync(this.files.get(fileId).fd, iSize);
      return VFS.SQLITE_OK;
    }

    jSync(fileId) {
      fdatasyncSync(this.files.get(fileId).fd);
      return VFS.SQLITE_OK;
    }

    jFileSize(fileId, pSize64) {
      pSize64.setBigInt64(0, BigInt(fstatSync(this.files.get(fileId).fd).size), true);
      return VFS.SQLITE_OK;
    }

    jDelete(filename) {
      const path = this.path(filename);
      if (existsSync(path)) unlinkSync(path);
      return VFS.SQLITE_OK;
    }

    jAccess(filename, flags, pResOut) {
      pResOut.setInt32(0, existsSync(this.path(filename)) ? 1 : 0, true);
      return VFS.SQLITE_OK;
    }
  }

  const vfs = new NodeFileVFS(name, module);
  await vfs.isReady();
  return vfs;
}
