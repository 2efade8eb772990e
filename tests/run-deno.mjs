#!/usr/bin/env node
// Runs the portable test files (tests/*.test.js) and the file-system test files shared with
// Node (tests/fs/*.test.js) under Deno and prints
//
//   deno: N passed, N failed
//
// as its last line; with file arguments (`node tests/run-deno.mjs tests/gcm.test.js`) only those.
// Deno comes from the npm package `deno` (node_modules/.bin/deno).
//
// Not `deno test`: uvu under `deno test` is a false green (0 passed | 0 failed, exit 0). Instead
// this file starts itself inside Deno (`deno run ... tests/run-deno.mjs --child <files>`); the
// child imports `runUvuFiles` from tests/harness/uvu-counting.mjs (the counting every runner
// shares: uvu's per-suite results, not its text), and ends its output with one line
//   @@ATREST-RESULT@@ {"passed":…,"failed":…,…}
// which the parent (running in Node) reads; every other line is passed through.
//
// Fails (exit 1) on a failed test, zero tests, a file that crashed on import or registered no
// tests, an unhandled rejection, a missing result line, a non-zero Deno exit, or a timeout
// (ATREST_TEST_TIMEOUT_MS, default 600000: a whole suite on a loaded 2-core machine). Exit 3 when Deno is not installed.
//
// Permissions: read everywhere (-R), environment (-E), and write only to a fresh temporary
// directory this runner makes and removes (-W=<dir>, passed to the tests as
// ATREST_TEST_TMPDIR): the file store tests create keystores there, and nothing can write
// anywhere else.

const MARK = '@@ATREST-RESULT@@ ';

async function child(args) {
  const { runUvuFiles } = await import('./harness/uvu-counting.mjs');
  const root = new URL('..', import.meta.url);
  const files = args.map((name) => ({ name, url: new URL(name, root).href }));
  const extra = [];
  globalThis.addEventListener('unhandledrejection', (e) => {
    e.preventDefault();
    const r = e.reason;
    extra.push(`unhandled rejection: ${(r && r.stack) || r}`);
    console.error(`\n[run-deno] unhandled rejection: ${(r && r.stack) || r}`);
  });
  globalThis.addEventListener('error', (e) => {
    e.preventDefault();
    const r = e.error;
    extra.push(`uncaught exception: ${(r && r.stack) || r}`);
    console.error(`\n[run-deno] uncaught exception: ${(r && r.stack) || r}`);
  });
  const res = await runUvuFiles(files);
  res.problems.push(...extra);
  res.failed += extra.length;
  res.deno = Deno.version.deno;
  console.log(
    '\n' +
      MARK +
      JSON.stringify({
        passed: res.passed,
        failed: res.failed,
        skipped: res.skipped,
        problems: res.problems,
        deno: res.deno,
      }),
  );
  Deno.exitCode = res.failed > 0 || res.passed === 0 ? 1 : 0;
}

async function parent() {
  const { spawn } = await import('node:child_process');
  const { existsSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createInterface } = await import('node:readline');
  const { ROOT, selectTestFiles } = await import('./harness/test-files.mjs');

  const started = Date.now();
  const timeoutMs = Number(process.env.ATREST_TEST_TIMEOUT_MS) || 600_000;
  const deno = join(ROOT, 'node_modules', '.bin', 'deno');
  if (!existsSync(deno)) {
    console.log('deno: not available (npm ci installs it: devDependency "deno")');
    process.exit(3);
  }
  let files;
  try {
    files = selectTestFiles(['tests', join('tests', 'fs')], process.argv.slice(2));
  } catch (err) {
    console.log(`[run-deno] ${err.message}`);
    console.log('deno: 0 passed, 1 failed');
    process.exit(1);
  }
  if (files.length === 0) {
    console.log('[run-deno] no test files in tests/');
    console.log('deno: 0 passed, 0 failed');
    process.exit(1);
  }

  const writable = mkdtempSync(join(tmpdir(), 'atrest-deno-'));
  const args = [
    'run',
    '--no-prompt', // a permission the tests lack is an error, never a question
    '--no-lock', // do not write deno.lock into the tree
    '-R', // read: modules, node_modules, tests/vectors
    '-E', // env: uvu's colour library reads NO_COLOR/FORCE_COLOR/TERM
    `-W=${writable}`, // write: only this run's temporary directory (file store tests)
    '--allow-net=127.0.0.1', // loopback only: tests/kms-aws-adapter.test.js serves and calls atrest/server
    '--allow-sys=osRelease', // the AWS SDK's user-agent string reads os.release()
    'tests/run-deno.mjs',
    '--child',
    ...files.map((f) => f.name),
  ];
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', ATREST_TEST_TMPDIR: writable };
  delete env.FORCE_COLOR;
  const proc = spawn(deno, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });

  let result = null;
  const rl = createInterface({ input: proc.stdout, crlfDelay: Infinity });
  rl.on('line', (l) => {
    if (l.startsWith(MARK)) {
      try {
        result = JSON.parse(l.slice(MARK.length));
      } catch (err) {
        console.log(`[run-deno] unreadable result line: ${l}`);
      }
    } else {
      console.log(l);
    }
  });
  proc.stderr.pipe(process.stderr);

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGKILL');
  }, timeoutMs);
  const [code, signal] = await new Promise((resolve) => {
    proc.on('error', (err) => {
      console.log(`[run-deno] could not start ${deno}: ${err.message}`);
      resolve([null, null]);
    });
    proc.on('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(timer);
  rmSync(writable, { recursive: true, force: true });

  let passed = result ? result.passed : 0;
  let failed = result ? result.failed : 0;
  const problems = result ? [...result.problems] : [];
  if (timedOut) problems.push(`timed out after ${timeoutMs} ms (killed)`);
  if (!result)
    problems.push(
      `Deno exited (code ${code}, signal ${signal}) without a result line: a crash before or while running the tests`,
    );
  else if (code !== 0 && failed === 0) problems.push(`Deno exited with code ${code} although no test failed`);
  if (problems.length > (result ? result.problems.length : 0)) failed += 1;
  if (problems.length)
    console.log('\n[run-deno] problems:\n' + problems.map((p) => '  - ' + p.replace(/\n/g, '\n    ')).join('\n'));
  if (result && result.skipped) console.log(`[run-deno] ${result.skipped} test(s) skipped`);
  if (passed + failed === 0) console.log('[run-deno] zero tests ran');
  console.log(
    `[run-deno] ${files.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s${result ? ` (deno ${result.deno})` : ''}`,
  );
  console.log(`deno: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

if (typeof Deno !== 'undefined') {
  const i = Deno.args.indexOf('--child');
  if (i < 0) {
    console.error('run-deno.mjs runs under Node: `node tests/run-deno.mjs` (it starts Deno itself)');
    Deno.exit(2);
  }
  try {
    await child(Deno.args.slice(i + 1));
  } catch (err) {
    console.error(`[run-deno] the Deno side crashed: ${(err && err.stack) || err}`);
    Deno.exit(1);
  }
} else {
  await parent();
}
