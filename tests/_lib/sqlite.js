// Shared by the atrest/sqlite test files: rows to insert and check, the opacity check of a
// container's bytes, and the SQLite module to use. In Node and Deno atrest/sqlite loads
// @sqlite.org/sqlite-wasm itself (that path is what these runtimes test); in Chromium the test
// page initialises the browser build with the wasm file the runner serves at /sqlite-wasm/ and
// passes it in (the `sqlite3` option: the path an application with its own module takes).
// atrest/sqlite's own loading in a browser bundle is what tests/sqlite-opfs.test.js's worker
// uses (the runner serves sqlite3.wasm beside the bundle's chunks too).
import * as assert from 'uvu/assert';

const IN_BROWSER = typeof window !== 'undefined' && typeof document !== 'undefined';
let browserModule;

/** The options that choose the SQLite module for this runtime ({} = atrest/sqlite's own). */
export async function sqliteOptions() {
  if (!IN_BROWSER) return {};
  browserModule ??= import('@sqlite.org/sqlite-wasm').then((m) =>
    m.default({ locateFile: (file) => `/sqlite-wasm/${file}`, print: () => {}, printErr: () => {} }),
  );
  return { sqlite3: await browserModule };
}

/** Inserts `count` rows (id, 'row-value-<id>-secret') into ledger in transactions of `per`. */
export function insertRows(db, count, per, from = 0) {
  for (let start = from; start < from + count; start += per) {
    db.transaction(() => {
      const stmt = db.prepare('INSERT INTO ledger(id, note) VALUES (?, ?)');
      try {
        for (let id = start; id < Math.min(start + per, from + count); id++)
          stmt.bind([id, `row-value-${id}-secret`]).stepReset();
      } finally {
        stmt.finalize();
      }
    });
  }
}

export function checkRows(db, count) {
  assert.is(db.selectValue('SELECT count(*) FROM ledger'), count, 'row count');
  assert.is(db.selectValue('SELECT sum(id) FROM ledger'), (count * (count - 1)) / 2, 'sum of ids');
  assert.is(db.selectValue('SELECT note FROM ledger WHERE id = ?', [count - 1]), `row-value-${count - 1}-secret`);
  assert.is(db.selectValue('PRAGMA integrity_check'), 'ok');
}

/** The container must not show what SQLite wrote. */
export function assertOpaque(bytes, label) {
  const text = new TextDecoder('latin1').decode(bytes);
  for (const needle of ['SQLite format 3', 'ledger', 'row-value-', 'secret', 'CREATE TABLE'])
    assert.not.ok(text.includes(needle), `${label}: the container holds ${JSON.stringify(needle)} in clear`);
}
