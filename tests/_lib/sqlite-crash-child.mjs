// The child of tests/node/sqlite-crash.test.js: opens the encrypted database, sets the journal
// mode, and commits numbered transactions for ever (three rows each, of varying size), printing
// each number on stdout only after its COMMIT returned. The parent SIGKILLs it at a random moment.
// Arguments: <db> <keystore> <root key hex> <journal mode> <first transaction number>.
import process from 'node:process';
import { LocalKms } from '../../dist/index.js';
import { FileKeystore } from '../../dist/fs/index.js';
import { openDatabase } from '../../dist/sqlite/index.js';

const [dbPath, keystorePath, rootKeyHex, mode, first] = process.argv.slice(2);
const rootKey = Uint8Array.from(rootKeyHex.match(/../g), (h) => parseInt(h, 16));
const kms = new LocalKms({ keystore: await FileKeystore.open(keystorePath, { rootKey }) });
const edb = await openDatabase(dbPath, { kms: kms.as('arn:aws:iam::111122223333:role/app'), create: false });
edb.db.exec(`PRAGMA journal_mode=${mode}`);
const insert = edb.db.prepare('INSERT INTO txns(txn, part, payload) VALUES (?, ?, ?)');
for (let txn = Number(first); ; txn++) {
  edb.db.transaction(() => {
    for (let part = 0; part < 3; part++)
      insert.bind([txn, part, 'p'.repeat(50 + ((txn * 131 + part * 17) % 3000))]).stepReset();
    // Now and then a delete, so pages are freed and the file shrinks and grows again.
    if (txn % 7 === 0) edb.db.exec({ sql: 'DELETE FROM filler WHERE id % 2 = ?', bind: [txn % 2] });
    edb.db.exec({ sql: 'INSERT INTO filler(blob) VALUES (?)', bind: ['f'.repeat(200 + (txn % 5) * 1000)] });
  });
  process.stdout.write(`${txn}\n`);
}
