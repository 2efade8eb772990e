// `atrest sql <db> [SQL …]`: an encrypted SQLite database (atrest/sqlite) from the command line.
// Creates the database when the file does not exist (under --key, default the default key, with
// --context), runs the statements given (or the SQL read from stdin) and prints the result rows:
// a table per result shape, or with --json one JSON object per row. --export writes the standard
// SQLite file, --import makes an encrypted database from one.
//
// atrest/sqlite and its optional peer @sqlite.org/sqlite-wasm load only when this command runs,
// so every other command (and `atrest --version`) stays as light as before.

import type { EncryptedDatabase } from '../../sqlite/index.js';
import { pathExists } from '../../fs/fs-helpers.js';
import { toHex } from '../../utils/bytes.js';
import { DEFAULT_KEY_ALIAS } from '../../kms/key-ids.js';
import { keyValuePairs } from '../args.js';
import { positional, type Command, type CommandContext } from '../command.js';
import { UsageError } from '../exit-codes.js';
import { table } from '../output.js';
import { readStdinText } from '../stdin.js';

type Row = Record<string, unknown>;

const sql: Command = {
  words: 'sql',
  locksPerKeyCall: true,
  synopsis: '<db> [SQL …] [--key KEY] [--context k=v …] | <db> --export PLAIN.db | <db> --import PLAIN.db',
  summary: 'run SQL on an encrypted SQLite database (created when missing); export or import a plain one',
  options: { key: 'value', context: 'list', export: 'value', import: 'value' },
  positionals: { min: 1, max: Infinity, names: '<db> [SQL …]' },
  async run(ctx) {
    const where = 'sql';
    const file = positional(ctx, 0);
    const statements = ctx.args.positionals.slice(1);
    const exportTo = ctx.args.values.get('export');
    const importFrom = ctx.args.values.get('import');
    if (exportTo !== undefined && importFrom !== undefined)
      throw new UsageError(`${where}: give --export or --import, not both`);
    if ((exportTo ?? importFrom) !== undefined && statements.length > 0)
      throw new UsageError(`${where}: --export and --import take no SQL statements`);
    const context = keyValuePairs(ctx.args, 'context', where);
    const keyId = ctx.args.values.get('key');
    const exists = await pathExists(file);
    if (importFrom !== undefined && exists)
      throw new UsageError(`${where}: ${file} exists; --import makes a new encrypted database`);
    if (exportTo !== undefined && !exists) throw new UsageError(`${where}: ${file}: no such database to export`);

    const sqliteApi = await import('../../sqlite/index.js');
    // The optional peer dependency: say how to install it, as a usage error (exit 1).
    await sqliteApi.loadSqlite().catch((e: unknown) => {
      throw new UsageError(`${where}: ${(e as Error).message}`);
    });
    const options = {
      kms: await ctx.kms(),
      keyId: keyId ?? DEFAULT_KEY_ALIAS,
      ...(context ? { encryptionContext: context } : {}),
    };
    if (importFrom !== undefined) {
      const edb = await sqliteApi.importPlain(importFrom, file, options);
      await finish(edb, () => {
        const tables = edb.db.selectValues("SELECT name FROM sqlite_schema WHERE type = 'table'") as string[];
        ctx.out.result([`imported ${importFrom} → ${file} (encrypted; tables: ${tables.join(', ') || 'none'})`], {
          file,
          importedFrom: importFrom,
          tables,
          volumeId: edb.volumeId,
        });
      });
      return;
    }
    const edb = await sqliteApi.openDatabase(file, { ...options, create: exportTo === undefined });
    if (!exists) ctx.out.note(`created the encrypted database ${file} under ${options.keyId}`);
    if (exportTo !== undefined) {
      await finish(edb, async () => {
        await edb.exportPlain(exportTo);
        ctx.out.result([`exported ${file} → ${exportTo} (a standard SQLite file, not encrypted)`], {
          file,
          exportedTo: exportTo,
        });
      });
      return;
    }
    const text = statements.length > 0 ? statements.join(';\n') : await readStdinText();
    await finish(edb, () => printRows(ctx, runSql(edb, text, where)));
  },
};

/** Runs `work`, then closes the database whatever happened. */
async function finish(edb: EncryptedDatabase, work: () => unknown): Promise<void> {
  try {
    await work();
  } finally {
    await edb.close();
  }
}

/** Every row of every statement, in order; a SQL error is a usage error naming it. */
function runSql(edb: EncryptedDatabase, text: string, where: string): Row[] {
  const rows: Row[] = [];
  try {
    // exec() reports the rows of the first statement with result columns only: one exec each.
    for (const statement of splitStatements(edb, text))
      edb.db.exec({ sql: statement, rowMode: 'object', callback: (row: Row) => void rows.push(plainValues(row)) });
  } catch (e) {
    if ((e as Error)?.name === 'SQLite3Error') throw new UsageError(`${where}: ${(e as Error).message}`);
    throw e;
  }
  return rows;
}

/** The complete statements of `text`, cut at the semicolons SQLite's own sqlite3_complete
 *  accepts as statement ends (not those inside strings, comments or triggers); a trailing
 *  fragment goes as it is, for SQLite to report. */
function splitStatements(edb: EncryptedDatabase, text: string): string[] {
  const statements: string[] = [];
  let start = 0;
  for (let at = text.indexOf(';'); at >= 0; at = text.indexOf(';', at + 1)) {
    const candidate = text.slice(start, at + 1);
    if (edb.sqlite3.capi.sqlite3_complete(candidate)) {
      statements.push(candidate);
      start = at + 1;
    }
  }
  if (text.slice(start).trim().length > 0) statements.push(text.slice(start));
  return statements;
}

/** Values JSON can carry: integers past 2^53 as decimal strings, blobs stay bytes (base64). */
function plainValues(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? v.toString() : v;
  return out;
}

function printRows(ctx: CommandContext, rows: Row[]): void {
  if (ctx.out.json) {
    ctx.out.jsonLines(rows);
    return;
  }
  // One table per run of rows with the same columns (statements of different shapes).
  const lines: string[] = [];
  let header: string[] | undefined;
  let group: string[][] = [];
  const flush = () => {
    if (header !== undefined) lines.push(...table(header, group));
    group = [];
  };
  for (const row of rows) {
    const columns = Object.keys(row);
    if (header === undefined || columns.join('\0') !== header.join('\0')) {
      flush();
      if (header !== undefined) lines.push('');
      header = columns;
    }
    group.push(columns.map((c) => cell(row[c])));
  }
  flush();
  ctx.out.result(lines, rows);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Uint8Array) return `x'${toHex(v)}'`;
  return String(v);
}

export const sqlCommands: readonly Command[] = [sql];
