#!/usr/bin/env node
// atrest/sqlite benchmark — `npm run bench:sqlite` (a few minutes), `-- --quick` (seconds, small
// row counts, writes nothing; for CI). A fixed workload (bulk inserts in transactions, point
// selects by primary key from storage and from the cache, range scans, updates;
// bench/lib/sqlite-driver.mjs) on one storage (below), in one process, on six configurations
// (bench/lib/sqlite-configs.mjs): atrest-encrypted and the same official SQLite build
// unencrypted over the same VFS, and sqlite3mc (wa-sqlite's multiple-ciphers build) without a
// key, in 'sqlcipher', in 'chacha20' and in 'sqlcipher' without its HMAC.
//
// Also, untimed: a tamper check (bench/lib/sqlite-tamper.mjs: one stored bit flipped — who
// notices?), the key-service calls per create, per open and during the workload (must be none),
// the store bytes read and written per operation, and the CPU cost of single Volume sync calls
// (bench/lib/sqlite-volume-costs.mjs).
//
// Before any timing, every configuration proves what it claims: an encrypted one's database
// bytes must not contain "SQLite format 3", the table name or a row value, and an unencrypted
// one's must (so the check can see them); a reopen must read the rows back. It fails loudly.
//
// Timing: `rounds` rounds; in each, every configuration starts a fresh database (so all see the
// same state) and each phase of the workload runs on all configurations in turn, the order
// reversed every phase (a slow phase of the shared machine lands on all). Rates are medians over
// rounds; a ratio is the median over rounds of the ratio within the round. Ratios are against
// each build's own unencrypted row: atrest / plain, sqlite3mc / sqlite3mc without a key (the two
// builds differ in SQLite version and compile options). CPU-time ratios are shown beside.
// Storage: in memory by default (MemoryBlockStore; wa-sqlite's MemoryVFS), so the rows show what
// the cipher costs against a memcpy; `--storage file` puts every configuration's database in a
// file on disk (FileBlockStore; sqlite-node-file-vfs.mjs for sqlite3mc), where databases live.
// A full run writes bench/results/sqlite.json (memory) or bench/results/sqlite-file.json.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, fmt, lpad, pad } from './lib/measure.mjs';
import { mcConfigs, officialConfigs } from './lib/sqlite-configs.mjs';
import { ROW_PROBE, TABLE, runWorkload, workload } from './lib/sqlite-driver.mjs';
import { volumeCallCosts } from './lib/sqlite-volume-costs.mjs';
import { tamperCheck } from './lib/sqlite-tamper.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.argv.includes('--quick');
const storageAt = process.argv.indexOf('--storage');
/** 'memory' (the default) or 'file': what every configuration stores its database on. */
const STORAGE = storageAt === -1 ? 'memory' : process.argv[storageAt + 1];
if (STORAGE !== 'memory' && STORAGE !== 'file') throw new Error(`--storage must be memory or file, got ${STORAGE}`);
const W = QUICK
  ? {
      rows: 2000,
      txRows: 200,
      selects: 1000,
      hotSelects: 2000,
      hotRows: 500,
      scans: 40,
      scanRows: 50,
      updates: 400,
      rounds: 2,
    }
  : {
      rows: 50_000,
      txRows: 1000,
      selects: 20_000,
      hotSelects: 100_000,
      hotRows: 5000,
      scans: 400,
      scanRows: 100,
      updates: 10_000,
      rounds: 7,
    };
const CHECK = { rows: 300, txRows: 100, selects: 10, hotSelects: 10, hotRows: 20, scans: 2, scanRows: 10, updates: 10 };
const CLASSES = [
  ['insert', 'bulk insert (rows/s)', (w) => w.rows],
  ['select', 'point select by key (/s)', (w) => w.selects],
  ['hot', 'point select, rows in cache (/s)', (w) => w.hotSelects],
  ['scan', 'range scan (rows/s)', (w) => w.scans * w.scanRows],
  ['update', 'update (rows/s)', (w) => w.updates],
];
const PAIRS = [
  ['atrest', 'plain'],
  ['mc-sqlcipher', 'mc-plain'],
  ['mc-chacha20', 'mc-plain'],
  ['mc-sqlcipher-nohmac', 'mc-plain'],
];
const log = (s = '') => console.log(s);
const enc = new TextEncoder();
const HEADER = enc.encode('SQLite format 3\0');

