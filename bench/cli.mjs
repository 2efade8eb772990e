#!/usr/bin/env node
// Only the CLI rows of `npm run bench` (bench/lib/user-rows.mjs cliRows): `atrest encrypt` and
// `atrest decrypt` of a file in fresh processes, each round alternating with the single-thread
// engine (SIMD wasm, 4096-byte sectors) in this process, so the ratio is of one run; peak RSS of
// the CLI processes; the round trip checked byte for byte. Prints one line and the samples.
//
//   node bench/cli.mjs [--mib 1024] [--rounds 2] [--json]
//
// A smaller --mib first (e.g. 256) for a quick look; the target is measured on 1024. Needs
// `npm run build` first. Writes nothing outside a temporary directory.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../dist/index.js';
import { randomXtsKey } from './lib/reference.mjs';
import { fmt } from './lib/measure.mjs';
import { cliRows } from './lib/user-rows.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const MIB = arg('mib', 1024);
const ROUNDS = arg('rounds', 2);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const engine = await createEngine({ simd: true, backend: 'wasm' }); // as bench/xts.mjs's CLI rows
const r = await cliRows({
  bin: join(ROOT, 'bin/atrest.js'),
  engine,
  key: randomXtsKey(),
  bytes: MIB * 1024 * 1024,
  rounds: ROUNDS,
});
if (process.argv.includes('--json')) console.log(JSON.stringify(r));
else {
  console.log(
    `cli on ${MIB} MiB ×${ROUNDS}: encrypt ${fmt(r.encryptMibps)} MiB/s (${fmt(r.encryptRatio, 2)}× the engine's ${fmt(r.engineEncryptMibps)}), decrypt ${fmt(r.decryptMibps)} MiB/s (${fmt(r.decryptRatio, 2)}× the engine's ${fmt(r.engineDecryptMibps)}), peak RSS ${fmt(r.peakRssBytes / 1e6, 0)} MB; dd copy with fdatasync (the I/O ceiling) ${r.copyMibps == null ? '?' : fmt(r.copyMibps)} MiB/s`,
  );
  console.log(`samples (MiB/s; RSS bytes): ${JSON.stringify(r.samples)}`);
}
