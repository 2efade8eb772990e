// One driver for the SQLite C API of two wasm builds — the official @sqlite.org/sqlite-wasm
// (atrest/sqlite's build) and wa-sqlite's sqlite3mc build (@journeyapps/wa-sqlite) — and the
// fixed workload bench/sqlite.mjs times on each. Both builds are driven through their raw wasm
// exports (sqlite3_prepare_v2, sqlite3_bind_*, sqlite3_step, …), not through their JS wrappers:
// the official oo1 API is synchronous, wa-sqlite's is async (an await per step), and that
// difference would otherwise be measured instead of the storage and cipher. Bench only.

import { xorshift32 } from './measure.mjs';

/**
 * c: { fn: name → wasm export (sqlite3_step, …), heap(): Uint8Array over the wasm memory }.
 * db: the sqlite3* pointer of an open connection.
 */
export function driver(c, db) {
  const f = c.fn;
  const need = [
    'sqlite3_exec',
    'sqlite3_prepare_v2',
    'sqlite3_bind_int',
    'sqlite3_bind_text',
    'sqlite3_step',
    'sqlite3_reset',
    'sqlite3_column_int',
    'sqlite3_column_bytes',
    'sqlite3_column_text',
    'sqlite3_finalize',
    'sqlite3_errmsg',
    'sqlite3_malloc',
    'sqlite3_free',
  ];
  for (const n of need) if (typeof f[n] !== 'function') throw new Error(`sqlite driver: the build has no ${n}`);
  const ROW = 100;
  const DONE = 101;
  const cstr = (s) => {
    const b = new TextEncoder().encode(s);
    const p = f.sqlite3_malloc(b.length + 1);
    const h = c.heap();
    h.set(b, p);
    h[p + b.length] = 0;
    return p;
  };
  const readCstr = (p) => {
    const h = c.heap();
    let end = p;
    while (h[end] !== 0) end++;
    return new TextDecoder().decode(h.subarray(p, end));
  };
  const fail = (what, rc) => {
    throw new Error(`sqlite ${what}: rc ${rc}: ${readCstr(f.sqlite3_errmsg(db))}`);
  };
  const scratch = f.sqlite3_malloc(8);

  return {
    /** Runs SQL with no result rows wanted. */
    exec(sql) {
      const p = cstr(sql);
      const rc = f.sqlite3_exec(db, p, 0, 0, 0);
      f.sqlite3_free(p);
      if (rc !== 0) fail(`exec ${sql.slice(0, 60)}`, rc);
    },
    /** The first column of the first row of `sql`, as text (or null). */
    value(sql) {
      const s = this.prepare(sql);
      try {
        return s.step() ? s.text(0) : null;
      } finally {
        s.finalize();
      }
    },
    prepare(sql) {
      const p = cstr(sql);
      const rc = f.sqlite3_prepare_v2(db, p, -1, scratch, 0);
      f.sqlite3_free(p);
      if (rc !== 0) fail(`prepare ${sql.slice(0, 60)}`, rc);
      const h = c.heap();
      const stmt = h[scratch] | (h[scratch + 1] << 8) | (h[scratch + 2] << 16) | (h[scratch + 3] << 24);
      return {
        int(i, v) {
          const rc = f.sqlite3_bind_int(stmt, i, v);
          if (rc !== 0) fail('bind_int', rc);
        },
        /** Binds `n` bytes at heap pointer `ptr` as text (SQLITE_TRANSIENT: SQLite copies). */
        text(i, ptr, n) {
          if (n === undefined) {
            const p = f.sqlite3_column_text(stmt, i);
            return p === 0 ? null : readCstr(p);
          }
          const rc = f.sqlite3_bind_text(stmt, i, ptr, n, -1);
          if (rc !== 0) fail('bind_text', rc);
        },
        /** true for a row, false when done; throws on an error. */
        step() {
          const rc = f.sqlite3_step(stmt);
          if (rc === ROW) return true;
          if (rc === DONE) return false;
          fail('step', rc);
        },
        column(i) {
          return f.sqlite3_column_int(stmt, i);
        },
        bytes(i) {
          return f.sqlite3_column_bytes(stmt, i);
        },
        reset() {
          f.sqlite3_reset(stmt);
        },
        finalize() {
          f.sqlite3_finalize(stmt);
        },
      };
    },
    malloc: (n) => f.sqlite3_malloc(n),
    free: (p) => f.sqlite3_free(p),
    heap: () => c.heap(),
    close() {
      f.sqlite3_free(scratch);
    },
  };
}

/** The settings every configuration runs with, so the builds' different compile-time defaults
 *  (the official build: 8 KiB pages, 16 MiB cache; wa-sqlite: 4 KiB, 2 MiB) do not decide.
 *  EXCLUSIVE and FULL are what atrest/sqlite sets; a 2 MiB cache keeps the database bigger
 *  than the cache, so reads reach the storage (and the cipher). */
export const PRAGMAS =
  'PRAGMA page_size=4096; PRAGMA cache_size=-2000; PRAGMA locking_mode=EXCLUSIVE; PRAGMA synchronous=FULL; PRAGMA journal_mode=DELETE;';

