// The "atrest" SQLite VFS, registered once per SQLite module (the official @sqlite.org/sqlite-wasm
// build's sqlite3.vfs.installVfs, with synchronous JS methods). Every database opened through it
// names a container attached here: the file name `/atrest-<n>/db` is file `db` of container n,
// and SQLite's own derived names (`db-journal`, `db-wal`) are files of the same container.
// Temporary files SQLite opens without a name (sort spills, statement journals, temp databases)
// live in memory only and are zeroed on close (and when they grow): they never reach the host.
//
// What is declared to SQLite, and why (docs/FORMAT.md, "SQLite container"):
// - xSectorSize: the Volume's XTS sector size (4096 by default): the unit the Volume rewrites,
//   so a torn write can damage a whole sector, and SQLite must journal at that granularity.
// - xDeviceCharacteristics: SAFE_APPEND only. A file's size is recorded in the container's file
//   table at commit, after its data is durable, so an append never shows unwritten bytes after a
//   crash. Not ATOMIC*: a sector write is not atomic on every store; not POWERSAFE_OVERWRITE:
//   a torn XTS sector garbles its neighbours within the sector; not SEQUENTIAL.
// - No shared memory (xShm*): WAL works with `PRAGMA locking_mode=EXCLUSIVE`, which
//   openDatabase sets. Locks are kept per file in memory: one process, one connection per
//   container (there is no lock on the host file; docs say so).
// - xSync, xTruncate and xDelete commit the container's file table (container-fs.ts).

import type { ContainerFs } from './container-fs.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Sqlite3 = any;

export const VFS_NAME = 'atrest';

/** An open file: a container file, or a nameless temporary in memory. */
type OpenFile =
  | { kind: 'container'; fs: ContainerFs; name: string; sectorSize: number; lock: number; flags: number }
  | { kind: 'memory'; bytes: Uint8Array; size: number; lock: number; flags: number };

export interface VfsRegistry {
  /** Attaches a container and returns the file name of its main database. */
  attach(fs: ContainerFs, sectorSize: number): string;
  detach(filename: string): void;
  /** The last error a VFS call met, with its cause (SQLite only sees an error code). */
  lastError(): Error | undefined;
}

const registries = new WeakMap<object, VfsRegistry>();

/** The registry of `sqlite3`'s atrest VFS, installing it on first use. */
export function atrestVfs(sqlite3: Sqlite3): VfsRegistry {
  let r = registries.get(sqlite3);
  if (r === undefined) {
    r = install(sqlite3);
    registries.set(sqlite3, r);
  }
  return r;
}