function contains(hay, needle) {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.length).indexOf(Buffer.from(needle)) !== -1;
}

/** What the database bytes show: header, table name, a row value. */
function visible(bytes) {
  return {
    header: contains(bytes, HEADER),
    table: contains(bytes, enc.encode(TABLE)),
    row: contains(bytes, ROW_PROBE),
  };
}

/** Throws unless the bytes match the configuration's claim (encrypted: nothing visible). */
function assertBytes(cfg, bytes, when) {
  const v = visible(bytes);
  const shown = Object.entries(v)
    .filter(([, x]) => x)
    .map(([k]) => k);
  if (cfg.encrypted && shown.length > 0)
    throw new Error(
      `ENCRYPTION CHECK FAILED (${when}): ${cfg.id}'s database bytes (${bytes.length}) show: ${shown.join(', ')}`,
    );
  if (!cfg.encrypted && shown.length !== 3)
    throw new Error(
      `ENCRYPTION CHECK FAILED (${when}): unencrypted ${cfg.id}'s bytes should show header, table and row, but show only: ${shown.join(', ') || 'nothing'} (the check would be blind)`,
    );
  return v;
}

async function checkConfig(cfg) {
  let s = await cfg.create();
  runWorkload(s.d, CHECK, 99);
  const before = assertBytes(cfg, s.bytes(), 'after the check workload');
  s = await s.reopen();
  const count = Number(s.d.value(`SELECT count(*) FROM ${TABLE}`));
  const integrity = s.d.value('PRAGMA integrity_check');
  if (count !== CHECK.rows || integrity !== 'ok')
    throw new Error(`${cfg.id}: after reopen count ${count} (want ${CHECK.rows}), integrity_check ${integrity}`);
  const bytes = s.bytes();
  assertBytes(cfg, bytes, 'after reopen');
  await s.close();
  await s.dispose?.();
  return { bytes: bytes.length, ...before };
}

