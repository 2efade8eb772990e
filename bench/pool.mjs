#!/usr/bin/env node
// Parallel XTS throughput: createPool({ workers }) against the single-thread engine call on the
// same buffer, both directions, in one run (the ratio is what counts: this machine is shared).
//
//   node bench/pool.mjs [--mib 64] [--workers 2] [--rounds 7] [--sector 4096] [--json]
//
// Each round times, interleaved: engine encrypt, pool encrypt, engine decrypt, pool decrypt
// (all into a preallocated `out`), then the pool once more with the input and output on a
// SharedArrayBuffer (workers read and write it directly). Reported: median and best MiB/s of
// the rounds, the median of the per-round pool/engine ratios, best against best, and the CPU
// time of a call summed over all threads (process.cpuUsage: what the pool costs beyond the AES).
// Needs `npm run build` first.

import { createEngine, createPool } from '../dist/index.js';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const MIB = arg('mib', 64);
const WORKERS = arg('workers', 2);
const ROUNDS = arg('rounds', 7);
const SECTOR = arg('sector', 4096);
const JSON_OUT = process.argv.includes('--json');
const bytes = MIB * 1024 * 1024;

const key = new Uint8Array(64);
crypto.getRandomValues(key);
const data = new Uint8Array(bytes);
for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(bytes, i + 65536)));
const out = new Uint8Array(bytes);
const sharedIn = new Uint8Array(new SharedArrayBuffer(bytes));
sharedIn.set(data);
const sharedOut = new Uint8Array(new SharedArrayBuffer(bytes));

const engine = await createEngine();
const xts = engine.xts(key, { sectorSize: SECTOR });
const pool = await createPool({ workers: WORKERS });
const pxts = await pool.xts(key, { sectorSize: SECTOR });
if (pool.workers !== WORKERS) console.log(`warning: asked for ${WORKERS} workers, running ${pool.workers}`);

const cases = {
  'engine encrypt': () => xts.encrypt(data, 0, out),
  'pool encrypt': () => pxts.encrypt(data, 0, out),
  'engine decrypt': () => xts.decrypt(data, 0, out),
  'pool decrypt': () => pxts.decrypt(data, 0, out),
  'pool encrypt (shared)': () => pxts.encrypt(sharedIn, 0, sharedOut),
  'pool decrypt (shared)': () => pxts.decrypt(sharedIn, 0, sharedOut),
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const cpu = Object.fromEntries(Object.keys(cases).map((k) => [k, []])); // ms, all threads

// Warm-up: JIT, worker engines, the pool's transfer buffers.
for (const run of Object.values(cases)) await run();

for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of Object.entries(cases)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    times[name].push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu[name].push((c.user + c.system) / 1000);
  }
}

// Same bytes as the single-thread call (a sanity check, not a test).
const a = xts.encrypt(data, 7n);
const b = await pxts.encrypt(data, 7n);
let same = a.length === b.length;
for (let i = 0; same && i < a.length; i++) same = a[i] === b[i];

await pxts.dispose();
await pool.close();
xts.dispose();

const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
const rate = (ms) => MIB / (ms / 1000);
const rows = Object.keys(cases).map((name) => ({
  name,
  medianMiBs: rate(median(times[name])),
  bestMiBs: rate(Math.min(...times[name])),
  cpuMs: median(cpu[name]),
}));
// Per-round ratios (the pool against the engine call timed just before it) resist a machine
// whose load changes during the run better than a ratio of two medians.
const roundRatio = (pool, single) => median(times[pool].map((t, r) => times[single][r] / t));
const bestRatio = (pool, single) => Math.min(...times[single]) / Math.min(...times[pool]);
const ratio = {
  encrypt: roundRatio('pool encrypt', 'engine encrypt'),
  decrypt: roundRatio('pool decrypt', 'engine decrypt'),
  encryptShared: roundRatio('pool encrypt (shared)', 'engine encrypt'),
  decryptShared: roundRatio('pool decrypt (shared)', 'engine decrypt'),
  encryptBest: bestRatio('pool encrypt', 'engine encrypt'),
  decryptBest: bestRatio('pool decrypt', 'engine decrypt'),
};

if (JSON_OUT) {
  console.log(
    JSON.stringify({
      mib: MIB,
      workers: pool.workers,
      sectorSize: SECTOR,
      simd: engine.simd,
      rounds: ROUNDS,
      rows,
      ratio,
      same,
    }),
  );
} else {
  console.log(
    `XTS-AES-256, ${MIB} MiB, ${SECTOR}-byte sectors, ${engine.simd ? 'SIMD' : 'no-SIMD'} build, ${WORKERS} workers, median of ${ROUNDS}`,
  );
  console.log(`  ${''.padEnd(24)} ${'median'.padStart(8)}        ${'best'.padStart(8)}        CPU time (all threads)`);
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(24)} ${r.medianMiBs.toFixed(1).padStart(8)} MiB/s  ${r.bestMiBs.toFixed(1).padStart(8)} MiB/s  ${r.cpuMs.toFixed(0).padStart(6)} ms`,
    );
  }
  console.log(
    `  pool/engine, median of per-round ratios: encrypt ${ratio.encrypt.toFixed(2)}x, decrypt ${ratio.decrypt.toFixed(2)}x` +
      ` (shared buffers: ${ratio.encryptShared.toFixed(2)}x, ${ratio.decryptShared.toFixed(2)}x)`,
  );
  console.log(
    `  pool/engine, best against best: encrypt ${ratio.encryptBest.toFixed(2)}x, decrypt ${ratio.decryptBest.toFixed(2)}x`,
  );
  console.log(`  same bytes as the single-thread call: ${same ? 'yes' : 'NO'}`);
}
if (!same) process.exitCode = 1;
