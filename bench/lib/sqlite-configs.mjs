// The configurations bench/sqlite.mjs compares, all in memory, each able to create a fresh
// database, hand the workload a driver (sqlite-driver.mjs), show the bytes of its database file
// (for the encryption check) and reopen it (for the open row):
//
// official build (@sqlite.org/sqlite-wasm, atrest/sqlite's build):
//   atrest       openDatabase over a MemoryBlockStore: the "atrest" VFS, the container file
//                system, an XTS-AES-256 Volume; the key from LocalKms through a counting client.
//   plain        the same "atrest" VFS and container file system over the same kind of
//                MemoryBlockStore, with a stand-in for the Volume that stores bytes as they are
//                (no encryption): what the VFS and container cost without the cipher. Uses
//                atrest/sqlite's internals from build/tsc/ (atrestVfs, ContainerFs), bench only.
// sqlite3mc (wa-sqlite's multiple-ciphers build, @journeyapps/wa-sqlite dist/mc-wa-sqlite):
//   mc-plain     wa-sqlite's example MemoryVFS under sqlite3mc's VFS shim, no key.
//   mc-sqlcipher the same with PRAGMA cipher='sqlcipher' (AES-256-CBC, HMAC-SHA512 per page,
//                SQLCipher 4 defaults: PBKDF2-SHA512, 256 000 iterations).
//   mc-chacha20  the same with PRAGMA cipher='chacha20' (ChaCha20-Poly1305 per page).
//   mc-sqlcipher-nohmac  'sqlcipher' with PRAGMA hmac_use=0: AES-256-CBC without the HMAC, so
//                sqlcipher / this row is the measured price of SQLCipher's page authentication.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driver } from './sqlite-driver.mjs';
import { nodeFileVfs } from './sqlite-node-file-vfs.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PRINCIPAL = 'arn:aws:iam::111122223333:role/bench';
const PASSPHRASE = 'bench passphrase, not a secret';

/** A KmsClient that counts the calls made through it, per operation. */
function countingKms(inner) {
  const counts = {};
  const client = new Proxy(inner, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      return (...args) => {
        counts[prop] = (counts[prop] ?? 0) + 1;
        return v.apply(target, args);
      };
    },
  });
  return {
    client,
    take() {
      const out = { ...counts };
      for (const k of Object.keys(counts)) delete counts[k];
      return out;
    },
  };
}

/** The Volume methods ContainerFs uses, over a store's sync path, without encryption. */
function plainVolume(store) {
  return {
    get size() {
      return store.sizeSync();
    },
    sectorSize: 4096, // as the Volume's: the container makes the same whole-sector choices
    readSync: (offset, length) => store.readSync(Number(offset), Number(length)),
    writeSync: (offset, bytes) => store.writeSync(Number(offset), bytes),
    flushSync: () => store.flushSync(),
  };
}

/** Counts the bytes and calls on a store's sync path (the Volume and the plain stand-in both
 *  read and write through store.readSync / store.writeSync). */
function countWrites(store) {
  const io = { writes: 0, bytes: 0, reads: 0, readBytes: 0 };
  const write = store.writeSync.bind(store);
  const read = store.readSync.bind(store);
  store.writeSync = (offset, bytes) => {
    io.writes++;
    io.bytes += bytes.length;
    return write(offset, bytes);
  };
  store.readSync = (offset, length) => {
    io.reads++;
    io.readBytes += Number(length);
    return read(offset, length);
  };
  return () => {
    const out = { ...io };
    io.writes = io.bytes = io.reads = io.readBytes = 0;
    return out;
  };
}

/** Flips one bit of the byte at `offset` of the store (the tamper check). */
function flipStoreByte(store, offset) {
  const b = store.readSync(offset, 1);
  b[0] ^= 0x20;
  store.writeSync(offset, b);
}

const officialFns = (sqlite3) => ({ fn: sqlite3.wasm.exports, heap: () => sqlite3.wasm.heap8u() });

/** A fresh store of the chosen kind, and how to get rid of it. */
async function makeStore(atrest, fsModule, storage, directory, n) {
  if (storage === 'memory') return { store: new atrest.MemoryBlockStore(), dispose: async () => undefined };
  const path = join(directory, `official-${n}.atrest`);
  const store = await fsModule.FileBlockStore.open(path, { create: true });
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(path, { force: true });
    },
  };
}