async function main() {
  const t0 = performance.now();
  log(
    `atrest/sqlite benchmark${QUICK ? ' (--quick: small row counts, nothing written)' : ''}: ${W.rows} rows of ~200 B in transactions of ${W.txRows}, ${W.selects} point selects (and ${W.hotSelects} on the first ${W.hotRows} rows, in cache), ${W.scans} range scans of ${W.scanRows} rows, ${W.updates} updates; ${W.rounds} rounds`,
  );
  const directory = STORAGE === 'file' ? mkdtempSync(join(tmpdir(), 'atrest-bench-sqlite-')) : undefined;
  const official = await officialConfigs(STORAGE, directory);
  const mc = await mcConfigs(STORAGE, directory);
  const configs = [...official.configs, ...mc.configs];
  log(`builds: ${official.version}; ${mc.version}`);
  for (const c of configs) log(`  ${pad(c.id, 20)} ${c.storage}`);

  log('\nencryption check (before timing):');
  const checks = {};
  for (const cfg of configs) {
    checks[cfg.id] = await checkConfig(cfg);
    const v = checks[cfg.id];
    log(
      `  ${pad(cfg.id, 20)} ${lpad(v.bytes, 8)} B: "SQLite format 3" ${v.header ? 'present' : 'absent'}, table name ${v.table ? 'present' : 'absent'}, row value ${v.row ? 'present' : 'absent'} — ${cfg.encrypted ? 'encrypted' : 'plain'} as claimed`,
    );
  }

  log('\nintegrity (one bit of a stored row value flipped while closed, then every row read):');
  const tamper = await tamperCheck(configs, CHECK);
  for (const cfg of configs)
    log(`  ${pad(cfg.id, 20)} ${tamper[cfg.id].flippedBytes} byte(s) flipped: ${tamper[cfg.id].text}`);

  const samples = Object.fromEntries(
    configs.map((c) => [c.id, { insert: [], select: [], hot: [], scan: [], update: [], open: [] }]),
  );
  const cpuSamples = Object.fromEntries(
    configs.map((c) => [c.id, { insert: [], select: [], hot: [], scan: [], update: [] }]),
  );
  const cpuClock = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const kmsDuring = [];
  const storeIo = {};
  for (let r = 0; r < W.rounds; r++) {
    // Every configuration gets a fresh database; then each phase runs on all of them in turn
    // (order reversed every phase), so a pair's samples are seconds apart, not minutes.
    const sessions = new Map();
    for (const cfg of configs) {
      const s = await cfg.create();
      s.written?.();
      sessions.set(cfg.id, { s, phases: workload(s.d, W, r + 1, cpuClock) });
    }
    let flip = r % 2 === 1;
    for (const [k] of CLASSES) {
      for (const cfg of flip ? [...configs].reverse() : configs) {
        globalThis.gc?.();
        const { s, phases } = sessions.get(cfg.id);
        const t = phases[k]();
        samples[cfg.id][k].push(t.ms);
        cpuSamples[cfg.id][k].push(t.cpuMs);
        if (s.written)
          (storeIo[cfg.id] ??= { insert: [], select: [], hot: [], scan: [], update: [] })[k].push(s.written());
      }
      flip = !flip;
    }
    for (const cfg of configs) {
      let { s, phases } = sessions.get(cfg.id);
      phases.dispose();
      if (s.kmsSinceOpen) kmsDuring.push(s.kmsSinceOpen());
      assertBytes(cfg, s.bytes(), `after round ${r + 1}`);
      const o0 = performance.now();
      s = await s.reopen();
      if (s.d.value(`SELECT length(v) FROM ${TABLE} WHERE id = 1`) !== '200') throw new Error(`${cfg.id}: reopen read`);
      samples[cfg.id].open.push(performance.now() - o0);
      await s.close();
      await s.dispose?.();
    }
    log(`round ${r + 1}/${W.rounds} done (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }

  const perSec = {};
  for (const c of configs) {
    perSec[c.id] = {};
    for (const [k, , n] of CLASSES) perSec[c.id][k] = n(W) / (median(samples[c.id][k]) / 1000);
    perSec[c.id].openMs = median(samples[c.id].open);
  }
  // A pair's ratio is the median over rounds of the ratio within each round (time of the
  // unencrypted row / time of the encrypted one: a rate ratio), wall-clock and CPU time.
  const ratios = {};
  const cpuRatios = {};
  const pairRatio = (from, a, b, k) => median(from[a][k].map((x, i) => from[b][k][i] / x));
  for (const [a, b] of PAIRS) {
    ratios[a] = {};
    cpuRatios[a] = {};
    for (const [k] of CLASSES) {
      ratios[a][k] = pairRatio(samples, a, b, k);
      cpuRatios[a][k] = pairRatio(cpuSamples, a, b, k);
    }
  }

  log(`\n| operation | ${configs.map((c) => c.id).join(' | ')} |`);
  log(`| --- |${configs.map(() => ' ---: |').join('')}`);
  for (const [k, label] of CLASSES) log(`| ${label} | ${configs.map((c) => fmt(perSec[c.id][k], 0)).join(' | ')} |`);
  log(`| reopen + first select (ms) | ${configs.map((c) => fmt(perSec[c.id].openMs, 1)).join(' | ')} |`);

  log(
    '\n| operation | atrest / unencrypted | sqlcipher / sqlite3mc no key | chacha20 / sqlite3mc no key | sqlcipher without HMAC / sqlite3mc no key |',
  );
  log('| --- | ---: | ---: | ---: | ---: |');
  for (const [k, label] of CLASSES)
    log(
      `| ${label.replace(/ \(.*\)$/, '')} | ${PAIRS.map(([a]) => `${fmt(ratios[a][k], 2)}× (CPU ${fmt(cpuRatios[a][k], 2)}×)`).join(' | ')} |`,
    );
  log('(wall-clock ratio of rates; in brackets the same ratio from CPU time, which leaves out waiting for a core)');

  // Bytes reaching the store per operation (the same in every round: the workload is fixed).
  const ioPerOp = {};
  log(
    `\nstore I/O per operation (bytes and calls on the ${STORAGE === 'memory' ? 'MemoryBlockStore' : 'FileBlockStore'}, median over rounds):`,
  );
  for (const id of Object.keys(storeIo)) {
    ioPerOp[id] = {};
    for (const [k, label, n] of CLASSES) {
      const list = storeIo[id][k];
      ioPerOp[id][k] = {
        bytes: median(list.map((x) => x.bytes)) / n(W),
        writes: median(list.map((x) => x.writes)) / n(W),
        readBytes: median(list.map((x) => x.readBytes)) / n(W),
        reads: median(list.map((x) => x.reads)) / n(W),
      };
    }
    log(
      `  ${pad(id, 20)} ${CLASSES.map(([k, label]) => `${label.replace(/ \(.*\)$/, '')}: read ${fmt(ioPerOp[id][k].readBytes, 0)} B in ${fmt(ioPerOp[id][k].reads, 1)}, wrote ${fmt(ioPerOp[id][k].bytes, 0)} B in ${fmt(ioPerOp[id][k].writes, 1)}`).join('; ')}`,
    );
  }

  const atrestCfg = configs.find((c) => c.id === 'atrest');
  const callsText = (list) => {
    const seen = [...new Set(list.map((x) => JSON.stringify(x)))];
    return seen.map((x) => (x === '{}' ? 'none' : x)).join(' / ');
  };
  const kms = {
    create: callsText(atrestCfg.kmsCalls.create),
    open: callsText(atrestCfg.kmsCalls.open),
    duringWorkload: callsText(kmsDuring),
    opens: atrestCfg.kmsCalls.open.length,
    callsPerOpen: median(atrestCfg.kmsCalls.open.map((x) => Object.values(x).reduce((a, b) => a + b, 0))),
  };
  log(
    `\nKMS calls for atrest: per create ${kms.create}; per open ${kms.open} (${kms.opens} opens); during the workload ${kms.duringWorkload}`,
  );
  if (kms.duringWorkload !== 'none')
    throw new Error(`atrest made KMS calls during the workload: ${kms.duringWorkload}`);

  const atrest = await import(join(ROOT, 'dist/index.js'));
  const callCosts = await volumeCallCosts(atrest, new atrest.LocalKms().as('arn:aws:iam::111122223333:role/bench'), {
    n: QUICK ? 300 : 5000,
    rounds: 3,
  });
  log('\nwhat one call costs (CPU time, median of 3 alternations):');
  for (const [name, us] of Object.entries(callCosts)) log(`  ${pad(name, 48)} ${lpad(fmt(us, 1), 6)} µs`);

  const targets = [];
  for (const [k, label] of CLASSES) {
    const r = ratios.atrest[k];
    targets.push({ target: `${label}: atrest ≥ 0.6× unencrypted`, value: r, met: r >= 0.6 });
    targets.push({
      target: `${label}: atrest ratio ahead of sqlcipher's`,
      value: r / ratios['mc-sqlcipher'][k],
      met: r > ratios['mc-sqlcipher'][k],
    });
  }
  log(`\ntargets${QUICK ? ' (--quick: too few rows to mean anything; a smoke run)' : ''}:`);
  for (const t of targets) log(`  ${t.met ? 'met ' : 'MISS'}  ${t.target} (${fmt(t.value, 2)})`);
  const la = loadavg();
  const seconds = (performance.now() - t0) / 1000;
  log(
    `\nload average ${la.map((x) => x.toFixed(2)).join(' ')} (${cpus().length} cores); run time ${seconds.toFixed(0)} s`,
  );

  if (!QUICK) {
    const result = {
      schema: 'atrest-bench-sqlite/1',
      date: new Date().toISOString(),
      storage: STORAGE,
      note: 'Shared, noisy machine: absolute rates move between runs; ratios within one run are what counts. Medians over rounds; configurations alternate order each round.',
      node: process.version,
      loadAverageAtEnd: la,
      runSeconds: Math.round(seconds),
      workload: W,
      builds: { official: official.version, sqlite3mc: mc.version },
      configs: configs.map(({ id, label, storage, encrypted, build }) => ({ id, label, storage, encrypted, build })),
      encryptionCheck: checks,
      tamperCheck: tamper,
      perSecond: perSec,
      ratios,
      cpuRatios,
      kms,
      storeIoPerOperation: ioPerOp,
      volumeCallCostsUs: callCosts,
      targets,
      samplesMs: samples,
      cpuSamplesMs: cpuSamples,
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = STORAGE === 'memory' ? 'sqlite.json' : `sqlite-${STORAGE}.json`;
    writeFileSync(join(ROOT, 'bench/results', file), JSON.stringify(result, null, 2) + '\n');
    log(`wrote bench/results/${file}`);
  }
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
