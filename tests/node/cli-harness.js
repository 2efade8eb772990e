// Shared by the tests/node/cli-*.test.js files: runs the built CLI (bin/atrest.js) as a child
// process with its own temporary ATREST_HOME and a root key, and collects exit code, stdout and
// stderr. Not a test file itself (no .test.js suffix).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'atrest.js');
export const ROOT_KEY = 'a1'.repeat(32);

/** A fresh directory for one test group: `home` is the key store, `dir` holds files. */
export async function makeSandbox(prefix = 'atrest-cli-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const home = join(dir, 'home');
  const env = { ATREST_HOME: home, ATREST_ROOT_KEY: ROOT_KEY };
  return {
    dir,
    home,
    env,
    path: (name) => join(dir, name),
    /** Runs `atrest ...args`; options.env replaces variables (undefined deletes one). */
    run: (args, options = {}) =>
      runProcess(process.execPath, [BIN, ...args], {
        ...options,
        env: { ...env, ...options.env },
        cwd: options.cwd ?? dir,
      }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs a program; resolves { code, stdout, stderr } (never rejects on a non-zero exit). */
export function runProcess(command, args, { env = {}, cwd = ROOT, input } = {}) {
  const merged = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  // The parent's own settings must not leak into the child's key store choice.
  for (const k of ['ATREST_HOME', 'ATREST_ROOT_KEY', 'ATREST_PASSPHRASE']) if (!(k in env)) delete merged[k];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: merged, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A child that exits without reading stdin (sh, a usage error) closes the pipe: not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** `atrest --json …` parsed; fails the test with the CLI's stderr when it did not exit 0. */
export async function runJson(sandbox, args, options) {
  const r = await sandbox.run([...args, '--json'], options);
  if (r.code !== 0) throw new Error(`atrest ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The JSON documents of a `--json` output that prints one per line (`atrest sql --json`). */
export function jsonLines(text) {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** The one-line, stack-free failure message every failing command must print. */
export function assertCleanFailure(assert, r, code, pattern) {
  assert.is(r.code, code, `exit code ${r.code} (expected ${code}); stderr: ${r.stderr}`);
  assert.ok(pattern.test(r.stderr), `stderr should match ${pattern}: ${r.stderr}`);
  assert.not.ok(/\n\s+at /.test(r.stderr), `no stack trace: ${r.stderr}`);
}

/** Whether a tool a test needs (`strace`, util-linux `script`, the deno binary: a command name or
 *  a path) is here. Under CI (CI=true) a missing tool fails the test that needs it, naming it:
 *  .ci/run installs every one, so a skip there would be a false green. Elsewhere the test says
 *  what it did not check. */
export async function hasTool(tool, what) {
  const found = tool.includes('/')
    ? (await runProcess('test', ['-x', tool])).code === 0
    : (await runProcess('sh', ['-c', `command -v ${tool}`])).code === 0;
  if (found) return true;
  if (process.env.CI === 'true')
    throw new Error(`${tool} is not installed, and CI must check ${what} (.ci/run installs it)`);
  console.log(`  (not checked here: ${what} — ${tool} is not installed; CI checks it)`);
  return false;
}