/** storage: 'memory' (MemoryBlockStore) or 'file' (FileBlockStore on a file in `directory`). */
export async function officialConfigs(storage = 'memory', directory = undefined) {
  // All of atrest/sqlite from tsc's one-file-per-module tree (the same code as dist/'s bundle):
  // the VFS registry is module state, so the public openDatabase and the internals the plain
  // twin uses must come from one module graph, not one from the bundle and one from build/tsc.
  const atrest = await import(join(ROOT, 'build/tsc/index.js'));
  const { openDatabase } = await import(join(ROOT, 'build/tsc/sqlite/index.js'));
  const { atrestVfs, VFS_NAME } = await import(join(ROOT, 'build/tsc/sqlite/vfs.js'));
  const { ContainerFs } = await import(join(ROOT, 'build/tsc/sqlite/container-fs.js'));
  const fsModule = storage === 'file' ? await import(join(ROOT, 'build/tsc/fs/index.js')) : undefined;
  const storeText = storage === 'memory' ? 'MemoryBlockStore' : 'FileBlockStore (a file on disk)';
  let stores = 0;
  const init = (await import('@sqlite.org/sqlite-wasm')).default;
  const sqlite3 = await init();
  const c = officialFns(sqlite3);
  const kms = countingKms(new atrest.LocalKms().as(PRINCIPAL));
  const version = `@sqlite.org/sqlite-wasm ${sqlite3.version.libVersion}`;

  const atrestConfig = {
    id: 'atrest',
    label: 'atrest (XTS-AES-256)',
    build: version,
    storage: `${storeText} through atrest/sqlite (atrest VFS, container, encrypted Volume)`,
    encrypted: true,
    kmsCalls: { create: [], open: [], during: [] },
    async create() {
      const { store, dispose } = await makeStore(atrest, fsModule, storage, directory, stores++);
      const written = countWrites(store);
      kms.take();
      const edb = await openDatabase(store, { kms: kms.client, sqlite3 });
      this.kmsCalls.create.push(kms.take());
      return session(edb, store);
      function session(edb, store) {
        const d = driver(c, edb.db.pointer);
        return {
          d,
          written,
          bytes: () => store.readSync(0, store.sizeSync()),
          async close() {
            d.close();
            await edb.close();
          },
          async reopen(between) {
            await this.close();
            between?.((offset) => flipStoreByte(store, offset));
            kms.take();
            const again = await openDatabase(store, { kms: kms.client, sqlite3, create: false });
            atrestConfig.kmsCalls.open.push(kms.take());
            return session(again, store);
          },
          /** KMS calls since the last open (the workload must make none). */
          kmsSinceOpen: () => kms.take(),
          dispose,
        };
      }
    },
  };

  const plainConfig = {
    id: 'plain',
    label: 'same build, unencrypted',
    build: version,
    storage: `${storeText} through the same atrest VFS and container, Volume replaced by a plain pass-through`,
    encrypted: false,
    async create() {
      const { store, dispose } = await makeStore(atrest, fsModule, storage, directory, stores++);
      const written = countWrites(store);
      const vfs = atrestVfs(sqlite3);
      const session = () => {
        const fs = ContainerFs.open(plainVolume(store), 1); // version 1: the plain volume has no keys to derive
        const filename = vfs.attach(fs, 4096);
        const db = new sqlite3.oo1.DB({ filename, flags: 'c', vfs: VFS_NAME });
        db.exec('PRAGMA locking_mode=EXCLUSIVE; PRAGMA synchronous=FULL;'); // as openDatabase
        const d = driver(c, db.pointer);
        return {
          d,
          written,
          bytes: () => store.readSync(0, store.sizeSync()),
          async close() {
            d.close();
            db.close();
            fs.commit();
            vfs.detach(filename);
          },
          async reopen(between) {
            await this.close();
            between?.((offset) => flipStoreByte(store, offset));
            return session();
          },
          dispose,
        };
      };
      return session();
    },
  };
  return { configs: [atrestConfig, plainConfig], version };
}

