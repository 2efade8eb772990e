// Cold start, run in a fresh Node process per sample by bench/xts.mjs:
//   node bench/lib/cold-start.mjs [simd|nosimd|auto]
// Prints one JSON line: importMs (loading dist/, which embeds both wasm builds as base64),
// createMs (the first `await createEngine()` — base64 decode, compile, instantiate: the figure
// the < 10 ms target is about), firstCallMs (key setup + one 4096-byte sector + dispose, on the
// unoptimized tier) and sinceStartMs (process start → engine ready, Node's own boot included);
// createCpuMs is createEngine()'s CPU time (user + system, all threads of the process), which
// other processes competing for the cores do not inflate.
const which = process.argv[2] || 'auto';
const t0 = performance.now();
const { createEngine } = await import('../../dist/index.js');
const c1 = process.cpuUsage();
const t1 = performance.now();
const engine = await createEngine(which === 'auto' ? {} : { simd: which === 'simd' });
const t2 = performance.now();
const c2 = process.cpuUsage(c1);
const key = new Uint8Array(64).map((_, i) => i + 1);
const x = engine.xts(key, { sectorSize: 4096 });
x.encrypt(new Uint8Array(4096), 0);
x.dispose();
const t3 = performance.now();
console.log(
  JSON.stringify({
    which,
    simd: engine.simd,
    importMs: t1 - t0,
    createMs: t2 - t1,
    createCpuMs: (c2.user + c2.system) / 1000,
    firstCallMs: t3 - t2,
    sinceStartMs: t2,
  }),
);
