// The test runners themselves: each runtime's runner (tests/run-node.mjs, run-node24.mjs,
// run-deno.mjs, run-chromium.mjs) must turn every way a test file can go wrong into a failure —
// a failing assertion, a file that registers no tests, a crash while importing, a before hook
// that throws, an unhandled rejection, a hang — and a green run only into a green line. The
// fixtures are in tests/harness/fixtures (they run only when named). A runtime that is not
// installed (runner exit 3) fails this test when CI or ATREST_REQUIRE_RUNTIMES asks for it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name) => `tests/harness/fixtures/${name}.test.js`;
const MIXED = ['passing', 'failing', 'empty', 'import-crash', 'before-throws', 'unhandled-rejection'].map(fixture);
const required = new Set(
  (process.env.ATREST_REQUIRE_RUNTIMES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const mustHave = (runtime) => required.has(runtime) || process.env.CI === 'true' || runtime === 'node';

// This file itself runs under tests/run-node24.mjs too, which labels its runner through the
// environment: the runners started here must name themselves.
const childEnv = { ...process.env };
delete childEnv.ATREST_NODE_LABEL;

function runRunner(runtime, files, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`tests/run-${runtime}.mjs`, ...files], {
      cwd: ROOT,
      env: { ...childEnv, ATREST_TEST_TIMEOUT_MS: String(timeoutMs), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, last: out.trimEnd().split('\n').at(-1) }));
  });
}

for (const runtime of ['node', 'node24', 'deno', 'chromium']) {
  const test = suite(`test runner: ${runtime}`);
  let available = true;

  test('a green file gives a green line and exit 0', async () => {
    const r = await runRunner(runtime, [fixture('passing')]);
    if (r.code === 3 && !mustHave(runtime)) {
      available = false;
      console.log(`  (${runtime} is not installed here: its runner is not checked; CI requires it)`);
      return;
    }
    assert.is(r.last, `${runtime}: 2 passed, 0 failed`, r.out);
    assert.is(r.code, 0, r.out);
  });

  test('each broken file counts as a failure, and nothing of a crashed file runs', async () => {
    if (!available) return;
    const r = await runRunner(runtime, MIXED);
    // passing 2 + failing 1 + unhandled-rejection 1 pass; failing 1, empty 1, import-crash 1,
    // before-throws 2 (its two tests) and the unhandled rejection 1 fail.
    assert.is(r.last, `${runtime}: 4 passed, 6 failed`, r.out);
    assert.is(r.code, 1);
    assert.match(r.out, 'tests/harness/fixtures/import-crash.test.js: crashed while importing');
    assert.match(r.out, 'tests/harness/fixtures/empty.test.js: registered no tests');
    assert.match(r.out, 'tests/harness/fixtures/before-throws.test.js: 2 test(s) did not run');
    assert.match(
      r.out,
      runtime === 'chromium'
        ? 'pageerror: Error: fixture: nobody handles this'
        : 'unhandled rejection: Error: fixture: nobody handles this',
    );
  });

  test('a hanging test ends the run at the timeout, as a failure', async () => {
    if (!available) return;
    const r = await runRunner(runtime, [fixture('hang')], 3000);
    assert.is(r.last, `${runtime}: 0 passed, 1 failed`, r.out);
    assert.is(r.code, 1);
    assert.match(r.out, /timed out after 3000 ms/);
  });

  test('a file name that is not one of its test files is an error, not a green run of nothing', async () => {
    if (!available) return;
    const r = await runRunner(runtime, ['tests/no-such-file.test.js']);
    assert.is(r.last, `${runtime}: 0 passed, 1 failed`, r.out);
    assert.is(r.code, 1);
    assert.match(r.out, 'tests/no-such-file.test.js: not a test file this runner runs');
  });

  test.run();
}
