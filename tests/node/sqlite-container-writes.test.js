// How atrest/sqlite's container file system turns SQLite's writes into Volume writes
// (src/sqlite/container-fs.ts, "Write combining" and "Whole sectors"): what it writes, when, and
// what a commit writes — the rules that keep SQLite's page and journal writes from making the
// Volume decrypt sectors only to re-encrypt them, while a crash still returns to the last commit.
// Over a recording stand-in for the Volume (its sync calls only), and once end to end over a real
// encrypted Volume counting the store's reads. Node only: ContainerFs is internal (build/tsc).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ContainerFs, EXTENTS_START, EXTENT_BYTES, TABLE_COPY_BYTES } from '../../build/tsc/sqlite/container-fs.js';
import { MemoryBlockStore } from '../../dist/index.js';
import { openDatabase } from '../../dist/sqlite/index.js';
import { setup } from '../_lib/envelope.js';

const SECTOR = 4096;

/** The Volume calls ContainerFs makes, over plain bytes in memory, each recorded. */
function recordingVolume() {
  let bytes = new Uint8Array(0);
  const calls = [];
  return {
    calls,
    sectorSize: SECTOR,
    get size() {
      return bytes.length;
    },
    readSync(offset, length) {
      calls.push(['read', offset, length]);
      return bytes.slice(offset, offset + length);
    },
    writeSync(offset, data) {
      calls.push(['write', offset, data.length]);
      if (offset + data.length > bytes.length) {
        const grown = new Uint8Array(offset + data.length);
        grown.set(bytes);
        bytes = grown;
      }
      bytes.set(data, offset);
    },
    flushSync() {
      calls.push(['flush']);
    },
    /** Per-file keys: plain bytes here, so a key is only a name (the calls do not show it). */
    deriveSectorKey(label) {
      return { label, dispose() {} };
    },
    take() {
      return calls.splice(0);
    },
  };
}

const isTable = ([op, offset]) => op === 'write' && offset < EXTENTS_START;
const fill = (n, v) => new Uint8Array(n).fill(v);

const rules = suite('atrest/sqlite container: writes and commits');

rules('a commit after writes inside the files only flushes; the table is written when a size or extent changes', () => {
  const vol = recordingVolume();
  const fs = ContainerFs.open(vol, 2);
  fs.create('db');
  fs.write('db', 0, fill(2 * SECTOR, 1));
  vol.take();
  fs.commit();
  const grown = vol.take();
  assert.ok(grown.some(isTable), 'growth: the table is written');
  assert.equal(grown.at(-1), ['flush'], 'growth: flushed after the table');
  const table = grown.find(isTable);
  assert.is(table[2] % SECTOR, 0, 'the table copy is written as whole sectors');
  assert.ok(table[1] === 0 || table[1] === TABLE_COPY_BYTES);

  fs.write('db', SECTOR, fill(SECTOR, 2));
  fs.commit();
  const inPlace = vol.take();
  assert.not.ok(inPlace.some(isTable), 'an overwrite inside the file leaves the table alone');
  assert.equal(inPlace.at(-1), ['flush'], 'but the data is flushed');
  fs.commit();
  assert.equal(vol.take(), [], 'a commit with nothing written does nothing');

  fs.truncate('db', SECTOR);
  fs.commit();
  assert.ok(vol.take().some(isTable), 'a truncate is committed with the table');
  const again = ContainerFs.open(vol, 2);
  assert.is(again.size('db'), SECTOR);
  assert.equal(again.read('db', 0, SECTOR), fill(SECTOR, 1));
});

rules('a write that reaches its file end is padded to a whole sector; one inside the file is not', () => {
  const vol = recordingVolume();
  const fs = ContainerFs.open(vol, 2);
  fs.create('j');
  fs.write('j', 0, fill(SECTOR + 8, 3)); // a journal header sector and the start of a record
  fs.commit();
  const writes = vol.take().filter((c) => c[0] === 'write' && !isTable(c));
  assert.equal(writes, [['write', EXTENTS_START, 2 * SECTOR]], 'padded to the end of the second sector');
  assert.is(fs.size('j'), SECTOR + 8, 'the padding is not part of the file');
  fs.write('j', 8, fill(4, 9)); // inside the file: exactly the bytes, the volume keeps the rest
  fs.commit();
  assert.equal(
    vol.take().filter((c) => c[0] === 'write'),
    [['write', EXTENTS_START + 8, 4]],
  );
  const bytes = ContainerFs.open(vol, 2).read('j', 0, SECTOR + 8);
  assert.equal(bytes.subarray(0, 8), fill(8, 3));
  assert.equal(bytes.subarray(8, 12), fill(4, 9));
  assert.equal(bytes.subarray(12), fill(SECTOR - 4, 3));
  // Growing over the padding shows zeros, not whatever the sector held.
  fs.truncate('j', SECTOR + 100);
  assert.equal(fs.read('j', SECTOR + 8, 92), new Uint8Array(92));
});

