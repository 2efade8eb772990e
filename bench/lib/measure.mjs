// Timing helpers shared by the Node suite (bench/xts.mjs), the Deno child and the Chromium page.
// Portable: no node: imports. Timing is tinybench's (passed in as `Bench`, so each runtime imports
// it the way it can).
//
// measure() runs a list of tasks in `rounds` tinybench runs, alternating the task order each round
// (forward, backward, …), and pools every task's samples across rounds; the figure reported is the
// median of the pooled samples. On a shared, noisy machine this keeps a slow phase from landing on
// one contender only: ratios between tasks measured in one measure() call are what counts.
// tinybench warms every task up (warmupTime, warmupIterations) before the first round.
//
// Optional second clock: with `cpuClock` (a function returning ms of CPU time used by this process,
// e.g. from process.cpuUsage()), every timed call of a synchronous task is also measured in CPU
// time, paired with tinybench's wall-clock sample. On a machine where other processes take the
// cores, wall time includes the time this process waited for a core; CPU time does not. Only for
// calls of milliseconds or more (the clock is a system call with µs resolution).

export const MiB = 1024 * 1024;

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/**
 * tasks: [{ id, fn }]; opts: { Bench, time (ms per task, all rounds together), rounds,
 * iterations (minimum samples per task per round), warmupTime, warmupIterations, onTask }.
 * Returns Map id → { medianMs, samples (ms), n, minMs, maxMs }.
 */
export async function measure(tasks, opts) {
  const {
    Bench,
    time = 2000,
    rounds = 2,
    iterations = 3,
    warmupTime = 300,
    warmupIterations = 5,
    onTask,
    cpuClock,
  } = opts;
  const pooled = new Map(tasks.map((t) => [t.id, []]));
  const cpu = new Map(tasks.map((t) => [t.id, []]));
  let collect = false;
  const wrap = (t) => {
    if (!cpuClock) return t.fn;
    const into = cpu.get(t.id);
    const fn = t.fn;
    return () => {
      const c0 = cpuClock();
      fn();
      const c1 = cpuClock();
      if (collect) into.push(c1 - c0);
    };
  };
  const fns = new Map(tasks.map((t) => [t.id, wrap(t)]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? tasks : [...tasks].reverse();
    const bench = new Bench({
      time: time / rounds,
      iterations,
      warmupTime,
      warmupIterations,
      throws: true,
    });
    for (const t of order) bench.add(t.id, fns.get(t.id));
    if (r === 0) await bench.warmup();
    collect = true;
    await bench.run();
    collect = false;
    for (const task of bench.tasks) {
      const res = task.result;
      if (!res) throw new Error(`measure: task ${task.name} produced no result`);
      if (res.error) throw res.error;
      // A loop, not push(...samples): key setup gives >125 000 samples per round, past the
      // engine's argument limit (RangeError: Maximum call stack size exceeded).
      const into = pooled.get(task.name);
      for (const x of res.samples) into.push(x);
    }
  }
  const out = new Map();
  for (const t of tasks) {
    const samples = pooled.get(t.id);
    let minMs = Infinity;
    let maxMs = -Infinity;
    for (const x of samples) {
      if (x < minMs) minMs = x;
      if (x > maxMs) maxMs = x;
    }
    const r = { medianMs: median(samples), samples, n: samples.length, minMs, maxMs };
    if (cpuClock) r.cpuMedianMs = median(cpu.get(t.id));
    out.set(t.id, r);
    if (onTask) onTask(t.id, r);
  }
  return out;
}

/** A deterministic xorshift32 sequence: each call returns the next unsigned 32-bit value (a seed
 *  of 0 counts as 1). For choosing offsets and ids in benches, never for keys. */
export function xorshift32(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Deterministic pseudo-random bytes (xorshift128), so every runtime encrypts the same buffer
 *  and can check its ciphertext against a hash the Node side computed with OpenSSL. */
export function prngBytes(length, seed) {
  const out = new Uint8Array(length);
  const w = new Uint32Array(out.buffer, 0, length >>> 2);
  let x = seed >>> 0 || 1,
    y = 362436069,
    z = 521288629,
    v = 88675123;
  for (let i = 0; i < w.length; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = v;
    v = (v ^ (v >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    w[i] = v;
  }
  for (let i = w.length * 4; i < length; i++) out[i] = (i * 131 + seed) & 255;
  return out;
}

export const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
export const fromHex = (s) => Uint8Array.from(s.match(/../g), (h) => parseInt(h, 16));

export async function sha256Hex(u8) {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', u8)));
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
export const pad = (s, n) => String(s).padEnd(n);
export const lpad = (s, n) => String(s).padStart(n);

/** Times `fn` (synchronous) for about `ms` milliseconds: median ms per call (at least 3 calls). */
export function timeCalls(fn, ms) {
  const samples = [];
  const end = performance.now() + ms;
  while (samples.length < 3 || performance.now() < end) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}