/** storage: 'memory' (wa-sqlite's MemoryVFS) or 'file' (sqlite-node-file-vfs.mjs, files in `directory`). */
export async function mcConfigs(storage = 'memory', directory = undefined) {
  const pkg = '@journeyapps/wa-sqlite';
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve(`${pkg}/package.json`));
  const { version: pkgVersion } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const Factory = (await import(`${pkg}/dist/mc-wa-sqlite.mjs`)).default;
  const SQLite = await import(pkg);
  const { MemoryVFS } = await import(`${pkg}/src/examples/MemoryVFS.js`);
  // The build is made for browsers (it fetches its .wasm); in Node it is handed the bytes.
  const module = await Factory({ wasmBinary: readFileSync(join(dir, 'dist/mc-wa-sqlite.wasm')) });
  const api = SQLite.Factory(module);
  const vfsName = `bench-${storage}`;
  const mem =
    storage === 'memory' ? await MemoryVFS.create(vfsName, module) : await nodeFileVfs(vfsName, module, directory);
  api.vfs_register(mem, false);
  // sqlite3mc encrypts in its VFS shim; without it "PRAGMA key" fails ("not supported by the VFS").
  const rc = module.ccall('sqlite3mc_vfs_create', 'number', ['string', 'number'], [vfsName, 1]);
  if (rc !== 0) throw new Error(`sqlite3mc_vfs_create failed: rc ${rc}`);
  const c = { fn: new Proxy({}, { get: (_, n) => module[`_${n}`] }), heap: () => module.HEAPU8 };
  const version = `${pkg} ${pkgVersion} (sqlite3mc, SQLite ${api.libversion()})`;
  let n = 0;

  const make = (id, label, cipher, settings = '') => ({
    id,
    label,
    build: version,
    storage:
      storage === 'memory'
        ? "wa-sqlite's example MemoryVFS (JS, in memory) under sqlite3mc's VFS shim"
        : "a file on disk (bench/lib/sqlite-node-file-vfs.mjs: node:fs sync calls, xSync = fdatasync) under sqlite3mc's VFS shim",
    encrypted: cipher !== undefined,
    cipher,
    async create() {
      const name = `${id}-${n++}.db`;
      const session = async () => {
        const db = await api.open_v2(name);
        const d = driver(c, db);
        if (cipher !== undefined) {
          d.exec(`PRAGMA cipher='${cipher}'; ${settings}`); // cipher settings go before the key
          d.exec(`PRAGMA key='${PASSPHRASE}'`);
          const active = d.value('PRAGMA cipher');
          if (active !== cipher) throw new Error(`sqlite3mc: PRAGMA cipher is ${active}, not ${cipher}`);
        }
        return {
          d,
          bytes() {
            if (storage === 'file') return readFileSync(mem.path(name));
            const f = mem.mapNameToFile.get(`/${name}`);
            if (f === undefined) throw new Error(`MemoryVFS has no file /${name}`);
            return new Uint8Array(f.data, 0, f.size).slice();
          },
          async close() {
            d.close();
            await api.close(db);
          },
          async reopen(between) {
            await this.close();
            between?.((offset) => {
              if (storage === 'file') {
                const bytes = readFileSync(mem.path(name));
                bytes[offset] ^= 0x20;
                writeFileSync(mem.path(name), bytes);
                return;
              }
              const f = mem.mapNameToFile.get(`/${name}`);
              new Uint8Array(f.data, 0, f.size)[offset] ^= 0x20;
            });
            return session();
          },
          dispose() {
            if (storage === 'file')
              for (const suffix of ['', '-journal', '-wal']) rmSync(mem.path(name + suffix), { force: true });
            else mem.mapNameToFile.delete(`/${name}`);
          },
        };
      };
      return session();
    },
  });
  return {
    configs: [
      make('mc-plain', 'sqlite3mc, no key', undefined),
      make('mc-sqlcipher', "sqlite3mc 'sqlcipher' (AES-256-CBC + HMAC-SHA512)", 'sqlcipher'),
      make('mc-chacha20', "sqlite3mc 'chacha20' (ChaCha20-Poly1305)", 'chacha20'),
      // The price of SQLCipher's page authentication: the same cipher with its HMAC turned off.
      make(
        'mc-sqlcipher-nohmac',
        "sqlite3mc 'sqlcipher' with hmac_use=0 (AES-256-CBC only)",
        'sqlcipher',
        'PRAGMA hmac_use=0;',
      ),
    ],
    version,
  };
}