rules("a file's run of appends survives reads and page writes of another file, and is written at the commit", () => {
  const vol = recordingVolume();
  const fs = ContainerFs.open(vol, 2);
  fs.create('db');
  fs.create('db-journal');
  fs.write('db', 0, fill(4 * SECTOR, 1));
  fs.commit();
  vol.take();
  // SQLite's rollback journal: a header sector, then records (page number, page, checksum)
  // interleaved with reads of the pages it journals and the pages it spills.
  fs.write('db-journal', 0, fill(SECTOR, 7), true);
  let at = SECTOR;
  for (let page = 0; page < 3; page++) {
    assert.equal(fs.read('db', page * SECTOR, SECTOR), fill(SECTOR, 1));
    for (const piece of [fill(4, page), fill(SECTOR, 0x40 + page), fill(4, 0x80 + page)]) {
      fs.write('db-journal', at, piece, true);
      piece.fill(0xee); // borrowed bytes: SQLite reuses its buffer after the call
      at += piece.length;
    }
    fs.write('db', page * SECTOR, fill(SECTOR, 2), true); // a spilled page: whole sectors, straight through
  }
  const journalStart = EXTENTS_START + EXTENT_BYTES; // the journal's first extent
  const before = vol.take().filter(([op]) => op === 'write');
  assert.equal(
    before.map(([, offset, n]) => [offset, n]),
    [
      [journalStart, SECTOR],
      [EXTENTS_START, SECTOR],
      [EXTENTS_START + SECTOR, SECTOR],
      [EXTENTS_START + 2 * SECTOR, SECTOR],
    ],
    'the whole-sector writes (journal header, spilled pages) went through; no record byte did',
  );
  assert.is(fs.size('db-journal'), at, 'the size counts the pending run');
  fs.commit();
  const journal = vol.take().filter(([op, offset]) => op === 'write' && offset >= journalStart);
  assert.equal(
    journal,
    [['write', journalStart + SECTOR, Math.ceil(at / SECTOR) * SECTOR - SECTOR]],
    'the records: one run, padded',
  );
  const back = ContainerFs.open(vol, 2).read('db-journal', SECTOR, SECTOR + 8);
  assert.equal(back.subarray(0, 4), fill(4, 0));
  assert.equal(back.subarray(4, SECTOR + 4), fill(SECTOR, 0x40));
  assert.equal(back.subarray(SECTOR + 4), fill(4, 0x80));
});

rules('a read of the file with a pending run sees it; removing a file drops its run', () => {
  const vol = recordingVolume();
  const fs = ContainerFs.open(vol, 2);
  fs.create('w');
  fs.write('w', 0, fill(10, 5), true);
  assert.equal(fs.read('w', 0, 10), fill(10, 5));
  fs.create('gone');
  vol.take();
  fs.write('gone', 0, fill(100, 6), true);
  fs.remove('gone');
  fs.commit();
  assert.not.ok(
    vol.take().some(([op, offset, n]) => op === 'write' && offset >= EXTENTS_START && n >= 100),
    "a removed file's pending bytes are never written",
  );
  assert.equal(ContainerFs.open(vol, 2).names(), ['w']);
});

const end = suite('atrest/sqlite container: over an encrypted Volume');

// A one-row transaction in EXCLUSIVE mode (where DELETE keeps the journal and zeroes its
// header, as PERSIST does) decrypts two sectors: the journal sector its records end in (the rest
// of it is the last transaction's journal, file data the container must keep) and the journal
// header it zeroes at the end. Before these rules it was five: the table copy, rewritten at each
// of the three syncs, was read and decrypted to change its first bytes each time.
end(
  'an UPDATE of cached pages decrypts at most two sectors: where its journal records end, the header it zeroes',
  async () => {
    const env = setup();
    const store = new MemoryBlockStore();
    const edb = await openDatabase(store, { kms: env.app });
    edb.db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); PRAGMA journal_mode=DELETE');
    for (let i = 0; i < 200; i++) edb.db.exec(`INSERT INTO t VALUES (${i}, '${'x'.repeat(300)}')`);
    edb.db.selectValue("SELECT count(*) FROM t WHERE v <> ''"); // every page now in SQLite's cache
    let reads = 0;
    const readSync = store.readSync.bind(store);
    store.readSync = (offset, length) => {
      reads++;
      return readSync(offset, length);
    };
    const updates = 20;
    for (let i = 0; i < updates; i++) edb.db.exec(`UPDATE t SET v = '${'y'.repeat(300)}' WHERE id = ${i * 9}`);
    store.readSync = readSync;
    assert.ok(reads <= 2 * updates, `${reads} store reads for ${updates} one-row transactions`);
    assert.is(edb.db.selectValue(`SELECT count(*) FROM t WHERE v LIKE 'y%'`), updates);
    await edb.close();
  },
);

rules.run();
end.run();
