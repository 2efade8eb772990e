#!/usr/bin/env node
// The engine rows (atrest SIMD and no-SIMD, XTS-AES-256 encrypt/decrypt, 8 MiB as 4096-byte
// sectors) in Deno. `node bench/run-deno.mjs [--quick]` prints a table; bench/xts.mjs imports
// runDenoRows() and puts the result into its table, JSON and chart.
//
// Same approach as tests/run-deno.mjs: this file, started in Node, starts itself in Deno
// (node_modules/.bin/deno, from the devDependency `deno`) with `--child <params>`; the Deno side
// imports dist/ and tinybench from node_modules (no network), runs bench/lib/engine-rows.mjs and
// ends with one line `@@ATREST-BENCH@@ {json}` that the Node side reads. Deno's node:crypto has
// no aes-256-xts, so the Node side computes with OpenSSL the SHA-256 of the ciphertext the Deno
// side must reproduce before it times anything.

const MARK = '@@ATREST-BENCH@@ ';

async function child(arg) {
  const params = JSON.parse(arg);
  const { createEngine } = await import('../dist/index.js');
  const { Bench } = await import('tinybench');
  const { runEngineRows } = await import('./lib/engine-rows.mjs');
  const res = await runEngineRows({ ...params, createEngine, Bench, log: (s) => console.log(`[deno] ${s}`) });
  res.runtime = { name: 'Deno', version: Deno.version.deno, v8: Deno.version.v8 };
  console.log(MARK + JSON.stringify(res));
}

/** Runs the Deno side; resolves to { rows, builds, problems, runtime } or { skipped: reason }. */
export async function runDenoRows(params, { timeoutMs = 240_000, echo = true } = {}) {
  const { spawn } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const { join, dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const { createInterface } = await import('node:readline');
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const deno = join(root, 'node_modules', '.bin', 'deno');
  if (!existsSync(deno)) return { skipped: 'Deno not installed (devDependency "deno")' };
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  const args = ['run', '--no-prompt', '--no-lock', '-R', 'bench/run-deno.mjs', '--child', JSON.stringify(params)];
  const proc = spawn(deno, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let result = null;
  const errs = [];
  createInterface({ input: proc.stdout, crlfDelay: Infinity }).on('line', (l) => {
    if (l.startsWith(MARK)) result = JSON.parse(l.slice(MARK.length));
    else if (echo) console.log(l);
  });
  createInterface({ input: proc.stderr, crlfDelay: Infinity }).on('line', (l) => {
    errs.push(l);
    if (echo) console.error(l);
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const code = await new Promise((ok) => {
    proc.on('error', (e) => {
      errs.push(e.message);
      ok(null);
    });
    proc.on('close', ok);
  });
  clearTimeout(timer);
  if (!result) return { skipped: `Deno run failed (exit ${code}): ${errs.slice(-5).join(' | ')}` };
  return result;
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
    if (res.skipped) {
      console.log(`deno: skipped — ${res.skipped}`);
      process.exitCode = 3;
    } else {
      console.log(formatEngineRows(res, `Deno ${res.runtime.version}`));
      process.exitCode = res.problems.length ? 1 : 0;
    }
  }
}
