// Crash safety of atrest/sqlite (issue 15): a child process commits numbered transactions in a
// loop and is SIGKILLed at a random moment; after each kill the database opens, `PRAGMA
// integrity_check` is ok, every transaction the child reported committed is there, and every
// transaction that is there is whole (all three of its rows). Per journal mode (DELETE,
// TRUNCATE, PERSIST, WAL): ATREST_SQLITE_CRASH_ROUNDS rounds each (default 10, the bounded CI
// count; the 100 with ATREST_SQLITE_CRASH_ROUNDS=100). The seed is printed on failure.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { LocalKms } from '../../dist/index.js';
import { FileKeystore } from '../../dist/fs/index.js';
import { openDatabase } from '../../dist/sqlite/index.js';
import { createPrng, randomSeed } from '../_lib/prng.js';
import { ROOT } from './cli-harness.js';

const ROUNDS = Number(process.env.ATREST_SQLITE_CRASH_ROUNDS) || 10;
const CHILD = join(ROOT, 'tests', '_lib', 'sqlite-crash-child.mjs');
const APP = 'arn:aws:iam::111122223333:role/app';
const ROOT_KEY_HEX = 'c3'.repeat(32);
const rootKey = () => Uint8Array.from(ROOT_KEY_HEX.match(/../g), (h) => parseInt(h, 16));

const crash = suite('atrest/sqlite: SIGKILL at random moments');
let dir;
crash.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atrest-sqlite-crash-'));
});
crash.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the child until it has reported `atLeast` commits, waits `delayMs` more, kills it;
 *  resolves the last transaction number it reported. */
function runAndKill(args, atLeast, delayMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let last = -1;
    let seen = 0;
    let buffered = '';
    let stderr = '';
    let killTimer;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const l of lines) {
        last = Number(l);
        seen += 1;
      }
      if (seen >= atLeast && killTimer === undefined) killTimer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') reject(new Error(`child ended with ${code ?? signal} before the kill: ${stderr}`));
      else resolve(last);
    });
  });
}

for (const mode of ['DELETE', 'TRUNCATE', 'PERSIST', 'WAL']) {
  crash(`${mode}: ${ROUNDS} kills; each time integrity ok, every reported transaction present and whole`, async () => {
    const seed = randomSeed();
    const rng = createPrng(seed);
    const dbPath = join(dir, `${mode}.atrest`);
    const keystorePath = join(dir, `${mode}.keys`);
    const keystore = await FileKeystore.open(keystorePath, { rootKey: rootKey() }, {});
    const kms = new LocalKms({ keystore });
    const edb = await openDatabase(dbPath, { kms: kms.as(APP) });
    edb.db.exec(`PRAGMA journal_mode=${mode}`);
    edb.db.exec('CREATE TABLE txns(txn INTEGER, part INTEGER, payload TEXT, PRIMARY KEY (txn, part))');
    edb.db.exec('CREATE TABLE filler(id INTEGER PRIMARY KEY, blob TEXT)');
    await edb.close();
    await kms.close();
    let next = 0;
    let reportedTotal = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const label = `seed ${seed}, ${mode}, round ${round}`;
      // The child works on its own copy of the key store (same keys), so no lock is shared.
      const childKeys = join(dir, `${mode}-child-${round}.keys`);
      await copyFile(keystorePath, childKeys);
      const reported = await runAndKill(
        [dbPath, childKeys, ROOT_KEY_HEX, mode, String(next)],
        rng.int(1, 4),
        rng.int(0, 120),
      );
      assert.ok(reported >= next, `${label}: the child reported a commit`);
      reportedTotal += reported - next + 1;
      const parentKms = new LocalKms({ keystore: await FileKeystore.open(keystorePath, { rootKey: rootKey() }) });
      const after = await openDatabase(dbPath, { kms: parentKms.as(APP), create: false });
      try {
        assert.is(after.db.selectValue('PRAGMA integrity_check'), 'ok', `${label}: integrity_check`);
        const counts = after.db.selectArrays('SELECT txn, count(*) FROM txns GROUP BY txn ORDER BY txn');
        const max = counts.length === 0 ? -1 : counts[counts.length - 1][0];
        assert.ok(
          max >= reported,
          `${label}: transaction ${reported} was reported committed, the last present is ${max}`,
        );
        assert.is(counts.length, max + 1, `${label}: transactions 0..${max} all present`);
        for (const [txn, n] of counts)
          if (n !== 3) assert.unreachable(`${label}: transaction ${txn} has ${n} of 3 rows`);
        next = max + 1;
      } finally {
        await after.close();
        await parentKms.close();
      }
    }
    assert.ok(reportedTotal >= ROUNDS, `${mode}: ${reportedTotal} transactions reported over ${ROUNDS} kills`);
    if (process.env.ATREST_SQLITE_CRASH_ROUNDS)
      process.stderr.write(
        `\n  ${mode}: ${ROUNDS} kills, ${reportedTotal} transactions reported committed, all present; ${next} present in all (${next - reportedTotal} committed but unreported when killed), integrity ok each time\n`,
      );
  });
}

crash.run();