function install(sqlite3: Sqlite3): VfsRegistry {
  const { capi, wasm } = sqlite3;
  const containers = new Map<string, { fs: ContainerFs; sectorSize: number }>();
  const open = new Map<number, OpenFile>();
  let nextId = 1;
  let lastError: Error | undefined;

  const heap = (ptr: unknown, n: number): Uint8Array =>
    wasm.heap8u().subarray(Number(ptr), Number(ptr) + n) as Uint8Array;
  /** Runs `fn`; a thrown error is kept for lastError() and becomes `rc`. */
  const guard = (rc: number, fn: () => number | void): number => {
    try {
      return fn() ?? 0;
    } catch (e) {
      lastError = e instanceof Error ? e : new Error(String(e));
      return rc;
    }
  };
  const parse = (path: string): { id: string; name: string } | undefined => {
    const m = /^\/atrest-(\d+)\/([^/]+)$/.exec(path);
    return m ? { id: m[1]!, name: m[2]! } : undefined;
  };
  const containerOf = (path: string) => {
    const p = parse(path);
    const c = p && containers.get(p.id);
    if (p === undefined || c === undefined)
      throw new Error(`atrest/sqlite: ${path} is not a file of an open container`);
    return { ...c, name: p.name };
  };

  const ioMethods = {
    xClose: (pFile: number) =>
      guard(capi.SQLITE_IOERR_CLOSE, () => {
        const f = open.get(pFile);
        open.delete(pFile);
        if (f?.kind === 'memory')
          f.bytes.fill(0); // a temporary holds plaintext (sort spills, temp tables)
        else if (f?.kind === 'container' && f.flags & capi.SQLITE_OPEN_DELETEONCLOSE) {
          f.fs.remove(f.name);
          f.fs.commit();
        }
      }),
    xRead: (pFile: number, pDest: number, n: number, offset64: bigint) =>
      guard(capi.SQLITE_IOERR_READ, () => {
        const f = open.get(pFile)!;
        const offset = Number(offset64);
        const dest = heap(pDest, n);
        const got =
          f.kind === 'container'
            ? f.fs.read(f.name, offset, n)
            : f.bytes.subarray(Math.min(offset, f.size), Math.min(offset + n, f.size));
        dest.set(got);
        if (got.length < n) {
          dest.fill(0, got.length);
          return capi.SQLITE_IOERR_SHORT_READ;
        }
        return 0;
      }),
    xWrite: (pFile: number, pSrc: number, n: number, offset64: bigint) =>
      guard(capi.SQLITE_IOERR_WRITE, () => {
        const f = open.get(pFile)!;
        const bytes = heap(pSrc, n);
        if (f.kind === 'container') f.fs.write(f.name, Number(offset64), bytes, true);
        else writeMemory(f, Number(offset64), bytes);
      }),
    xTruncate: (pFile: number, sz64: bigint) =>
      guard(capi.SQLITE_IOERR_TRUNCATE, () => {
        const f = open.get(pFile)!;
        const size = Number(sz64);
        if (f.kind === 'memory') {
          if (size > f.size) writeMemory(f, f.size, new Uint8Array(size - f.size));
          f.bytes.fill(0, size, f.size);
          f.size = size;
          return;
        }
        f.fs.truncate(f.name, size);
        f.fs.commit();
      }),
    xSync: (pFile: number) =>
      guard(capi.SQLITE_IOERR_FSYNC, () => {
        const f = open.get(pFile)!;
        if (f.kind === 'container') f.fs.commit();
      }),
    xFileSize: (pFile: number, pSz64: number) =>
      guard(capi.SQLITE_IOERR_FSTAT, () => {
        const f = open.get(pFile)!;
        wasm.poke64(pSz64, BigInt(f.kind === 'container' ? f.fs.size(f.name) : f.size));
      }),
    xLock: (pFile: number, lockType: number) => {
      open.get(pFile)!.lock = lockType;
      return 0;
    },
    xUnlock: (pFile: number, lockType: number) => {
      open.get(pFile)!.lock = lockType;
      return 0;
    },
    xCheckReservedLock: (_pFile: number, pOut: number) => {
      wasm.poke32(pOut, 0); // no other connection can hold a lock on this container
      return 0;
    },
    xFileControl: () => capi.SQLITE_NOTFOUND,
    xSectorSize: (pFile: number) => {
      const f = open.get(pFile);
      return f?.kind === 'container' ? f.sectorSize : 4096;
    },
    xDeviceCharacteristics: () => capi.SQLITE_IOCAP_SAFE_APPEND,
  };

  const io = new capi.sqlite3_io_methods();
  io.$iVersion = 1;

  const vfsMethods = {
    xOpen: (_pVfs: number, zName: number, pFile: number, flags: number, pOutFlags: number) =>
      guard(capi.SQLITE_CANTOPEN, () => {
        let file: OpenFile;
        if (!zName || wasm.peek8(zName) === 0) {
          file = { kind: 'memory', bytes: new Uint8Array(0), size: 0, lock: 0, flags };
        } else {
          const c = containerOf(wasm.cstrToJs(zName));
          if (!c.fs.exists(c.name)) {
            if (!(flags & capi.SQLITE_OPEN_CREATE)) return capi.SQLITE_CANTOPEN;
            c.fs.create(c.name);
          }
          file = { kind: 'container', fs: c.fs, name: c.name, sectorSize: c.sectorSize, lock: 0, flags };
        }
        open.set(pFile, file);
        const s = new capi.sqlite3_file(pFile);
        s.$pMethods = io.pointer;
        s.dispose();
        if (pOutFlags) wasm.poke32(pOutFlags, flags);
      }),
    xDelete: (_pVfs: number, zName: number) =>
      guard(capi.SQLITE_IOERR_DELETE, () => {
        const c = containerOf(wasm.cstrToJs(zName));
        if (!c.fs.exists(c.name)) return capi.SQLITE_IOERR_DELETE_NOENT;
        c.fs.remove(c.name);
        c.fs.commit();
      }),
    xAccess: (_pVfs: number, zName: number, _flags: number, pOut: number) =>
      guard(capi.SQLITE_IOERR_ACCESS, () => {
        const p = parse(wasm.cstrToJs(zName));
        const c = p && containers.get(p.id);
        wasm.poke32(pOut, c !== undefined && c.fs.exists(p!.name) ? 1 : 0);
      }),
    xFullPathname: (_pVfs: number, zName: number, nOut: number, pOut: number) =>
      wasm.cstrncpy(pOut, zName, nOut) < nOut ? 0 : capi.SQLITE_CANTOPEN,
    xGetLastError: (_pVfs: number, nOut: number, pOut: number) => {
      const message = new TextEncoder().encode(lastError?.message ?? '');
      const n = Math.min(message.length, nOut - 1);
      if (nOut > 0) {
        heap(pOut, n).set(message.subarray(0, n));
        wasm.poke8(Number(pOut) + n, 0);
      }
      return 0;
    },
    xCurrentTime: (_pVfs: number, pOut: number) => {
      wasm.poke(pOut, 2440587.5 + Date.now() / 864e5, 'double');
      return 0;
    },
    xCurrentTimeInt64: (_pVfs: number, pOut: number) => {
      wasm.poke(pOut, 210866760000000n + BigInt(Date.now()), 'i64');
      return 0;
    },
    xRandomness: (_pVfs: number, nOut: number, pOut: number) => {
      for (let at = 0; at < nOut; at += 65536)
        crypto.getRandomValues(heap(Number(pOut) + at, Math.min(65536, nOut - at)));
      return nOut;
    },
    xSleep: () => 0, // one connection per container: nothing to wait for
  };

  const vfs = new capi.sqlite3_vfs();
  vfs.$iVersion = 2;
  vfs.$szOsFile = capi.sqlite3_file.structInfo.sizeof;
  vfs.$mxPathname = 512;
  sqlite3.vfs.installVfs({
    io: { struct: io, methods: ioMethods },
    vfs: { struct: vfs, methods: vfsMethods, name: VFS_NAME },
  });

  return {
    attach(fs, sectorSize) {
      const id = String(nextId++);
      containers.set(id, { fs, sectorSize });
      return `/atrest-${id}/db`;
    },
    detach(filename) {
      const p = parse(filename);
      if (p !== undefined) containers.delete(p.id);
    },
    lastError: () => lastError,
  };
}

function writeMemory(f: { bytes: Uint8Array; size: number }, offset: number, bytes: Uint8Array): void {
  const end = offset + bytes.length;
  if (end > f.bytes.length) {
    const grown = new Uint8Array(Math.max(end, f.bytes.length * 2));
    grown.set(f.bytes.subarray(0, f.size));
    f.bytes.fill(0);
    f.bytes = grown;
  }
  f.bytes.set(bytes, offset);
  f.size = Math.max(f.size, end);
}
