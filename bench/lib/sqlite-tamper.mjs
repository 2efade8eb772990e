// Integrity, shown rather than said: flip one bit of a stored row value in each configuration's
// database while it is closed, reopen, read every row and run PRAGMA integrity_check. XTS
// (atrest) gives confidentiality only: the flipped sector decrypts to 16 garbled bytes and
// SQLite reads them as data. sqlite3mc's 'sqlcipher' (HMAC-SHA512) and 'chacha20' (Poly1305)
// authenticate each page and refuse it. Bench only; not timed.
//
// Where to flip: the unencrypted twin of each build ('plain', 'mc-plain') runs the same
// deterministic operations, so the byte offsets of a row's value there are its offsets in the
// encrypted file too — plus, for atrest, the Volume's data offset (two 16 KiB header copies,
// docs/FORMAT.md), which is checked against the store sizes. sqlite3mc's ciphers reserve bytes
// per page, so there the offset lands in the same page region, not always in the same row.

import { createHash } from 'node:crypto';
import { TABLE, runWorkload } from './sqlite-driver.mjs';

const enc = new TextEncoder();

function allOffsets(bytes, needle) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = [];
  for (let at = b.indexOf(needle); at !== -1; at = b.indexOf(needle, at + 1)) out.push(at);
  return out;
}

function digest(d) {
  const h = createHash('sha256');
  const s = d.prepare(`SELECT id, v FROM ${TABLE} ORDER BY id`);
  let rows = 0;
  try {
    while (s.step()) {
      h.update(`${s.column(0)}:${s.text(1)}\n`);
      rows++;
    }
  } finally {
    s.finalize();
  }
  return { rows, hash: h.digest('hex') };
}

async function attempt(cfg, work, offsets) {
  let s = await cfg.create();
  runWorkload(s.d, work, 7);
  const before = digest(s.d);
  let outcome;
  try {
    s = await s.reopen((flip) => offsets.forEach(flip));
    const after = digest(s.d);
    const integrity = s.d.value('PRAGMA integrity_check');
    outcome = {
      error: null,
      changed: after.hash !== before.hash,
      rows: after.rows,
      integrity,
      text:
        after.hash === before.hash
          ? `no error, rows unchanged (the flip missed live data); integrity_check ${integrity}`
          : `NO ERROR: rows read back changed; integrity_check ${integrity}`,
    };
  } catch (e) {
    outcome = { error: e.message, changed: null, text: `refused: ${e.message.replace(/^sqlite /, '')}` };
  }
  await s.close().catch(() => undefined);
  await s.dispose?.();
  return outcome;
}

/** { id → outcome } for every configuration, flipping the same stored row value in each. */
export async function tamperCheck(configs, work) {
  const byId = new Map(configs.map((c) => [c.id, c]));
  const locate = async (twinId) => {
    const s = await byId.get(twinId).create();
    runWorkload(s.d, work, 7);
    const id = Number(
      s.d.value(`SELECT min(id) FROM ${TABLE} WHERE id >= ${work.rows >> 1} AND substr(v, 1, 1) = 'i'`),
    );
    const tag = enc.encode(`i${String(id).padStart(9, '0')}`);
    const bytes = s.bytes();
    await s.close();
    await s.dispose?.();
    // +5: a digit of the row's tag, so the flip changes the value and nothing else in plaintext.
    return { offsets: allOffsets(bytes, tag).map((at) => at + 5), size: bytes.length };
  };
  const plain = await locate('plain');
  const mc = await locate('mc-plain');
  if (plain.offsets.length === 0 || mc.offsets.length === 0) throw new Error('tamper check: row tag not found');

  const a = await byId.get('atrest').create();
  runWorkload(a.d, work, 7);
  const dataOffset = a.bytes().length - plain.size;
  await a.close();
  await a.dispose?.();
  if (dataOffset !== 2 * 16384)
    throw new Error(`tamper check: atrest's data offset is ${dataOffset}, not 32768 (docs/FORMAT.md): layouts differ`);

  const out = {};
  for (const cfg of configs) {
    const offsets =
      cfg.id === 'atrest'
        ? plain.offsets.map((x) => x + dataOffset)
        : cfg.id.startsWith('mc-')
          ? mc.offsets
          : plain.offsets;
    out[cfg.id] = { flippedBytes: offsets.length, ...(await attempt(cfg, work, offsets)) };
  }
  return out;
}
