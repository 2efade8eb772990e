#!/usr/bin/env node
// atrest benchmark suite — `npm run bench` (about 6 minutes), `npm run bench -- --quick` (smoke
// run, about a minute: 1 MiB buffers, short timings; prints only, writes nothing; .ci/run runs it).
// Options: --no-runtimes (skip the Deno and Chromium engine rows), --write (quick run writes too).
//
// In one Node process and run:
//   1. wasm sizes (build/atrest.simd.wasm, build/atrest.nosimd.wasm) and createEngine() cold
//      start (fresh `node bench/lib/cold-start.mjs` processes, median).
//   2. XTS-AES-256 encrypt/decrypt of an 8 MiB pseudo-random buffer as 512-, 4096- and
//      65536-byte sectors, one call per buffer, for: atrest SIMD, atrest no-SIMD, node:crypto
//      aes-256-xts with one createCipheriv per sector, and XTS built here (bench/lib/peer-xts.mjs)
//      on @noble/ciphers, asmcrypto.js and aes-js AES-ECB. Every contender's output is checked
//      equal to OpenSSL's (node:crypto) before it is timed; one that differs is not timed.
//      Also atrest's backend 'native' (node:crypto under the engine's checks), and
//   2b. the XTS backends side by side (bench/lib/backend-rows.mjs): wasm vs native at 1 MiB per
//      call from 512-byte to 64 KiB sectors, and which one the default 'auto' runs.
//   3. Latency: one 4096-byte sector per call. 4. Key setup + dispose per second.
//   5. AES-GCM rows (engine.gcm) and the worker-pool row (createPool).
//   6. `openssl speed -elapsed -evp aes-256-xts -bytes 4096` with AES-NI masked (OpenSSL's bitsliced SSSE3
//      code), when the `openssl` binary exists, alternating with the atrest SIMD kernel (same
//      4096-byte sectors) so both see the same moments of the machine; then what users feel
//      (bench/lib/user-rows.mjs): the CLI on a 1 GiB file (peak RSS too), encryptStream of 256 MiB,
//      `atrest --version` and `import('atrest')`, each alternating with a bare `node -e ''`.
//   7. The engine rows in Deno (bench/run-deno.mjs), headless Chromium (bench/run-chromium.mjs)
//      and Node 24 (bench/run-node24.mjs). A runtime that is installed but whose run breaks is a
//      problem (exit status 1); one not installed is skipped unless ATREST_REQUIRE_RUNTIMES
//      (node,deno,chromium,node24) names it.
// Every target, issue 14's included, is printed MET or MISSED with its ratio; one that could not
// be measured is MISSED with the reason.
// Timing: tinybench, warm-up first (and 3000 small calls per engine so the wasm reaches the
// optimizing tier), tasks of one workload interleaved over rounds, medians of pooled samples.
// Output: a table on stdout (MiB/s median, ratio to atrest SIMD, each target MET / MISSED),
// bench/results/latest.json, bench/results/xts.svg.
// The machine is shared and noisy: ratios within one run are what counts, not absolute speeds.

import { spawnSync } from 'node:child_process';
import { createCipheriv, getCiphers } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { warmEngine } from './lib/engine-rows.mjs';
import { MiB, equalBytes, fmt, hex, lpad, measure, median, pad, prngBytes } from './lib/measure.mjs';
import { NodeXts } from './lib/node-xts.mjs';
import { PEERS, PeerXts } from './lib/peer-xts.mjs';
import { engineRowsParams, randomXtsKey } from './lib/reference.mjs';
import { runDenoRows } from './run-deno.mjs';
import { runChromiumRows } from './run-chromium.mjs';
import { runNode24Rows } from './run-node24.mjs';
import { cliRows, opensslAlternating, streamRows, versionRows } from './lib/user-rows.mjs';
import { volumeRows } from './lib/volume-rows.mjs';
import { backendLines, backendRows } from './lib/backend-rows.mjs';
import { barChart } from './lib/svg.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const WRITE = !QUICK || argv.includes('--write');
const RUNTIMES = !argv.includes('--no-runtimes');
const REQUIRED = (process.env.ATREST_REQUIRE_RUNTIMES || '')
  .split(',')
  .map((x) => x.trim())
  .filter(Boolean);
// awasm-noble (table-based wasm AES, not constant time) measured ~153 MiB/s as XTS-AES-256 at
// 4096-byte sectors on this machine when the speed targets were set; it is not installable here,
// so the target compares against that fixed figure, not a measurement of this run.
const AWASM_NOBLE_MIBPS = 153;

const CFG = QUICK
  ? {
      bytes: 1 * MiB,
      time: 300,
      rounds: 1,
      iterations: 2,
      warmupTime: 100,
      warmupIterations: 1,
      coldRuns: 3,
      opensslSeconds: 1,
      opensslRounds: 1,
      smallTime: 200,
      warmCalls: 500,
      cliBytes: 16 * MiB,
      cliRounds: 1,
      streamBytes: 16 * MiB,
      streamRounds: 1,
      versionRuns: 3,
      volumeBytes: 4 * MiB,
      volumeMs: 200,
      volumeRounds: 1,
    }
  : {
      bytes: 8 * MiB,
      time: 1600,
      rounds: 3,
      iterations: 1,
      warmupTime: 300,
      warmupIterations: 1,
      coldRuns: 9,
      opensslSeconds: 1,
      opensslRounds: 5,
      smallTime: 600,
      warmCalls: 3000,
      cliBytes: 1024 * MiB,
      cliRounds: 2,
      streamBytes: 256 * MiB,
      streamRounds: 3,
      versionRuns: 9,
      volumeBytes: 32 * MiB,
      volumeMs: 1000,
      volumeRounds: 3,
    };
const SECTOR_SIZES = [512, 4096, 65536];
const FIRST = 2 ** 32 - 100; // sector numbers cross 2^32 inside the buffer: the tweak's upper word is exercised

const started = Date.now();
const notes = [];
const problems = [];
const log = (s = '') => console.log(s);
const section = (s) => log(`\n== ${s}`);
/** CPU time (user + system) of this process in ms: the second clock of the throughput rows. */
const cpuClock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

// ---------------------------------------------------------------------------------------------
// Machine

