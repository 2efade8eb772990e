#!/usr/bin/env node
// The engine rows (atrest SIMD and no-SIMD, XTS-AES-256 encrypt/decrypt, 8 MiB as 4096-byte
// sectors) and the encryptStream row (bench/lib/stream-rows.mjs) in Deno. `node bench/run-deno.mjs [--quick]` prints a table; bench/xts.mjs imports
// runDenoRows() and puts the result into its table, JSON and chart.
//
// Same approach as tests/run-deno.mjs: this file, started in Node, starts itself in Deno
// (node_modules/.bin/deno, from the devDependency `deno`) with `--child <params>`; the Deno side
// imports dist/ and tinybench from node_modules (no network), runs bench/lib/engine-rows.mjs and
// ends with one line `@@ATREST-BENCH@@ {json}` that the Node side reads. Deno's node:crypto has
// no aes-256-xts, so the Node side computes with OpenSSL the SHA-256 of the ciphertext the Deno
// side must reproduce before it times anything.

const MARK = '@@ATREST-BENCH@@ '; // = MARK in bench/lib/child-rows.mjs (not imported: that file is Node-only)

async function child(arg) {
  const params = JSON.parse(arg);
  const atrest = await import('../dist/index.js');
  const { createEngine } = atrest;
  const { Bench } = await import('tinybench');
  const { runEngineRows } = await import('./lib/engine-rows.mjs');
  const { streamRows } = await import('./lib/stream-rows.mjs');
  const { fromHex } = await import('./lib/measure.mjs');
  const res = await runEngineRows({ ...params, createEngine, Bench, log: (s) => console.log(`[deno] ${s}`) });
  try {
    const engine = await createEngine({ backend: 'wasm' });
    res.stream = await streamRows({
      atrest,
      engine,
      key: fromHex(params.keyHex),
      bytes: params.streamBytes,
      rounds: params.streamRounds,
    });
  } catch (err) {
    res.problems.push(`encryptStream row: ${(err && err.message) || err}`);
  }
  res.runtime = { name: 'Deno', version: Deno.version.deno, v8: Deno.version.v8 };
  console.log(MARK + JSON.stringify(res));
}

/** Runs the Deno side; resolves to { rows, builds, problems, runtime }, { skipped: reason } (Deno not
 *  installed) or { failed: reason } (it is, but the run broke: bench/xts.mjs counts that as a problem). */
export async function runDenoRows(params, { timeoutMs = 240_000, echo = true } = {}) {
  const { existsSync } = await import('node:fs');
  const { join, dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const { runChild } = await import('./lib/child-rows.mjs');
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const deno = join(root, 'node_modules', '.bin', 'deno');
  if (!existsSync(deno)) return { skipped: 'Deno not installed (devDependency "deno")' };
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  const args = ['run', '--no-prompt', '--no-lock', '-R', 'bench/run-deno.mjs', '--child', JSON.stringify(params)];
  return runChild(deno, args, { cwd: root, env, timeoutMs, echo, name: 'Deno' });
}

if (typeof Deno !== 'undefined') {
  const i = Deno.args.indexOf('--child');
  if (i < 0) {
    console.error('run-deno.mjs runs under Node: `node bench/run-deno.mjs` (it starts Deno itself)');
    Deno.exit(2);
  }
  await child(Deno.args[i + 1]);
} else {
  const { pathToFileURL } = await import('node:url');
  if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    const { engineRowsParams } = await import('./lib/reference.mjs');
    const { formatEngineRows } = await import('./lib/engine-rows.mjs');
    const quick = process.argv.includes('--quick');
    const res = await runDenoRows(engineRowsParams({ quick }));
    if (res.skipped || res.failed) {
      console.log(`deno: ${res.skipped ? 'skipped' : 'FAILED'} — ${res.skipped || res.failed}`);
      process.exitCode = res.skipped ? 3 : 1;
    } else {
      console.log(formatEngineRows(res, `Deno ${res.runtime.version}`));
      console.log((await import('./lib/stream-rows.mjs')).formatStreamRow(res.stream, `Deno ${res.runtime.version}`));
      process.exitCode = res.problems.length ? 1 : 0;
    }
  }
}
