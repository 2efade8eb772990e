#!/usr/bin/env node
// Runs every portable test file (tests/*.test.js), every file-system test file shared with Deno
// (tests/fs/*.test.js) and every Node-only test file (tests/node/*.test.js) under Node with uvu,
// in this process, and prints
//
//   node: N passed, N failed
//
// as its last line. Exit status is non-zero when any test failed, when zero tests ran, when a
// test file threw while being imported, when a file registered no tests, on an unhandled
// rejection / uncaught exception, or on timeout (ATREST_TEST_TIMEOUT_MS, default 300000).
//
// Counting does not parse uvu's text. uvu is put in "deferred" mode (as its own CLI does), each
// file is imported into its own uvu queue group, and every queued suite runner is wrapped so its
// return value [errors, ran, skipped, total] is added up here: passed += ran,
// failed += total - ran. That also catches a suite whose `before` hook threw, which uvu itself
// reports as "0 / N" but with exit code 0.
//
// `runUvuFiles` below is shared: tests/run-deno.mjs imports it inside Deno, and
// tests/run-chromium.mjs inlines its source (Function#toString) into the browser bundle. It must
// therefore stay self-contained: no references to anything outside its own body.

import { readdirSync, existsSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Import the given test modules into uvu's deferred queue, run them, and count.
 * @param {{name: string, url: string}[]} files
 * @param {{result?: object, bail?: boolean}} [opts]  `result` is filled in as tests run (so a
 *   timeout or early exit can still report partial counts).
 * @returns {Promise<{passed: number, failed: number, skipped: number, problems: string[],
 *   files: {name: string, passed: number, failed: number, skipped: number, error: string|null}[]}>}
 */
export async function runUvuFiles(files, opts = {}) {
  const res = opts.result || {};
  Object.assign(res, { passed: 0, failed: 0, skipped: 0, problems: [], files: [] });
  const fmt = (e) => (e && (e.stack || e.message)) || String(e);

  // Must be set before uvu's module is first evaluated: it stops uvu from running on its own.
  globalThis.UVU_DEFER = 1;
  const uvu = await import('uvu');
  const Q = globalThis.UVU_QUEUE;
  if (!Array.isArray(Q)) throw new Error('uvu did not create globalThis.UVU_QUEUE (unsupported uvu version?)');

  const groups = [];
  for (const f of files) {
    const rec = { name: f.name, passed: 0, failed: 0, skipped: 0, error: null };
    res.files.push(rec);
    const idx = Q.length;
    Q.push([f.name]);
    globalThis.UVU_INDEX = idx;
    try {
      await import(f.url);
    } catch (err) {
      rec.error = fmt(err);
      rec.failed += 1;
      res.failed += 1;
      res.problems.push(`${f.name}: crashed while importing:\n${rec.error}`);
      Q[idx].length = 1; // do not run the suites of a file that did not load completely
    }
    groups.push([idx, rec]);
  }
  globalThis.UVU_INDEX = 0;

  for (const [idx, rec] of groups) {
    const group = Q[idx];
    for (let j = 1; j < group.length; j++) {
      const run = group[j];
      group[j] = async () => {
        let out;
        try {
          out = await run();
        } catch (err) {
          // e.g. an `after` hook threw: uvu would abort the whole run.
          rec.failed += 1;
          res.failed += 1;
          const msg = `${rec.name}: a suite threw outside its tests:\n${fmt(err)}`;
          res.problems.push(msg);
          return [msg, 0, 0, 1];
        }
        const [errs, ran, skipped, total] = out;
        rec.passed += ran;
        rec.failed += total - ran;
        rec.skipped += skipped;
        res.passed += ran;
        res.failed += total - ran;
        res.skipped += skipped;
        if (errs === true && total > ran) {
          res.problems.push(`${rec.name}: ${total - ran} test(s) did not run (a before hook threw?)`);
        }
        return out;
      };
    }
  }

  try {
    await uvu.exec(opts.bail);
  } catch (err) {
    res.failed += 1;
    res.problems.push(`uvu exec threw:\n${fmt(err)}`);
  }

  for (const rec of res.files) {
    if (!rec.error && rec.passed + rec.failed + rec.skipped === 0) {
      rec.failed += 1;
      res.failed += 1;
      res.problems.push(`${rec.name}: registered no tests (empty file, or a suite without .run()?)`);
    }
  }
  return res;
}

/** Test files of one directory, sorted, as {name, url}. */
export function listTestFiles(root, dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isFile() && /\.test\.m?js$/.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((n) => ({ name: relative(root, join(abs, n)), url: pathToFileURL(join(abs, n)).href }));
}

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function main() {
  const started = Date.now();
  console.log(`[run-node] Node ${process.version} (${process.execPath})`);
  const timeoutMs = Number(process.env.ATREST_TEST_TIMEOUT_MS) || 300_000;
  const files = [
    ...listTestFiles(ROOT, 'tests'),
    ...listTestFiles(ROOT, join('tests', 'fs')),
    ...listTestFiles(ROOT, join('tests', 'node')),
  ];
  const result = { passed: 0, failed: 0, skipped: 0, problems: [], files: [] };
  const extra = [];
  let finished = false;

  // tests/run-node24.mjs runs this file under another Node and names its summary line.
  const label = /^node\d*$/.test(process.env.ATREST_NODE_LABEL ?? '') ? process.env.ATREST_NODE_LABEL : 'node';
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
    console.log(`\n[run-node] timed out after ${timeoutMs} ms`);
    process.on('exit', () => console.log(line(1))); // after uvu's "Exiting early" message
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
  if (problems.length) console.log('\n[run-node] problems:\n' + problems.map((p) => '  - ' + p.replace(/\n/g, '\n    ')).join('\n'));
  if (result.skipped) console.log(`[run-node] ${result.skipped} test(s) skipped`);
  const total = result.passed + result.failed + extra.length;
  if (total === 0) console.log('[run-node] zero tests ran');
  console.log(`[run-node] ${files.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(line());
  process.exitCode = result.failed + extra.length > 0 || result.passed === 0 ? 1 : 0;
}

function invokedDirectly() {
  if (typeof Deno !== 'undefined' || typeof process === 'undefined' || !process.argv?.[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  await main();
}