function machine() {
  let cpu = 'unknown CPU';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) cpu = m[1].trim();
  } catch {
    cpu = cpus()[0]?.model || cpu;
  }
  const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return {
    cpu,
    cores: cpus().length,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.versions.node,
    v8: process.versions.v8,
    nodeOpenssl: process.versions.openssl,
    opensslBinary: openssl.status === 0 ? openssl.stdout.trim() : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Sizes and cold start

function wasmSizes() {
  const out = {};
  for (const b of ['simd', 'nosimd']) {
    const f = join(ROOT, 'build', `atrest.${b}.wasm`);
    out[b] = existsSync(f) ? statSync(f).size : null;
  }
  return out;
}

function coldStart(which, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/lib/cold-start.mjs'), which], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cold-start child failed: ${r.stderr}`);
    samples.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  const med = (k) => median(samples.map((s) => s[k]));
  return {
    which,
    runs,
    simd: samples[0].simd,
    createMs: med('createMs'),
    createCpuMs: med('createCpuMs'),
    importMs: med('importMs'),
    firstCallMs: med('firstCallMs'),
    sinceStartMs: med('sinceStartMs'),
    createSamplesMs: samples.map((s) => s.createMs),
  };
}

// ---------------------------------------------------------------------------------------------

/** GCM rows: seal/open of 4 KiB and 1 MiB vs @noble/ciphers gcm and node:crypto
 *  aes-256-gcm, each checked equal to node's output first. Target: atrest seal ≥ 2× noble at 1 MiB.
 *  engine.gcm(key) → { seal(nonce, plaintext, aad?) → ciphertext ‖ tag, open(nonce, sealed, aad?),
 *  dispose() } (src/engine/gcm.ts). */
async function gcmRows(engine) {
  const { gcm } = await import('@noble/ciphers/aes.js');
  const { createDecipheriv, randomBytes } = await import('node:crypto');
  const key = new Uint8Array(randomBytes(32));
  const nonce = new Uint8Array(randomBytes(12));
  const aad = new Uint8Array(randomBytes(16));
  const g = engine.gcm(key);
  const atrestSeal = (pt) => g.seal(nonce, pt, aad);
  const atrestOpen = (ct) => g.open(nonce, ct, aad);
  const nodeSeal = (pt) => {
    const c = createCipheriv('aes-256-gcm', key, nonce);
    c.setAAD(aad);
    return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
  };
  const nodeOpen = (ct) => {
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(aad);
    d.setAuthTag(ct.subarray(ct.length - 16));
    return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
  };
  const rows = [];
  for (const size of [4096, MiB]) {
    const pt = prngBytes(size, 7);
    const ref = nodeSeal(pt);
    const contenders = {
      atrest: [atrestSeal, atrestOpen],
      // noble's gcm() objects refuse a second encrypt (nonce-reuse guard): a fresh one per call.
      noble: [(p) => gcm(key, nonce, aad).encrypt(p), (c) => gcm(key, nonce, aad).decrypt(c)],
      node: [nodeSeal, nodeOpen],
    };
    const tasks = [];
    for (const [id, [s, o]] of Object.entries(contenders)) {
      let ok = false;
      try {
        ok = equalBytes(s(pt), ref) && equalBytes(o(ref), pt);
      } catch (err) {
        problems.push(`gcm ${id} ${size}: ${err.message}`);
      }
      if (!ok) {
        problems.push(`gcm ${id} ${size}: output differs from node:crypto aes-256-gcm; not timed`);
        continue;
      }
      tasks.push({ id: `${id}:seal`, fn: () => s(pt) }, { id: `${id}:open`, fn: () => o(ref) });
    }
    const m = await measure(tasks, {
      Bench,
      time: CFG.smallTime * 1.25,
      rounds: CFG.rounds,
      iterations: CFG.iterations,
      warmupTime: CFG.warmupTime,
      warmupIterations: 5,
    });
    for (const t of tasks) {
      const [id, op] = t.id.split(':');
      const r = m.get(t.id);
      rows.push({
        contender: id,
        op,
        bytes: size,
        medianMs: r.medianMs,
        mibps: size / MiB / (r.medianMs / 1000),
        n: r.n,
      });
    }
  }
  g.dispose();
  return { rows };
}

/** Worker-pool row: 64 MiB as 4096-byte sectors over 2 workers vs the single-thread
 *  engine, same key, both writing into a preallocated out. Target ≥ 1.7×. createPool({ workers })
 *  → pool.xts(key, options) (a promise) → { encrypt(data, first, out) (a promise), dispose() },
 *  pool.close() (src/engine/pool.ts). */
async function poolRows(mod, key, engine) {
  const bytes = QUICK ? 8 * MiB : 64 * MiB;
  const data = prngBytes(bytes, 11);
  const out = new Uint8Array(bytes);
  // backend 'wasm' in the workers too: the row measures the pool against the same kernel in one thread.
  const pool = await mod.createPool({ workers: 2, backend: 'wasm' });
  try {
    const px = await pool.xts(key, { sectorSize: 4096 });
    const sx = engine.xts(key, { sectorSize: 4096 });
    const ref = new NodeXts(key, 4096).encrypt(data.subarray(0, 4 * MiB), FIRST);
    if (!equalBytes(await px.encrypt(data.subarray(0, 4 * MiB), FIRST), ref))
      return { skipped: 'pool output differs from OpenSSL; not timed' };
    const m = await measure(
      [
        { id: 'pool', fn: async () => px.encrypt(data, FIRST, out) },
        { id: 'single', fn: () => sx.encrypt(data, FIRST, out) },
      ],
      {
        Bench,
        time: QUICK ? 600 : 3000,
        rounds: CFG.rounds,
        iterations: 2,
        warmupTime: CFG.warmupTime,
        warmupIterations: 2,
      },
    );
    sx.dispose();
    await px.dispose();
    const pm = bytes / MiB / (m.get('pool').medianMs / 1000);
    const sm = bytes / MiB / (m.get('single').medianMs / 1000);
    return {
      bytes,
      sectorSize: 4096,
      workers: pool.workers,
      poolMibps: pm,
      singleMibps: sm,
      ratio: pm / sm,
      n: m.get('pool').n,
    };
  } finally {
    await pool.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const mach = machine();
  const loadStart = loadavg();
  const date = new Date();
  log(`atrest benchmark${QUICK ? ' (--quick: 1 MiB buffers, short timings, nothing written)' : ''}`);
  log(
    `machine: ${mach.cpu}, ${mach.cores} cores, ${mach.os}; Node ${mach.node} (V8 ${mach.v8}, OpenSSL ${mach.nodeOpenssl}); ${date.toISOString()}`,
  );
  log(
    'The machine is shared and noisy: absolute MiB/s move between runs; the ratios measured within one run are what counts.',
  );
  log(`load average at start: ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);

  const distFile = join(ROOT, 'dist/index.js');
  if (!existsSync(distFile)) throw new Error('dist/index.js missing: run `npm run build` first');
  const atrest = await import(distFile);
  if (!getCiphers().includes('aes-256-xts'))
    throw new Error('node:crypto has no aes-256-xts: no oracle to check against');

  // 1. sizes and cold start
  section('wasm sizes and cold start');
  const sizes = wasmSizes();
  log(
    `build/atrest.simd.wasm   ${sizes.simd ?? 'missing'} B${sizes.simd ? ` (${(sizes.simd / 1024).toFixed(1)} KiB)` : ''}`,
  );
  log(
    `build/atrest.nosimd.wasm ${sizes.nosimd ?? 'missing'} B${sizes.nosimd ? ` (${(sizes.nosimd / 1024).toFixed(1)} KiB)` : ''}`,
  );
  const cold = { auto: coldStart('auto', CFG.coldRuns), nosimd: coldStart('nosimd', CFG.coldRuns) };
  for (const c of Object.values(cold)) {
    log(
      `createEngine(${c.which === 'auto' ? '' : '{ simd: false }'}) cold, fresh process ×${c.runs}: ${fmt(c.createMs, 2)} ms median (CPU time ${fmt(c.createCpuMs, 2)} ms; import of dist/ ${fmt(c.importMs, 2)} ms, first 4 KiB call ${fmt(c.firstCallMs, 2)} ms, process start → ready ${fmt(c.sinceStartMs, 0)} ms)`,
    );
  }

  // 2. contenders
  const key = randomXtsKey();
  const seed = (Date.now() ^ 0x5bd1e995) >>> 0 || 1;
  const data = prngBytes(CFG.bytes, seed);
  const out = new Uint8Array(CFG.bytes);
  // backend 'wasm': the default 'auto' would run node:crypto from 4 KiB sectors.
  const engines = {
    simd: await atrest.createEngine({ simd: true, backend: 'wasm' }),
    nosimd: await atrest.createEngine({ simd: false, backend: 'wasm' }),
  };
  for (const e of Object.values(engines)) warmEngine(e, key, CFG.warmCalls);
  const nativeEngine = await atrest.createEngine({ backend: 'native' }); // Node has node:crypto XTS
  const factories = {};
  for (const p of PEERS) factories[p.id] = await p.load();
  const CONTENDERS = [
    { id: 'simd', label: 'atrest SIMD', kind: 'simd', make: (size) => engines.simd.xts(key, { sectorSize: size }) },
    {
      id: 'nosimd',
      label: 'atrest no-SIMD',
      kind: 'nosimd',
      make: (size) => engines.nosimd.xts(key, { sectorSize: size }),
    },
    {
      id: 'native',
      label: "atrest backend 'native'",
      kind: 'native',
      make: (size) => nativeEngine.xts(key, { sectorSize: size }),
    },
    { id: 'node', label: 'node:crypto per sector', kind: 'node', make: (size) => new NodeXts(key, size) },
    ...PEERS.map((p) => ({
      id: p.id,
      label: p.label,
      kind: 'peer',
      make: (size) => new PeerXts(factories[p.id](key), size),
    })),
  ];
  const label = Object.fromEntries(CONTENDERS.map((c) => [c.id, c.label]));

  section(
    `XTS-AES-256 throughput: ${CFG.bytes / MiB} MiB per call (first sector ${FIRST}), check against OpenSSL, then time`,
  );
  const xtsRows = [];
  const refs = {};
  for (const size of SECTOR_SIZES) {
    const ref = new NodeXts(key, size).encrypt(data, FIRST);
    refs[size] = ref;
    const tasks = [];
    const verified = [];
    for (const c of CONTENDERS) {
      const x = c.make(size);
      let ok = false;
      try {
        ok = equalBytes(x.encrypt(data, FIRST, out), ref) && equalBytes(x.decrypt(ref, FIRST, out), data);
      } catch (err) {
        problems.push(`${c.label} at ${size}-byte sectors threw: ${err.message}`);
      }
      if (!ok) {
        problems.push(`${c.label} at ${size}-byte sectors: output differs from OpenSSL's; not timed`);
        continue;
      }
      verified.push(c.id);
      tasks.push({ id: `${c.id}:encrypt`, fn: () => x.encrypt(data, FIRST, out) });
      tasks.push({ id: `${c.id}:decrypt`, fn: () => x.decrypt(ref, FIRST, out) });
    }
    log(
      `${size}-byte sectors: equal to OpenSSL (encrypt, and decrypt back): ${verified.map((v) => label[v]).join(', ')} — timing ${tasks.length} tasks [${elapsed()}]`,
    );
    // Two groups, each in its own measure(): the atrest builds first, on a quiet heap, then
    // node:crypto and the peers. Interleaved with the peers (which allocate per sector), the
    // atrest rows measured 40 % below the same call alone: V8's concurrent GC threads, working
    // off the peers' garbage, took the second core during atrest's samples. The peers still pay
    // for their own garbage. Ratios between the groups cross a few seconds of a noisy machine.
    const opts = {
      Bench,
      time: CFG.time,
      rounds: CFG.rounds,
      iterations: CFG.iterations,
      warmupTime: CFG.warmupTime,
      warmupIterations: CFG.warmupIterations,
      cpuClock,
    };
    const isEngine = (t) => t.id.startsWith('simd:') || t.id.startsWith('nosimd:');
    const m = new Map();
    for (const group of [tasks.filter(isEngine), tasks.filter((t) => !isEngine(t))]) {
      if (group.length === 0) continue;
      await quietHeap();
      for (const [id, r] of await measure(group, opts)) m.set(id, r);
    }
    for (const t of tasks) {
      const [id, op] = t.id.split(':');
      const r = m.get(t.id);
      xtsRows.push({
        contender: id,
        label: label[id],
        op,
        sectorSize: size,
        bytes: CFG.bytes,
        medianMs: r.medianMs,
        mibps: CFG.bytes / MiB / (r.medianMs / 1000),
        bestMibps: CFG.bytes / MiB / (r.minMs / 1000),
        cpuMibps: CFG.bytes / MiB / (r.cpuMedianMs / 1000),
        n: r.n,
      });
    }
  }
  const X = (id, op, size) => xtsRows.find((r) => r.contender === id && r.op === op && r.sectorSize === size);
  for (const r of xtsRows) {
    const base = X('simd', r.op, r.sectorSize);
    r.ratioToSimd = base ? r.mibps / base.mibps : null;
    r.cpuRatioToSimd = base ? r.cpuMibps / base.cpuMibps : null;
  }

  // 2b. the XTS backends side by side, 1 MiB per call
  section(`XTS backends: wasm vs native (node:crypto), 1 MiB per call [${elapsed()}]`);
  const backends = await backendRows({
    atrest,
    Bench,
    key,
    data,
    first: FIRST,
    time: Math.min(CFG.time, 1000),
    rounds: CFG.rounds,
    cpuClock,
  });
  for (const line of backendLines(backends)) log(line);
  if (backends.problems) problems.push(...backends.problems);

  // 3. latency
  section(`latency: one 4096-byte sector per call (encrypt) [${elapsed()}]`);
  const one = data.subarray(0, 4096);
  const oneRef = refs[4096].subarray(0, 4096);
  const oneOut = new Uint8Array(4096);
  const latTasks = [];
  for (const c of CONTENDERS) {
    const x = c.make(4096);
    if (!equalBytes(x.encrypt(one, FIRST, oneOut), oneRef)) {
      problems.push(`${c.label}: single-sector output differs from OpenSSL's; not timed`);
      continue;
    }
    latTasks.push({ id: c.id, fn: () => x.encrypt(one, FIRST, oneOut) });
  }
  const lat = await measure(latTasks, {
    Bench,
    time: CFG.smallTime,
    rounds: CFG.rounds,
    iterations: 10,
    warmupTime: CFG.warmupTime,
    warmupIterations: 50,
  });
  const latencyRows = latTasks.map((t) => {
    const r = lat.get(t.id);
    return {
      contender: t.id,
      label: label[t.id],
      bytes: 4096,
      medianUs: r.medianMs * 1000,
      mibps: 4096 / MiB / (r.medianMs / 1000),
      n: r.n,
    };
  });
  for (const r of latencyRows) r.ratioToSimd = r.mibps / latencyRows.find((x) => x.contender === 'simd').mibps;

  // 4. key setup + dispose
  section(`key setup (+ dispose where there is one) per second [${elapsed()}]`);
  const iv = Buffer.alloc(16);
  const keyTasks = [
    { id: 'simd', fn: () => engines.simd.xts(key, { sectorSize: 4096 }).dispose() },
    { id: 'nosimd', fn: () => engines.nosimd.xts(key, { sectorSize: 4096 }).dispose() },
    { id: 'node', fn: () => createCipheriv('aes-256-xts', key, iv) },
    ...PEERS.filter((p) => p.keySetup).map((p) => ({ id: p.id, fn: () => factories[p.id](key) })),
  ];
  const ks = await measure(keyTasks, {
    Bench,
    time: CFG.smallTime,
    rounds: CFG.rounds,
    iterations: 10,
    warmupTime: CFG.warmupTime,
    warmupIterations: 200,
  });
  const keyRows = keyTasks.map((t) => ({
    contender: t.id,
    label: label[t.id],
    opsPerSec: 1000 / ks.get(t.id).medianMs,
    medianUs: ks.get(t.id).medianMs * 1000,
    n: ks.get(t.id).n,
  }));
  for (const r of keyRows) r.ratioToSimd = r.opsPerSec / keyRows.find((x) => x.contender === 'simd').opsPerSec;
  notes.push(
    'Key setup: atrest = engine.xts(key) + dispose() (both AES-256 schedules, zeroed on dispose); node:crypto = one createCipheriv (what it pays per sector); aes-js / asmcrypto.js = two ECB objects (their key expansion); @noble/ciphers has no key setup to time (its ecb() expands the key inside every call).',
  );

  // 5. GCM and the worker pool
  section(`engine.gcm, createPool [${elapsed()}]`);
  const guarded = async (what, f) => {
    try {
      return await f();
    } catch (err) {
      problems.push(`${what} failed: ${(err && err.stack) || err}`);
      return { skipped: `${what} failed: ${(err && err.message) || err}` };
    }
  };
  const gcm = await guarded('GCM rows', () => gcmRows(engines.simd));
  log(gcm.skipped ? `GCM: ${gcm.skipped}` : `GCM: ${gcm.rows.length} rows measured`);
  const pool = await guarded('pool row', () => poolRows(atrest, key, engines.simd));
  log(pool.skipped ? `pool: ${pool.skipped}` : `pool: measured`);

  // 6. OpenSSL speed
  section(
    `openssl speed (AES-NI masked) and atrest SIMD, alternately, ${CFG.opensslRounds} round(s) of ${CFG.opensslSeconds} s each [${elapsed()}]`,
  );
  let ossl;
  if (!mach.opensslBinary) ossl = { skipped: 'no openssl binary' };
  else {
    const ox = engines.simd.xts(key, { sectorSize: 4096 });
    ossl = await guarded('openssl alternating', () =>
      opensslAlternating({
        xts: ox,
        data,
        ct: refs[4096],
        first: FIRST,
        out,
        seconds: CFG.opensslSeconds,
        rounds: CFG.opensslRounds,
      }),
    );
    ox.dispose();
  }
  if (ossl.skipped) log(`openssl: ${ossl.skipped}`);
  else {
    log(
      `${ossl.command}: encrypt ${fmt(ossl.encrypt.mibps)} MiB/s, decrypt ${fmt(ossl.decrypt.mibps)} MiB/s; atrest SIMD between them: encrypt ${fmt(ossl.atrest.encrypt)}, decrypt ${fmt(ossl.atrest.decrypt)} MiB/s`,
    );
    if (!ossl.aesniMasked)
      problems.push('openssl speed did not confirm the OPENSSL_ia32cap mask in its output: its figure may be AES-NI');
  }

  // 6b. what users feel: the CLI on a file, encryptStream, `atrest --version`
  section(
    `CLI on a ${CFG.cliBytes / MiB} MiB file, encryptStream of ${CFG.streamBytes / MiB} MiB, atrest --version [${elapsed()}]`,
  );
  const bin = join(ROOT, 'bin/atrest.js');
  const cli = await guarded('CLI rows', () =>
    cliRows({ bin, engine: engines.simd, key, bytes: CFG.cliBytes, rounds: CFG.cliRounds }),
  );
  log(
    cli.skipped
      ? `cli: ${cli.skipped}`
      : `cli: encrypt ${fmt(cli.encryptMibps)} MiB/s (${fmt(cli.encryptRatio, 2)}× the engine's ${fmt(cli.engineEncryptMibps)}), decrypt ${fmt(cli.decryptMibps)} MiB/s (${fmt(cli.decryptRatio, 2)}×), peak RSS ${fmt(cli.peakRssBytes / 1e6, 0)} MB; dd copy ${cli.copyMibps == null ? '?' : fmt(cli.copyMibps)} MiB/s`,
  );
  const stream = await guarded('stream rows', () =>
    streamRows({ atrest, engine: engines.simd, key, bytes: CFG.streamBytes, rounds: CFG.streamRounds }),
  );
  log(
    stream.skipped
      ? `stream: ${stream.skipped}`
      : `encryptStream: ${fmt(stream.streamMibps)} MiB/s (${fmt(stream.ratio, 2)}× the engine's ${fmt(stream.engineMibps)})`,
  );
  const version = versionRows({ bin, runs: CFG.versionRuns, entry: join(ROOT, 'dist/index.js') });
  for (const line of startupLines(version)) log(line);

  // 6c. volumes: random 4 KiB and sequential I/O against the same store unencrypted; growth
  section(
    `Volume over MemoryBlockStore and FileBlockStore, ${CFG.volumeBytes / MiB} MiB, vs the store unencrypted [${elapsed()}]`,
  );
  const fsModule = await import(join(ROOT, 'dist/fs/index.js'));
  const volume = await guarded('volume rows', () =>
    volumeRows({ atrest, fsModule, bytes: CFG.volumeBytes, ms: CFG.volumeMs, rounds: CFG.volumeRounds }),
  );
  for (const line of volumeLines(volume)) log(line);

  // 7. other runtimes
  const runtimes = {};
  const nodeSimd = X('simd', 'encrypt', 4096);
  runtimes.node = {
    runtime: { name: 'Node', version: mach.node, v8: mach.v8 },
    rows: ['simd', 'nosimd', 'native'].flatMap((b) =>
      ['encrypt', 'decrypt']
        .map((op) => X(b, op, 4096))
        .filter(Boolean)
        .map((r) => ({
          build: b,
          op: r.op,
          sectorSize: 4096,
          bytes: r.bytes,
          medianMs: r.medianMs,
          mibps: r.mibps,
          n: r.n,
        })),
    ),
  };
  if (RUNTIMES) {
    const params = engineRowsParams({ quick: QUICK, key, seed });
    section(`Deno: engine rows [${elapsed()}]`);
    runtimes.deno = await runDenoRows(params);
    if (runtimes.deno.skipped) log(`deno: skipped — ${runtimes.deno.skipped}`);
    section(`Chromium (headless): engine rows [${elapsed()}]`);
    runtimes.chromium = await runChromiumRows(params);
    section(`Node 24: engine rows [${elapsed()}]`);
    runtimes.node24 = await runNode24Rows(params);
    for (const rt of ['deno', 'chromium', 'node24']) {
      // Not installed: a skip (unless ATREST_REQUIRE_RUNTIMES names it, as .ci/run does).
      // Installed but broken: always a problem, so the exit status is non-zero.
      const x = runtimes[rt];
      if (x.failed) {
        problems.push(`${rt}: ${x.failed}`);
        x.skipped = x.failed;
      } else if (x.skipped && REQUIRED.includes(rt))
        problems.push(`${rt} is required (ATREST_REQUIRE_RUNTIMES) but: ${x.skipped}`);
      if (x.skipped) log(`${rt}: skipped — ${x.skipped}`);
      for (const p of x.problems || []) problems.push(`${rt}: ${p}`);
    }
  } else {
    runtimes.deno = { skipped: '--no-runtimes' };
    runtimes.chromium = { skipped: '--no-runtimes' };
    runtimes.node24 = { skipped: '--no-runtimes' };
  }
  if (runtimes.deno.runtime) mach.deno = runtimes.deno.runtime.version;
  if (runtimes.chromium.runtime) mach.chromium = runtimes.chromium.runtime.version;
  if (runtimes.node24 && runtimes.node24.runtime) mach.node24 = runtimes.node24.runtime.version;

  // ---- targets
  const T = [];
  // A target with nothing measured (the row could not run, or the feature does not exist yet) is
  // MISSED, with the reason (`why`) printed beside it: never silently skipped.
  const target = (id, text, measured, threshold, better = 'higher', unit = '×', cpuMeasured, why) => {
    const ok = measured != null && Number.isFinite(measured);
    const status = ok && (better === 'higher' ? measured >= threshold : measured < threshold) ? 'MET' : 'MISSED';
    const t = { id, text, measured: ok ? measured : null, threshold, better, unit, status };
    if (!ok) t.notMeasured = why || 'not measured in this run';
    if (cpuMeasured != null && Number.isFinite(cpuMeasured)) {
      t.cpuTimeMeasured = cpuMeasured;
      t.cpuTimeStatus = (better === 'higher' ? cpuMeasured >= threshold : cpuMeasured < threshold) ? 'MET' : 'MISSED';
    }
    T.push(t);
  };
  const r = (a, b) => (a && b ? a.mibps / b.mibps : null);
  const rc = (a, b) => (a && b ? a.cpuMibps / b.cpuMibps : null);
  target(
    'simd-vs-noble-4096',
    'atrest SIMD encrypt ≥ 6× @noble/ciphers-based XTS, 4096-byte sectors',
    r(X('simd', 'encrypt', 4096), X('noble', 'encrypt', 4096)),
    6,
    'higher',
    '×',
    rc(X('simd', 'encrypt', 4096), X('noble', 'encrypt', 4096)),
  );
  target(
    'simd-vs-node-512',
    'atrest SIMD encrypt ≥ 2× node:crypto per-sector, 512-byte sectors',
    r(X('simd', 'encrypt', 512), X('node', 'encrypt', 512)),
    2,
    'higher',
    '×',
    rc(X('simd', 'encrypt', 512), X('node', 'encrypt', 512)),
  );
  target(
    'simd-vs-node-4096',
    'atrest SIMD encrypt ≥ 0.7× node:crypto per-sector, 4096-byte sectors',
    r(X('simd', 'encrypt', 4096), X('node', 'encrypt', 4096)),
    0.7,
    'higher',
    '×',
    rc(X('simd', 'encrypt', 4096), X('node', 'encrypt', 4096)),
  );
  target(
    'simd-vs-awasm-noble',
    `atrest SIMD encrypt ≥ 2.5× awasm-noble's ${AWASM_NOBLE_MIBPS} MiB/s (fixed reference figure, not measured here), 4096-byte sectors`,
    nodeSimd ? nodeSimd.mibps / AWASM_NOBLE_MIBPS : null,
    2.5,
    'higher',
    '×',
    nodeSimd && nodeSimd.cpuMibps / AWASM_NOBLE_MIBPS,
  );
  target(
    'nosimd-vs-noble-4096',
    'atrest no-SIMD encrypt ≥ 0.75× @noble/ciphers-based XTS, 4096-byte sectors',
    r(X('nosimd', 'encrypt', 4096), X('noble', 'encrypt', 4096)),
    0.75,
    'higher',
    '×',
    rc(X('nosimd', 'encrypt', 4096), X('noble', 'encrypt', 4096)),
  );
  target(
    'cold-start',
    'createEngine() cold < 10 ms in Node (fresh process, median)',
    cold.auto.createMs,
    10,
    'lower',
    'ms',
    cold.auto.createCpuMs,
  );
  target('simd-wasm-size', 'build/atrest.simd.wasm < 32 KiB', sizes.simd, 32768, 'lower', 'B');
  target('nosimd-wasm-size', 'build/atrest.nosimd.wasm < 32 KiB', sizes.nosimd, 32768, 'lower', 'B');
  const G = (c, op, b) => gcm.rows && gcm.rows.find((x) => x.contender === c && x.op === op && x.bytes === b);
  target(
    'gcm-seal-vs-noble-1m',
    'atrest GCM seal ≥ 2× @noble/ciphers gcm, 1 MiB',
    gcm.rows ? r(G('atrest', 'seal', MiB), G('noble', 'seal', MiB)) : null,
    2,
  );
  // Issue 14 ("speed where users feel it"): every one of its targets, in its order.
  const i14 = (id, text, ...rest) => target(`i14-${id}`, `[issue 14] ${text}`, ...rest);
  const why = (x) => x && (x.skipped || x.failed);
  i14(
    'cli-encrypt',
    `CLI encrypt of a ${CFG.cliBytes / MiB} MiB file ≥ 1.5× the single-thread engine (target size 1 GiB)`,
    cli.encryptRatio,
    1.5,
    'higher',
    '×',
    undefined,
    why(cli),
  );
  i14(
    'cli-decrypt',
    `CLI decrypt of a ${CFG.cliBytes / MiB} MiB file ≥ 1.5× the single-thread engine`,
    cli.decryptRatio,
    1.5,
    'higher',
    '×',
    undefined,
    why(cli),
  );
  i14(
    'cli-rss',
    'CLI encrypt/decrypt peak RSS < 150 MB',
    cli.peakRssBytes != null ? cli.peakRssBytes / 1e6 : null,
    150,
    'lower',
    'MB',
    undefined,
    why(cli) || (cli.peakRssBytes == null ? 'RSS not reported' : undefined),
  );
  i14(
    'stream',
    `encryptStream of ${CFG.streamBytes / MiB} MiB in memory ≥ 1.6× the single-thread engine (target size 256 MiB)`,
    stream.ratio,
    1.6,
    'higher',
    '×',
    undefined,
    why(stream),
  );
  i14(
    'openssl',
    'atrest SIMD encrypt ≥ 0.9× OpenSSL bitsliced SSSE3 (openssl speed, AES-NI masked, 4096 B), measured alternately',
    ossl.atrest ? ossl.atrest.encrypt / ossl.encrypt.mibps : null,
    0.9,
    'higher',
    '×',
    undefined,
    why(ossl),
  );
  i14(
    'openssl-stretch',
    'stretch: the same ≥ 1.0×',
    ossl.atrest ? ossl.atrest.encrypt / ossl.encrypt.mibps : null,
    1.0,
    'higher',
    '×',
    undefined,
    why(ossl),
  );
  // Decrypt against encrypt is read from the rows alternated with openssl speed (the same
  // protocol as the openssl target: one direction, then the other, round after round). The XTS
  // table times both directions in one tinybench group after the other rows' garbage, and there
  // read 0.63× in a run whose alternated rows read 0.94× and whose instruction counts (callgrind,
  // one 4 KiB sector) were 0.95×; its own ratio is printed in the text. Without an openssl
  // binary the table's ratio is the measurement.
  const simdDecrypt = X('simd', 'decrypt', 4096);
  const simdEncrypt = X('simd', 'encrypt', 4096);
  const tableDecrypt = r(simdDecrypt, simdEncrypt);
  const alternated = ossl.atrest ? ossl.atrest.decrypt / ossl.atrest.encrypt : null;
  const fromTable = alternated == null;
  i14(
    'decrypt-vs-encrypt',
    fromTable
      ? 'atrest SIMD decrypt ≥ 0.9× encrypt, 4096-byte sectors (XTS table above: no openssl binary for the alternated rows)'
      : `atrest SIMD decrypt ≥ 0.9× encrypt, 4096-byte sectors, measured alternately (the XTS table's ratio: ${tableDecrypt == null ? '—' : fmt(tableDecrypt, 2) + '×'})`,
    fromTable ? tableDecrypt : alternated,
    0.9,
    'higher',
    '×',
    fromTable ? rc(simdDecrypt, simdEncrypt) : undefined,
  );
  const volStore = (name) => volume.stores && volume.stores.find((x) => x.store === name);
  for (const name of ['MemoryBlockStore', 'FileBlockStore']) {
    i14(
      `volume-random-read-${name}`,
      `encrypted random 4 KiB volume reads ≥ 0.7× the unencrypted ${name}`,
      volStore(name)?.randomReadPerSec.ratio ?? null,
      0.7,
      'higher',
      '×',
      undefined,
      why(volume),
    );
  }
  // 'lower' compares with <, so the threshold is the next representable step above 1.1 (≤ 1.1).
  i14(
    'volume-append',
    'store bytes written per appended byte ≤ 1.1 (64 KiB appends, MemoryBlockStore)',
    volume.appends ? volume.appends[0].bytesPerAppendedByte : null,
    1.1 + 1e-9,
    'lower',
    '×',
    undefined,
    why(volume),
  );
  i14(
    'import',
    "import('atrest') < 25 ms (fresh Node process, median)",
    version.importMedianMs ?? null,
    25,
    'lower',
    'ms',
    undefined,
    why(version),
  );
  i14(
    'version',
    '`atrest --version` < 100 ms (fresh process, median)',
    version.medianMs,
    100,
    'lower',
    'ms',
    undefined,
    why(version),
  );
  target(
    'auto-picks-faster',
    "createEngine()'s default backend 'auto' runs the faster XTS backend at every sector size from 512 B to 64 KiB (≥ 0.9× the faster, 1 MiB per call)",
    backends.rows ? Math.min(...backends.rows.map((x) => x.autoRatio)) : null,
    0.9,
    'higher',
    '×',
    undefined,
    why(backends),
  );
  target(
    'pool-vs-single',
    `createPool, 2 workers, ${pool.bytes ? pool.bytes / MiB : 64} MiB as 4096-byte sectors ≥ 1.7× single-thread engine`,
    pool.ratio ?? null,
    1.7,
  );

  // ---- report
  const report = renderReport({
    mach,
    date,
    sizes,
    cold,
    xtsRows,
    latencyRows,
    keyRows,
    gcm,
    pool,
    ossl,
    cli,
    stream,
    version,
    volume,
    backends,
    runtimes,
    targets: T,
    X,
  });
  log('\n' + report);
  if (problems.length) log('\nPROBLEMS:\n' + problems.map((p) => '  - ' + p).join('\n'));
  const seconds = (Date.now() - started) / 1000;
  const loadEnd = loadavg();
  mach.loadAverage = { start: loadStart, end: loadEnd };
  log(
    `\nload average (1, 5, 15 min) at start ${loadStart.map((x) => x.toFixed(2)).join(' ')}, at end ${loadEnd.map((x) => x.toFixed(2)).join(' ')} (${mach.cores} cores)`,
  );
  log(`run time: ${seconds.toFixed(0)} s`);

  const result = {
    schema: 'atrest-bench/1',
    date: date.toISOString(),
    quick: QUICK,
    runSeconds: Math.round(seconds),
    note: 'Shared, noisy machine: absolute MiB/s move between runs; ratios within one run are what counts. Medians of pooled tinybench samples.',
    machine: mach,
    config: {
      bufferBytes: CFG.bytes,
      sectorSizes: SECTOR_SIZES,
      firstSector: FIRST,
      timePerTaskMs: CFG.time,
      rounds: CFG.rounds,
      tinybench: '2.9',
      awasmNobleReferenceMibps: AWASM_NOBLE_MIBPS,
    },
    wasmSizes: sizes,
    coldStart: cold,
    xts: xtsRows,
    latency4096: latencyRows,
    keySetup: keyRows,
    gcm,
    pool,
    opensslSpeed: ossl,
    cli,
    stream,
    version,
    volume,
    backends,
    runtimes,
    targets: T,
    notes,
    problems,
  };
  if (WRITE) {
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(ROOT, 'bench/results/xts.svg'), chart(result, X));
    log('wrote bench/results/latest.json, bench/results/xts.svg');
  }
  process.exitCode = problems.length ? 1 : 0;
}

