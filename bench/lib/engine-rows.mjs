// The engine rows that run in every runtime (Node, Deno, headless Chromium): atrest SIMD and
// no-SIMD (backend 'wasm'), and backend 'native' where the runtime has it (Node), XTS-AES-256 encrypt and decrypt of one buffer (default 8 MiB as 4096-byte sectors) per
// call. Portable: the caller passes createEngine and tinybench's Bench.
//
// Before anything is timed, each engine's ciphertext is checked against the SHA-256 that the Node
// side computed with OpenSSL (node:crypto aes-256-xts) for the same key, buffer (prngBytes(seed))
// and first sector, and decryption is checked to give the buffer back.

import { MiB, equalBytes, fmt, fromHex, lpad, measure, pad, prngBytes, sha256Hex } from './measure.mjs';

/** Runs enough small calls that the engine's hot wasm functions reach the optimizing tier
 *  (Liftoff → TurboFan needs hundreds to ~2000 calls on newer V8s, measured here). */
export function warmEngine(engine, key, calls = 3000) {
  const x = engine.xts(key, { sectorSize: 4096 });
  const buf = new Uint8Array(4096);
  for (let i = 0; i < calls; i++) {
    x.encrypt(buf, i, buf);
    x.decrypt(buf, i, buf);
  }
  x.dispose();
}

export async function runEngineRows(opts) {
  const {
    createEngine,
    Bench,
    keyHex,
    seed,
    expectSha256,
    sectorSize = 4096,
    bytes = 8 * MiB,
    first = 2 ** 32 - 100,
    time = 3000,
    rounds = 2,
    warmCalls = 3000,
    log = () => {},
  } = opts;
  const key = fromHex(keyHex);
  const data = prngBytes(bytes, seed);
  const out = new Uint8Array(bytes);
  const problems = [];
  const tasks = [];
  const builds = [];
  for (const [id, options] of [
    ['simd', { simd: true, backend: 'wasm' }],
    ['nosimd', { simd: false, backend: 'wasm' }],
    ['native', { backend: 'native' }],
  ]) {
    let engine;
    try {
      engine = await createEngine(options);
    } catch (err) {
      // 'native' exists only where node:crypto has XTS (Node); elsewhere its absence is the answer
      if (id === 'native') builds.push({ id, unavailable: (err && err.message) || String(err) });
      else problems.push(`atrest ${id}: createEngine failed: ${(err && err.message) || err}`);
      continue;
    }
    const xts = engine.xts(key, { sectorSize });
    const ct = xts.encrypt(data, first);
    const got = await sha256Hex(ct);
    if (expectSha256 && got !== expectSha256) {
      problems.push(`atrest ${id}: ciphertext differs from OpenSSL's (sha256 ${got} ≠ ${expectSha256}); not timed`);
      continue;
    }
    if (!equalBytes(xts.decrypt(ct, first), data)) {
      problems.push(`atrest ${id}: decrypt does not give the buffer back; not timed`);
      continue;
    }
    warmEngine(engine, key, warmCalls);
    builds.push({ id, simd: engine.simd, checked: expectSha256 ? 'sha256 = OpenSSL' : 'round trip only' });
    tasks.push({ id: `${id}:encrypt`, fn: () => xts.encrypt(data, first, out) });
    tasks.push({ id: `${id}:decrypt`, fn: () => xts.decrypt(ct, first, out) });
  }
  log(
    `engine rows: ${tasks.length} tasks, ${bytes / MiB} MiB as ${sectorSize}-byte sectors, ~${((tasks.length * time) / 1000).toFixed(0)} s`,
  );
  // The wasm builds and native in separate measure() calls: native allocates per sector, and
  // the GC working off its garbage would take time from the wasm's samples (see bench/xts.mjs).
  const m = new Map();
  const timing = { Bench, time, rounds, iterations: 3, warmupTime: 300, warmupIterations: 10 };
  for (const group of [
    tasks.filter((t) => !t.id.startsWith('native:')),
    tasks.filter((t) => t.id.startsWith('native:')),
  ]) {
    if (group.length) for (const [id, r] of await measure(group, timing)) m.set(id, r);
  }
  const rows = [];
  for (const t of tasks) {
    const r = m.get(t.id);
    const [build, op] = t.id.split(':');
    rows.push({ build, op, sectorSize, bytes, medianMs: r.medianMs, mibps: bytes / MiB / (r.medianMs / 1000), n: r.n });
  }
  return { rows, builds, problems };
}

export function formatEngineRows(result, runtime) {
  const lines = [];
  const get = (b, op) => result.rows.find((r) => r.build === b && r.op === op);
  const base = get('simd', 'encrypt');
  lines.push(
    `${runtime}: atrest XTS-AES-256, ${result.rows[0] ? result.rows[0].bytes / MiB : 8} MiB per call as ${result.rows[0] ? result.rows[0].sectorSize : 4096}-byte sectors (MiB/s, median)`,
  );
  lines.push(
    `  ${pad('build', 14)}${lpad('encrypt', 10)}${lpad('decrypt', 10)}${lpad('dec/enc', 9)}${lpad('÷ SIMD enc', 12)}`,
  );
  const names = { simd: 'atrest SIMD', nosimd: 'atrest no-SIMD', native: 'atrest native' };
  for (const b of ['simd', 'nosimd', 'native']) {
    const e = get(b, 'encrypt');
    const d = get(b, 'decrypt');
    if (!e) continue;
    lines.push(
      `  ${pad(names[b], 14)}${lpad(fmt(e.mibps), 10)}${lpad(fmt(d && d.mibps), 10)}${lpad(fmt(d && d.mibps / e.mibps, 2) + '×', 9)}${lpad(fmt(base && e.mibps / base.mibps, 2) + '×', 12)}`,
    );
  }
  for (const b of result.builds ?? []) if (b.unavailable) lines.push(`  atrest native: not in this runtime`);
  for (const p of result.problems) lines.push(`  PROBLEM: ${p}`);
  return lines.join('\n');
}
