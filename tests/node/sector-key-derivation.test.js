// The derived sector keys and atrest/sqlite's per-file keys, recomputed from docs/FORMAT.md with
// independent code: the data key is taken from the key service's Decrypt answer, the keys are
// derived with @noble/hashes' HKDF under the documented labels, and the store's sectors are
// decrypted with node's OpenSSL (aes-256-xts, tweak = the sector number). So the format is what
// the document says, not only what atrest reads back. Node only (node:crypto).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDecipheriv } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { MemoryBlockStore, Volume } from '../../dist/index.js';
import { openDatabase } from '../../dist/sqlite/index.js';
import { pattern, setup } from '../_lib/envelope.js';
import { assertBytes } from '../_lib/assert.js';
import { LABELS } from '../_lib/volume-format.js';

const utf8 = (s) => new TextEncoder().encode(s);
const VOLUME_XTS_LABEL = LABELS.xts;
const DERIVATION_LABEL = LABELS.sectorKeyDerivation;
const DERIVED_XTS_LABEL = LABELS.derivedXts;

/** FORMAT.md: the XTS key of label L = HKDF(derivation key, info = DERIVED_XTS_LABEL ‖ 0x00 ‖ L). */
function derivedXtsKey(dataKey, label) {
  const kdk = hkdf(sha256, dataKey, undefined, utf8(DERIVATION_LABEL), 32);
  const info = new Uint8Array([...utf8(DERIVED_XTS_LABEL), 0, ...utf8(label)]);
  return hkdf(sha256, kdk, undefined, info, 64);
}

/** Sector `n` (of `sectorSize` bytes at `dataOffset` in `raw`) decrypted under `key`. */
function decryptSector(raw, dataOffset, sectorSize, n, key) {
  const tweak = Buffer.alloc(16);
  tweak.writeBigUInt64LE(BigInt(n));
  const d = createDecipheriv('aes-256-xts', key, tweak);
  const at = dataOffset + n * sectorSize;
  return new Uint8Array(Buffer.concat([d.update(raw.subarray(at, at + sectorSize)), d.final()]));
}

/** A key-service client whose Decrypt answers are also kept here (a copy of the data key). */
function capturing(client) {
  const seen = [];
  const kms = new Proxy(client, {
    get(target, prop) {
      const v = target[prop];
      if (prop !== 'decrypt') return typeof v === 'function' ? v.bind(target) : v;
      return async (request) => {
        const out = await target.decrypt(request);
        seen.push(Uint8Array.from(out.Plaintext));
        return out;
      };
    },
  });
  return { kms, dataKey: () => seen[seen.length - 1] };
}

const derivation = suite('derived sector keys: the documented construction');

derivation(
  'a SectorKey is HKDF-SHA-256 of the derivation key under its label, the tweak the sector number',
  async () => {
    const { app } = setup();
    const { kms, dataKey } = capturing(app);
    const store = new MemoryBlockStore();
    const vol = await Volume.create(store, { kms, size: 0, sectorSize: 512 });
    const data = pattern(1024, 9);
    vol.writeSync(512, data, vol.deriveSectorKey('label é'));
    vol.writeSync(0, data.subarray(0, 512));
    await vol.close();
    const raw = store.readSync(0, store.sizeSync());
    const dataOffset = raw.length - 1536;
    const key = derivedXtsKey(dataKey(), 'label é');
    assertBytes(decryptSector(raw, dataOffset, 512, 1, key), data.subarray(0, 512), 'sector 1');
    assertBytes(decryptSector(raw, dataOffset, 512, 2, key), data.subarray(512), 'sector 2');
    const volumeKey = hkdf(sha256, dataKey(), undefined, utf8(VOLUME_XTS_LABEL), 64);
    assertBytes(decryptSector(raw, dataOffset, 512, 0, volumeKey), data.subarray(0, 512), "sector 0, the volume's key");
  },
);

const files = suite('atrest/sqlite: per-file keys on the store');

files('the table is under the volume key; db and db-wal each under the key of their own label', async () => {
  const { app } = setup();
  const { kms, dataKey } = capturing(app);
  const store = new MemoryBlockStore();
  const edb = await openDatabase(store, { kms });
  edb.db.exec(`PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES ('under the wal key')`);
  // Open, in WAL mode: the WAL holds the commit, and the table that names it is durable.
  const raw = store.readSync(0, store.sizeSync());
  await edb.close();
  const dataOffset = 2 * 16384; // 4096-byte sectors after two 16 KiB header copies
  const ss = 4096;
  const volumeKey = hkdf(sha256, dataKey(), undefined, utf8(VOLUME_XTS_LABEL), 64);
  const table = [0, 16].map((n) => decryptSector(raw, dataOffset, ss, n, volumeKey));
  const copy = table.find((c) => new TextDecoder().decode(c.subarray(0, 8)) === 'ATSQLFS2');
  assert.ok(copy, 'a table copy with magic ATSQLFS2 under the volume key');
  const bodyLength = new DataView(copy.buffer).getUint32(16, true);
  const { files: entries } = JSON.parse(new TextDecoder().decode(copy.subarray(52, 52 + bodyLength)));
  assert.equal(Object.keys(entries).sort(), ['db', 'db-wal']);
  /** The first sector of file `name`, decrypted under `key`. */
  const fileSector = (name, key) =>
    decryptSector(raw, dataOffset, ss, (2 * 65536 + entries[name][1][0][0] * 65536) / ss, key);
  const fileKey = (name) => derivedXtsKey(dataKey(), `atrest/sqlite file ${name}`);
  const header = (sector) => new TextDecoder('latin1').decode(sector.subarray(0, 16));
  assert.is(header(fileSector('db', fileKey('db'))), 'SQLite format 3\0', 'db under its key');
  const wal = fileSector('db-wal', fileKey('db-wal'));
  assert.ok(
    [0x377f0682, 0x377f0683].includes(new DataView(wal.buffer).getUint32(0)),
    'db-wal under its key: the WAL magic',
  );
  assert.is.not(header(fileSector('db', volumeKey)), 'SQLite format 3\0');
  assert.is.not(header(fileSector('db', fileKey('db-wal'))), 'SQLite format 3\0');
});

derivation.run();
files.run();