/** The volume rows as report lines. */
/** The start-up rows: `atrest --version` and `import('atrest')`, each beside a bare `node -e ''`
 *  timed alternately in the same run (bench/lib/user-rows.mjs, versionRows). */
function startupLines(version) {
  if (version.skipped) return [`start-up: ${version.skipped}`];
  const bare = version.bareNodeMedianMs;
  return [
    `atrest --version: ${fmt(version.medianMs, 1)} ms median of ${version.runs} fresh processes (a bare \`node -e ''\` timed alternately: ${fmt(bare, 1)} ms; atrest adds ${fmt(version.medianMs - bare, 1)} ms)`,
    `import('atrest'): ${fmt(version.importMedianMs, 1)} ms median inside the process (spawn to exit ${fmt(version.importWallMedianMs, 1)} ms vs the bare node's ${fmt(bare, 1)} ms), same run`,
  ];
}

function volumeLines(volume) {
  if (volume.skipped || volume.failed) return [`volume: ${volume.skipped || volume.failed}`];
  const L = [];
  for (const v of volume.stores) {
    const pair = (x, unit, d = 0) => `${fmt(x.atrest, d)} vs ${fmt(x.plain, d)} ${unit} = ${fmt(x.ratio, 2)}×`;
    L.push(
      `Volume over ${v.store} (${v.bytes / MiB} MiB, median of ${v.rounds}; atrest vs the store unencrypted): random 4 KiB reads ${pair(v.randomReadPerSec, '/s')}, writes ${pair(v.randomWritePerSec, '/s')}; sequential 1 MiB reads ${pair(v.seqReadMibps, 'MiB/s', 1)}, writes ${pair(v.seqWriteMibps, 'MiB/s', 1)}`,
    );
  }
  for (const a of volume.appends) {
    L.push(
      `Volume growth: ${a.appends} appends of ${a.chunk / 1024} KiB (${fmt(a.appended / MiB, 1)} MiB) wrote ${fmt(a.storeBytesWritten / MiB, 1)} MiB to the store in ${a.writes} writes, ${a.flushes} flushes = ${fmt(a.bytesPerAppendedByte, 2)} store bytes per appended byte`,
    );
  }
  return L;
}

