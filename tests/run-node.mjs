#!/usr/bin/env node
// Runs every portable test file (tests/*.test.js), every file-system test file shared with Deno
// (tests/fs/*.test.js) and every Node-only test file (tests/node/*.test.js) under Node with uvu,
// in this process — or only the files named as arguments (`node tests/run-node.mjs
// tests/gcm.test.js`) — and prints
//
//   node: N passed, N failed
//
// as its last line. Exit status is non-zero when any test failed, when zero tests ran, when a
// test file threw while being imported, when a file registered no tests, on an unhandled
// rejection / uncaught exception, or on timeout (ATREST_TEST_TIMEOUT_MS, default 600000: a whole suite on a loaded 2-core machine).
// Counting: tests/harness/uvu-counting.mjs, shared with the Deno and Chromium runners.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, selectTestFiles } from './harness/test-files.mjs';
import { runUvuFiles } from './harness/uvu-counting.mjs';

async function main() {
  const started = Date.now();
  console.log(`[run-node] Node ${process.version} (${process.execPath})`);
  const timeoutMs = Number(process.env.ATREST_TEST_TIMEOUT_MS) || 600_000;
  // tests/run-node24.mjs runs this file under another Node and names its summary line.
  const label = /^node\d*$/.test(process.env.ATREST_NODE_LABEL ?? '') ? process.env.ATREST_NODE_LABEL : 'node';
  let files;
  try {
    files = selectTestFiles(['tests', join('tests', 'fs'), join('tests', 'node')], process.argv.slice(2));
  } catch (err) {
    console.log(`[run-node] ${err.message}`);
    console.log(`${label}: 0 passed, 1 failed`);
    process.exitCode = 1;
    return;
  }
  const result = { passed: 0, failed: 0, skipped: 0, problems: [], files: [] };
  const extra = [];
  let finished = false;

  const line = (failedExtra = 0) =>
    `${label}: ${result.passed} passed, ${result.failed + extra.length + failedExtra} failed`;

  process.on('unhandledRejection', (err) => {
    extra.push(`unhandled rejection: ${(err && err.stack) || err}`);
    console.error(`\n[run-node] unhandled rejection: ${(err && err.stack) || err}`);
  });
  process.on('uncaughtException', (err) => {
    extra.push(`uncaught exception: ${(err && err.stack) || err}`);
    console.error(`\n[run-node] uncaught exception: ${(err && err.stack) || err}`);
  });
  // uvu registers its own 'exit' listener when first imported; load it now so ours runs after
  // it and the summary stays the last line.
  globalThis.UVU_DEFER = 1;
  await import('uvu');
  process.on('exit', (code) => {
    if (finished) return;
    // The event loop drained while a test was still awaiting something (or process.exit was
    // called from a test): report it instead of exiting silently.
    console.log(`\n[run-node] exited (code ${code}) before the tests finished`);
    console.log(line(1));
    process.exitCode = 1;
  });
  const watchdog = setTimeout(() => {
    finished = true;
    // uvu's own 'exit' listener would print "Exiting early…" after our line on some Node
    // versions (24): drop every exit listener, so the summary is the last line everywhere.
    process.removeAllListeners('exit');
    console.log(`\n[run-node] timed out after ${timeoutMs} ms (uvu: exiting before the tests finished)`);
    console.log(line(1));
    process.exit(1);
  }, timeoutMs);
  watchdog.unref();

  if (files.length === 0) {
    finished = true;
    console.log('[run-node] no test files in tests/, tests/fs/ or tests/node/');
    console.log(line());
    process.exitCode = 1;
    return;
  }
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.log('[run-node] warning: dist/index.js is missing (run `npm run build`)');
  }

  await runUvuFiles(files, { result });
  finished = true;
  clearTimeout(watchdog);

  const problems = [...result.problems, ...extra];
  if (problems.length)
    console.log('\n[run-node] problems:\n' + problems.map((p) => '  - ' + p.replace(/\n/g, '\n    ')).join('\n'));
  if (result.skipped) console.log(`[run-node] ${result.skipped} test(s) skipped`);
  const total = result.passed + result.failed + extra.length;
  if (total === 0) console.log('[run-node] zero tests ran');
  console.log(`[run-node] ${files.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(line());
  process.exitCode = result.failed + extra.length > 0 || result.passed === 0 ? 1 : 0;
}

await main();