export const TABLE = 'bench_rows';
export const VALUE_BYTES = 200;

/** The text of row `id`: its number and a fixed pseudo-random filler (letters), VALUE_BYTES long. */
export function rowFiller() {
  const next = xorshift32(2463534242);
  return Uint8Array.from({ length: VALUE_BYTES }, () => 97 + (next() % 26));
}

/** A 32-byte piece of every row's value: the bench asserts it is not in an encrypted file. */
export const ROW_PROBE = rowFiller().subarray(100, 132);

/** xorshift ids in [1, n], deterministic per seed. */
function ids(n, seed) {
  const next = xorshift32(seed);
  return () => 1 + (next() % n);
}

/**
 * The fixed workload on an open connection, as four phases the caller runs in order (so it can
 * interleave configurations phase by phase): creates the table, and returns
 * { insert, select, hot, scan, update, dispose }; each phase returns { ms, cpuMs }: its wall
 * time and, with cpuClock (ms of CPU time this process used), its CPU time. w: { rows, txRows,
 * selects, hotSelects, hotRows, scans, scanRows, updates }. Every phase checks what it read, so a wrong answer cannot be fast.
 */
export function workload(d, w, seed, cpuClock = () => 0) {
  d.exec(PRAGMAS);
  d.exec(`CREATE TABLE ${TABLE}(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v TEXT NOT NULL)`);
  const filler = rowFiller();
  const buf = d.malloc(VALUE_BYTES);
  const put = (id, variant) => {
    const h = d.heap();
    h.set(filler, buf);
    const tag = `${variant}${String(id).padStart(9, '0')}`;
    for (let i = 0; i < tag.length; i++) h[buf + i] = tag.charCodeAt(i);
  };
  const timed = (fn, before) => () => {
    before?.();
    const c0 = cpuClock();
    const t0 = performance.now();
    fn();
    const ms = performance.now() - t0;
    return { ms, cpuMs: cpuClock() - c0 };
  };
  const selects = (next, n) => {
    const sel = d.prepare(`SELECT v FROM ${TABLE} WHERE id = ?`);
    let got = 0;
    for (let i = 0; i < n; i++) {
      sel.int(1, next());
      if (!sel.step()) throw new Error('point select: no row');
      got += sel.bytes(0);
      sel.reset();
    }
    sel.finalize();
    if (got !== n * VALUE_BYTES) throw new Error(`point select read ${got} bytes, not ${n * VALUE_BYTES}`);
  };
  return {
    insert: timed(() => {
      const ins = d.prepare(`INSERT INTO ${TABLE}(id, k, v) VALUES (?, ?, ?)`);
      for (let id = 1; id <= w.rows;) {
        d.exec('BEGIN');
        for (let i = 0; i < w.txRows && id <= w.rows; i++, id++) {
          put(id, 'i');
          ins.int(1, id);
          ins.int(2, (id * 7919) % 1000);
          ins.text(3, buf, VALUE_BYTES);
          ins.step();
          ins.reset();
        }
        d.exec('COMMIT');
      }
      ins.finalize();
    }),
    select: timed(() => selects(ids(w.rows, seed), w.selects)),
    // The same on the first hotRows rows only, read once untimed first: pages in SQLite's cache.
    hot: timed(
      () => selects(ids(w.hotRows, seed + 3), w.hotSelects),
      () =>
        selects(
          (() => {
            let id = 0;
            return () => ++id;
          })(),
          w.hotRows,
        ),
    ),
    scan: timed(() => {
      const from = ids(w.rows - w.scanRows, seed + 1);
      const scan = d.prepare(`SELECT k, v FROM ${TABLE} WHERE id BETWEEN ? AND ?`);
      let rows = 0;
      let got = 0;
      for (let i = 0; i < w.scans; i++) {
        const a = from();
        scan.int(1, a);
        scan.int(2, a + w.scanRows - 1);
        while (scan.step()) {
          rows++;
          got += scan.bytes(1);
        }
        scan.reset();
      }
      scan.finalize();
      if (rows !== w.scans * w.scanRows || got !== rows * VALUE_BYTES)
        throw new Error(`range scans read ${rows} rows (${got} B), not ${w.scans * w.scanRows}`);
    }),
    update: timed(() => {
      const which = ids(w.rows, seed + 2);
      const upd = d.prepare(`UPDATE ${TABLE} SET k = k + 1, v = ? WHERE id = ?`);
      for (let done = 0; done < w.updates;) {
        d.exec('BEGIN');
        for (let i = 0; i < w.txRows && done < w.updates; i++, done++) {
          const id = which();
          put(id, 'u');
          upd.text(1, buf, VALUE_BYTES);
          upd.int(2, id);
          upd.step();
          upd.reset();
        }
        d.exec('COMMIT');
      }
      upd.finalize();
    }),
    dispose: () => d.free(buf),
  };
}

/** The whole workload at once (the encryption check's small run). */
export function runWorkload(d, w, seed) {
  const p = workload(d, w, seed);
  try {
    for (const k of ['insert', 'select', 'hot', 'scan', 'update']) p[k]();
  } finally {
    p.dispose();
  }
}