function renderReport({
  mach,
  date,
  sizes,
  cold,
  xtsRows,
  latencyRows,
  keyRows,
  gcm,
  pool,
  ossl,
  cli,
  stream,
  version,
  volume,
  backends,
  runtimes,
  targets,
  X,
}) {
  const L = [];
  const ids = [...new Set(xtsRows.map((r) => r.contender))];
  const labelOf = Object.fromEntries(xtsRows.map((r) => [r.contender, r.label]));
  L.push(
    `XTS-AES-256, ${CFG.bytes / MiB} MiB per call — MiB/s (median) and ratio to atrest SIMD for the same workload`,
  );
  const cols = SECTOR_SIZES.flatMap((s) => ['encrypt', 'decrypt'].map((op) => [s, op]));
  L.push(pad('', 24) + cols.map(([s, op]) => lpad(`${s} ${op.slice(0, 3)}`, 15)).join(''));
  for (const id of ids) {
    L.push(
      pad(labelOf[id], 24) +
        cols
          .map(([s, op]) => {
            const x = X(id, op, s);
            return lpad(x ? `${fmt(x.mibps)} ${fmt(x.ratioToSimd, 2)}×` : '—', 15);
          })
          .join(''),
    );
  }
  L.push(
    pad('  atrest SIMD dec/enc', 24) +
      cols
        .map(([s, op]) =>
          lpad(
            op === 'decrypt' && X('simd', 'decrypt', s)
              ? `${fmt(X('simd', 'decrypt', s).mibps / X('simd', 'encrypt', s).mibps, 2)}×`
              : '',
            15,
          ),
        )
        .join(''),
  );
  if (!ossl.skipped)
    L.push(
      pad('  OpenSSL bsaes (speed)', 24) +
        cols
          .map(([s, op]) =>
            lpad(s === 4096 ? `${fmt(ossl[op].mibps)} ${fmt(ossl[op].mibps / ossl.atrest[op], 2)}×` : '', 15),
          )
          .join(''),
    );
  L.push(
    pad('  awasm-noble (fixed ref)', 24) +
      cols
        .map(([s, op]) =>
          lpad(
            s === 4096 && op === 'encrypt'
              ? `${AWASM_NOBLE_MIBPS} ${fmt(AWASM_NOBLE_MIBPS / X('simd', 'encrypt', 4096)?.mibps, 2)}×`
              : '',
            15,
          ),
        )
        .join(''),
  );
  L.push(
    "  node:crypto per sector = one createCipheriv per sector; peers = XTS written here on each library's AES-ECB (one ECB call per sector on P⊕T).",
  );
  L.push(
    '  @noble/ciphers expands the AES key inside every ecb() call (its API has no reusable key schedule): a per-sector cost, largest at 512-byte sectors.',
  );
  if (!ossl.skipped)
    L.push(
      `  OpenSSL bsaes ratio: to atrest SIMD timed alternately with it (${ossl.rounds} round(s)): encrypt ${fmt(ossl.atrest.encrypt)}, decrypt ${fmt(ossl.atrest.decrypt)} MiB/s over ${ossl.bytes / MiB} MiB per call.`,
    );
  L.push(
    `  OpenSSL bsaes = ${ossl.command || 'openssl speed (not run)'}; awasm-noble is not installable here: 153 MiB/s is the fixed figure measured when the targets were set, not measured in this run.`,
  );

  L.push('');
  L.push(
    'Same calls by CPU time of this process (paired with each wall-clock sample; excludes time spent waiting for a core) — MiB/s per CPU second, ratio to atrest SIMD',
  );
  for (const id of ids) {
    L.push(
      pad(labelOf[id], 24) +
        cols
          .map(([s, op]) => {
            const x = X(id, op, s);
            return lpad(x ? `${fmt(x.cpuMibps)} ${fmt(x.cpuRatioToSimd, 2)}×` : '—', 15);
          })
          .join(''),
    );
  }
  L.push('');
  L.push('Latency: one 4096-byte sector per call, encrypt (median)');
  for (const r of latencyRows)
    L.push(
      `  ${pad(r.label, 24)}${lpad(fmt(r.medianUs, 1) + ' µs', 12)}${lpad(fmt(r.mibps) + ' MiB/s', 14)}${lpad(fmt(r.ratioToSimd, 2) + '×', 9)}`,
    );
  L.push('');
  L.push('Key setup (+ dispose) per second (median)');
  for (const r of keyRows)
    L.push(
      `  ${pad(r.label, 24)}${lpad(fmt(r.opsPerSec, 0) + ' /s', 14)}${lpad(fmt(r.medianUs, 2) + ' µs', 12)}${lpad(fmt(r.ratioToSimd, 2) + '×', 9)}`,
    );
  L.push(`  ${pad('@noble/ciphers XTS', 24)}${lpad('n/a', 14)}  (expands the key inside every call)`);
  L.push('');
  L.push(
    `Cold start (fresh Node process, median of ${cold.auto.runs}): createEngine() ${fmt(cold.auto.createMs, 2)} ms (SIMD; CPU time ${fmt(cold.auto.createCpuMs, 2)} ms), createEngine({ simd: false }) ${fmt(cold.nosimd.createMs, 2)} ms; import of dist/ ${fmt(cold.auto.importMs, 2)} ms`,
  );
  L.push(
    `wasm: build/atrest.simd.wasm ${sizes.simd} B (${fmt(sizes.simd / 1024)} KiB), build/atrest.nosimd.wasm ${sizes.nosimd} B (${fmt(sizes.nosimd / 1024)} KiB)`,
  );

  L.push('');
  L.push(
    `atrest in each runtime, ${CFG.bytes / MiB} MiB per call as 4096-byte sectors (MiB/s, median; ratio to Node's figure)`,
  );
  L.push(
    `  ${pad('runtime', 26)}${lpad('SIMD enc', 16)}${lpad('SIMD dec', 16)}${lpad('no-SIMD enc', 16)}${lpad('no-SIMD dec', 16)}${lpad('native enc', 16)}${lpad('native dec', 16)}`,
  );
  const nodeRow = (b, op) => runtimes.node.rows.find((x) => x.build === b && x.op === op);
  for (const [key, rt] of Object.entries(runtimes)) {
    if (rt.skipped) {
      L.push(`  ${pad(key, 26)}skipped — ${rt.skipped}`);
      continue;
    }
    const cell = (b, op) => {
      const x = rt.rows.find((y) => y.build === b && y.op === op);
      const n = nodeRow(b, op);
      return lpad(x ? `${fmt(x.mibps)} ${fmt(n ? x.mibps / n.mibps : NaN, 2)}×` : '—', 16);
    };
    L.push(
      `  ${pad(`${rt.runtime.name} ${rt.runtime.version}`, 26)}${cell('simd', 'encrypt')}${cell('simd', 'decrypt')}${cell('nosimd', 'encrypt')}${cell('nosimd', 'decrypt')}${cell('native', 'encrypt')}${cell('native', 'decrypt')}`,
    );
  }
  L.push(
    "  (Deno and Chromium run after the Node rows, in their own processes: the ratios to Node cross two moments of a noisy machine. native = backend 'native', node:crypto: Node only; — where the runtime has none.)",
  );

  if (gcm.rows) {
    L.push('');
    L.push('AES-256-GCM seal/open (MiB/s, median; ratio to atrest)');
    for (const b of [4096, MiB]) {
      for (const op of ['seal', 'open']) {
        const base = gcm.rows.find((x) => x.contender === 'atrest' && x.op === op && x.bytes === b);
        L.push(
          `  ${pad(`${b === MiB ? '1 MiB' : '4 KiB'} ${op}`, 12)}` +
            gcm.rows
              .filter((x) => x.op === op && x.bytes === b)
              .map((x) => `${x.contender} ${fmt(x.mibps)} (${fmt(base ? x.mibps / base.mibps : NaN, 2)}×)`)
              .join('   '),
        );
      }
    }
  } else {
    L.push('');
    L.push(`GCM: ${gcm.skipped}`);
  }
  L.push('');
  L.push(
    cli.skipped
      ? `CLI: ${cli.skipped}`
      : `CLI (fresh \`atrest\` processes, spawn to exit, median of ${cli.rounds}) on a ${cli.bytes / MiB} MiB file: encrypt ${fmt(cli.encryptMibps)} MiB/s = ${fmt(cli.encryptRatio, 2)}× the single-thread engine (${fmt(cli.engineEncryptMibps)}), decrypt ${fmt(cli.decryptMibps)} MiB/s = ${fmt(cli.decryptRatio, 2)}× (${fmt(cli.engineDecryptMibps)}); peak RSS ${cli.peakRssBytes == null ? '?' : fmt(cli.peakRssBytes / 1e6, 0) + ' MB'}; the same file copied by \`dd bs=4M conv=fdatasync\` (the I/O ceiling, no crypto) ${cli.copyMibps == null ? '?' : fmt(cli.copyMibps) + ' MiB/s'}`,
  );
  L.push(
    stream.skipped
      ? `encryptStream: ${stream.skipped}`
      : `encryptStream (LocalKms in memory, 1 MiB chunks, median of ${stream.rounds}) of ${stream.bytes / MiB} MiB: ${fmt(stream.streamMibps)} MiB/s = ${fmt(stream.ratio, 2)}× the single-thread engine (${fmt(stream.engineMibps)})`,
  );
  // Deno and Chromium (bench/lib/stream-rows.mjs in their children): no shared-pool workers there.
  for (const rt of ['deno', 'chromium']) {
    const x = runtimes[rt] && runtimes[rt].stream;
    L.push(
      x
        ? `encryptStream in ${rt === 'deno' ? 'Deno' : 'Chromium'} of ${x.bytes / MiB} MiB: ${fmt(x.streamMibps)} MiB/s = ${fmt(x.ratio, 2)}× its single-thread engine (${fmt(x.engineMibps)}; the shared pool has no workers there)`
        : `encryptStream in ${rt === 'deno' ? 'Deno' : 'Chromium'}: not measured (${(runtimes[rt] && runtimes[rt].skipped) || 'no stream row'})`,
    );
  }
  L.push(...startupLines(version));
  L.push(...volumeLines(volume));
  L.push(...backendLines(backends));
  L.push(
    pool.skipped
      ? `Pool: ${pool.skipped}`
      : `Pool: ${pool.workers} workers, ${pool.bytes / MiB} MiB: ${fmt(pool.poolMibps)} MiB/s vs single-thread ${fmt(pool.singleMibps)} MiB/s = ${fmt(pool.ratio, 2)}×`,
  );

  L.push('');
  L.push('Targets (ratios of wall-clock medians in this run; in brackets the same ratio by CPU time, for reference)');
  for (const t of targets) {
    const m =
      t.measured == null
        ? 'not measured'
        : t.unit === '×'
          ? `${fmt(t.measured, 2)}×`
          : t.unit === 'ms'
            ? `${fmt(t.measured, 2)} ms`
            : t.unit === 'MB'
              ? `${fmt(t.measured, 0)} MB`
              : `${t.measured} B`;
    const c =
      t.cpuTimeMeasured != null
        ? `(cpu ${fmt(t.cpuTimeMeasured, 2)}${t.unit === 'ms' ? ' ms' : '×'} ${t.cpuTimeStatus})`
        : '';
    L.push(
      `  ${pad(t.status, 8)} ${pad(m, 14)} ${pad(c, 20)} ${t.text}${t.notMeasured ? ` — not measured: ${t.notMeasured}` : ''}`,
    );
  }
  L.push(
    `\n${mach.cpu}, ${mach.cores} cores; Node ${mach.node}${mach.node24 ? `, Node ${mach.node24}` : ''}${mach.deno ? `, Deno ${mach.deno}` : ''}${mach.chromium ? `, Chromium ${mach.chromium}` : ''}; ${date.toISOString()}. Shared, noisy machine: compare ratios, not absolute speeds.`,
  );
  return L.join('\n');
}

