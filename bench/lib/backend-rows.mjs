// The XTS backends side by side: createEngine({ backend: 'wasm' }) (the SIMD kernel),
// { backend: 'native' } (node:crypto: ECB with the tweaks applied in JavaScript for runs of
// whole sectors, aes-256-xts per sector otherwise) and the default 'auto', 1 MiB per call across
// sector sizes. 'auto' is timed itself (its choice depends on the sector size and on the call's
// length: NATIVE_FROM_BYTES and NATIVE_CALL_FROM_BYTES in src/engine/xts.ts), so what it runs is
// measured, not assumed. Node only (where 'native' exists). Each backend's output is checked
// equal to the wasm's before timing.

import { MiB, equalBytes, fmt, measure } from './measure.mjs';

export const BACKEND_SECTOR_SIZES = [512, 1024, 2048, 4096, 8192, 65536];

/** Rows { sectorSize, op, wasmMibps, nativeMibps, ratio (native ÷ wasm), autoMibps, auto (the
 *  backend whose speed 'auto' measured nearer), autoRatio (auto ÷ the faster one) }, or
 *  { skipped }. */
export async function backendRows({ atrest, Bench, key, data, first, time, rounds, cpuClock }) {
  let native;
  try {
    native = await atrest.createEngine({ backend: 'native' });
  } catch (err) {
    return { skipped: `backend 'native' unavailable: ${err.message}` };
  }
  const wasm = await atrest.createEngine({ simd: true, backend: 'wasm' });
  const auto = await atrest.createEngine();
  const bytes = Math.min(data.length, MiB);
  const input = data.subarray(0, bytes);
  const out = new Uint8Array(bytes);
  const rows = [];
  const problems = [];
  for (const sectorSize of BACKEND_SECTOR_SIZES) {
    const w = wasm.xts(key, { sectorSize });
    const n = native.xts(key, { sectorSize });
    const a = auto.xts(key, { sectorSize });
    const ct = w.encrypt(input, first);
    if (!equalBytes(n.encrypt(input, first), ct) || !equalBytes(n.decrypt(ct, first), input)) {
      problems.push(`backend 'native' at ${sectorSize}-byte sectors differs from the wasm; not timed`);
      continue;
    }
    if (!equalBytes(a.encrypt(input, first), ct) || !equalBytes(a.decrypt(ct, first), input)) {
      problems.push(`backend 'auto' at ${sectorSize}-byte sectors differs from the wasm; not timed`);
      continue;
    }
    const tasks = [
      { id: 'wasm:encrypt', fn: () => w.encrypt(input, first, out) },
      { id: 'wasm:decrypt', fn: () => w.decrypt(ct, first, out) },
      { id: 'native:encrypt', fn: () => n.encrypt(input, first, out) },
      { id: 'native:decrypt', fn: () => n.decrypt(ct, first, out) },
      { id: 'auto:encrypt', fn: () => a.encrypt(input, first, out) },
      { id: 'auto:decrypt', fn: () => a.decrypt(ct, first, out) },
    ];
    // The wasm and node:crypto in separate measure() calls, the wasm first on a collected heap:
    // interleaved, the GC working off native's per-sector garbage took the second core during
    // the wasm's samples and cut its rows by up to 3× (first run of this section). 'native' and
    // 'auto' share one call, interleaved: both make that garbage where auto runs node:crypto,
    // and timed apart a loaded machine's drift between the two calls read as auto at 0.80× of
    // the native code it was running (the 2048-byte row of the 2026-12-03 run).
    const m = new Map();
    for (const group of [tasks.slice(0, 2), tasks.slice(2)]) {
      globalThis.gc?.();
      const r = await measure(group, {
        Bench,
        time,
        rounds,
        iterations: 2,
        warmupTime: 100,
        warmupIterations: 2,
        cpuClock,
      });
      for (const [id, v] of r) m.set(id, v);
    }
    for (const op of ['encrypt', 'decrypt']) {
      const wasmMibps = bytes / MiB / (m.get(`wasm:${op}`).medianMs / 1000);
      const nativeMibps = bytes / MiB / (m.get(`native:${op}`).medianMs / 1000);
      const autoMibps = bytes / MiB / (m.get(`auto:${op}`).medianMs / 1000);
      rows.push({
        sectorSize,
        op,
        bytes,
        wasmMibps,
        nativeMibps,
        ratio: nativeMibps / wasmMibps,
        autoMibps,
        auto:
          Math.abs(Math.log(autoMibps / nativeMibps)) < Math.abs(Math.log(autoMibps / wasmMibps)) ? 'native' : 'wasm',
        autoRatio: autoMibps / Math.max(wasmMibps, nativeMibps),
      });
    }
    w.dispose();
    n.dispose();
    a.dispose();
  }
  return { rows, problems, bytes };
}

export function backendLines(result) {
  if (result.skipped) return [`XTS backends: ${result.skipped}`];
  const L = [
    `XTS backends, ${result.bytes / MiB} MiB per call (MiB/s, median): wasm = atrest SIMD, native = node:crypto; auto timed too, marked with the backend it ran like`,
  ];
  for (const r of result.rows) {
    L.push(
      `  ${String(r.sectorSize).padStart(6)} B ${r.op.padEnd(8)} wasm ${fmt(r.wasmMibps).padStart(7)}  native ${fmt(r.nativeMibps).padStart(7)}  native/wasm ${fmt(r.ratio, 2).padStart(5)}×  auto ${fmt(r.autoMibps).padStart(7)} → ${r.auto} (${fmt(r.autoRatio, 2)}× the faster)`,
    );
  }
  for (const p of result.problems) L.push(`  PROBLEM: ${p}`);
  return L;
}