function chart(res, X) {
  const peersOrder = ['simd', 'nosimd', 'native', 'node', 'noble', 'asmcrypto', 'aesjs'];
  const labels = Object.fromEntries(res.xts.map((r) => [r.contender, r.label]));
  const kind = (id) => (['simd', 'nosimd', 'native', 'node'].includes(id) ? id : 'peer');
  const panels = SECTOR_SIZES.map((s) => {
    const rows = peersOrder
      .filter((id) => X(id, 'encrypt', s))
      .map((id) => ({
        label: labels[id],
        kind: kind(id),
        enc: X(id, 'encrypt', s)?.mibps,
        dec: X(id, 'decrypt', s)?.mibps,
        encRatio: X(id, 'encrypt', s)?.ratioToSimd,
        decRatio: X(id, 'decrypt', s)?.ratioToSimd,
      }));
    if (s === 4096) {
      const se = X('simd', 'encrypt', 4096)?.mibps;
      const sd = X('simd', 'decrypt', 4096)?.mibps;
      const o = res.opensslSpeed;
      if (!o.skipped)
        rows.push({
          label: 'OpenSSL bitsliced SSSE3',
          note: 'openssl speed, AES-NI masked; ratio to atrest timed alternately',
          kind: 'ref',
          enc: o.encrypt.mibps,
          dec: o.decrypt.mibps,
          encRatio: o.encrypt.mibps / o.atrest.encrypt,
          decRatio: o.decrypt.mibps / o.atrest.decrypt,
        });
      rows.push({
        label: 'awasm-noble (wasm, tables)',
        note: 'fixed reference figure, not measured',
        kind: 'ref',
        enc: AWASM_NOBLE_MIBPS,
        dec: null,
        encRatio: AWASM_NOBLE_MIBPS / se,
      });
    }
    return { title: `${s}-byte sectors, ${res.config.bufferBytes / MiB} MiB per call`, rows };
  });
  const rtRows = [];
  for (const [k, rt] of Object.entries(res.runtimes)) {
    if (rt.skipped) continue;
    for (const b of ['simd', 'nosimd']) {
      const e = rt.rows.find((x) => x.build === b && x.op === 'encrypt');
      const d = rt.rows.find((x) => x.build === b && x.op === 'decrypt');
      const ne = res.runtimes.node.rows.find((x) => x.build === b && x.op === 'encrypt');
      const nd = res.runtimes.node.rows.find((x) => x.build === b && x.op === 'decrypt');
      if (e)
        rtRows.push({
          label: `${rt.runtime.name} ${String(rt.runtime.version).split('.')[0]} — atrest ${b === 'simd' ? 'SIMD' : 'no-SIMD'}`,
          kind: b,
          enc: e.mibps,
          dec: d?.mibps,
          encRatio: ne && e.mibps / ne.mibps,
          decRatio: nd && d && d.mibps / nd.mibps,
        });
    }
  }
  if (rtRows.length)
    panels.push({
      title: `atrest in each runtime, 4096-byte sectors, ${res.config.bufferBytes / MiB} MiB per call (ratio: to Node's figure)`,
      rows: rtRows,
    });
  const m = res.machine;
  const day = res.date.slice(0, 10);
  return barChart({
    title: 'atrest — XTS-AES-256 throughput, one call per buffer',
    subtitle: [
      `${m.cpu}, ${m.cores} cores, ${m.os} — ${day}`,
      `Node ${m.node}${m.deno ? ` · Deno ${m.deno}` : ''}${m.chromium ? ` · Chromium ${m.chromium}` : ''} · OpenSSL ${m.nodeOpenssl} · tinybench medians`,
    ],
    legendNote: 'dark bar: encrypt · light bar: decrypt · MiB/s, median · (ratio to atrest SIMD, same workload)',
    panels,
    footer: [
      "node:crypto = aes-256-xts with one createCipheriv per sector (AES-NI). Peers = XTS built here on each library's AES-ECB,",
      "one ECB call per sector on P⊕T. Every output was checked equal to OpenSSL's before it was timed.",
      `Shared, noisy ${m.cores}-core machine (load average ${m.loadAverage.start[0].toFixed(1)} at start, ${m.loadAverage.end[0].toFixed(1)} at end): compare the ratios within this chart, not absolute speeds across runs.`,
      'Generated by `npm run bench` (bench/xts.mjs).',
    ],
  });
}

/** A full GC (when node runs with --expose-gc, as `npm run bench` does) and a pause for V8's
 *  concurrent sweeping to finish, so one group's garbage is not collected during the next. */
async function quietHeap() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 300));
}

await main();
