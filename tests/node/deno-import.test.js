// Node only: the two ways the README tells Deno users to import atrest, each run in a real Deno
// (node_modules/.bin/deno, from the npm package `deno`), with no network and no warm cache.
//
// 1. From a local checkout: a Deno project outside the checkout imports
//    `<checkout>/dist/index.js` by path, with no deno.json: dist/ is bundled (@noble/hashes
//    inside), so it has no bare specifier to map (a script inside the checkout; also tested).
// 2. `import { createEngine } from "npm:atrest"`: what `npm install atrest` produces, made
//    offline. `npm pack` packs this repository (dist/ as built) and its runtime dependencies,
//    @noble/hashes and hash-wasm (atrest/luks), from node_modules; `npm install --offline`
//    installs the tarballs into a
//    temporary project with an empty npm cache; Deno (which reads package.json and uses
//    node_modules when it is there) resolves `npm:atrest` from it, with --cached-only, a fresh
//    DENO_DIR and NPM_CONFIG_REGISTRY pointing at a closed port, so any registry access fails.
//
// Each Deno script prints one JSON line: which engine ran, an XTS-AES-256 ciphertext of fixed
// inputs (compared here with the same call in Node), and an envelope stream round trip.
// When Deno is not installed, only the package-contents test runs (and says why).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../dist/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DENO = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'deno.cmd' : 'deno');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const CLOSED_REGISTRY = 'http://127.0.0.1:9/'; // discard port: nothing listens, a request fails at once

/** The Deno program both import styles run; `SPECIFIER` is replaced by the import to test. */
const PROGRAM = `
import { createEngine, LocalKms, encryptStream, decryptStream } from 'SPECIFIER';

const engine = await createEngine();
const key = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
const plaintext = Uint8Array.from({ length: 4096 * 3 + 100 }, (_, i) => (i * 7) & 255);
const xts = engine.xts(key, { sectorSize: 4096 });
const ciphertext = xts.encrypt(plaintext, 42);
xts.dispose();

const kms = new LocalKms().as('arn:aws:iam::111122223333:role/deno');
const collect = (stream) => new Response(stream).arrayBuffer().then((b) => new Uint8Array(b));
const sealed = await collect(new Blob([plaintext]).stream().pipeThrough(encryptStream({ kms })));
const opened = await collect(new Blob([sealed]).stream().pipeThrough(decryptStream({ kms })));

console.log(JSON.stringify({
  runtime: typeof Deno === 'undefined' ? 'not deno' : 'deno ' + Deno.version.deno,
  simd: engine.simd,
  ciphertext: Array.from(ciphertext, (b) => b.toString(16).padStart(2, '0')).join(''),
  streamRoundTrip: opened.length === plaintext.length && opened.every((b, i) => b === plaintext[i]),
}));
`;

/** The child environment: no npm_* variables inherited from `npm test`, and no colour. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...extra };
}

function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...options });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function runDeno(dir, file, denoArgs = []) {
  const out = run(DENO, ['run', '--cached-only', '-R', ...denoArgs, file], {
    cwd: dir,
    env: cleanEnv({ DENO_DIR: join(dir, '.deno-dir'), NPM_CONFIG_REGISTRY: CLOSED_REGISTRY }),
  });
  const line = out.trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`deno printed no result line:\n${out}`);
  }
}

/** What Node's engine gives for the program's XTS call: the Deno results must equal it. */
async function expectedCiphertext() {
  const engine = await createEngine();
  const key = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
  const plaintext = Uint8Array.from({ length: 4096 * 3 + 100 }, (_, i) => (i * 7) & 255);
  return Buffer.from(engine.xts(key, { sectorSize: 4096 }).encrypt(plaintext, 42)).toString('hex');
}

function checkResult(result, expected) {
  assert.match(result.runtime, /^deno \d/);
  assert.type(result.simd, 'boolean');
  assert.is(result.ciphertext, expected, 'Deno and Node give different XTS ciphertexts');
  assert.ok(result.streamRoundTrip, 'the envelope stream round trip failed in Deno');
}

const temporary = [];
function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

// ---------------------------------------------------------------- the npm package

const pack = suite('npm package contents');

pack('the package holds what Deno and browsers load: dist/index.js, the global bundle, the pool worker', () => {
  const [info] = JSON.parse(
    run(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, env: cleanEnv() }),
  );
  const files = new Set(info.files.map((f) => f.path));
  for (const path of [
    'package.json',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/atrest.global.js',
    'dist/engine/pool-worker.js',
  ]) {
    assert.ok(files.has(path), `${path} is not in the npm package`);
  }
  assert.not.ok(
    [...files].some((f) => f.startsWith('src/') || f.startsWith('tests/')),
    'sources or tests leak into the package',
  );
});

pack(
  'packaging (issue 12 item 24): LICENSE and docs/FORMAT.md are in it, no install-time scripts, a small .d.ts, a lockfile npm install leaves alone',
  () => {
    const [info] = JSON.parse(
      run(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, env: cleanEnv() }),
    );
    const files = new Map(info.files.map((f) => [f.path, f]));
    for (const path of ['LICENSE', 'docs/FORMAT.md', 'README.md'])
      assert.ok(files.has(path), `${path} is not in the npm package`);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.is(manifest.license, 'MIT');
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
    // npm lists a package with any of these as one with install scripts and warns whoever installs it.
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) {
      assert.is(manifest.scripts[script], undefined, `package.json has a "${script}" script`);
    }
    // tsc writes the literal type of a const into the .d.ts: the wasm's base64 must not end up there.
    const declarations = [...files.values()].filter((f) => f.path.endsWith('.d.ts'));
    assert.ok(declarations.length > 0, 'no .d.ts in the package');
    for (const f of declarations) assert.ok(f.size < 32 * 1024, `${f.path} is ${f.size} bytes`);
    // `npm install` must not rewrite package-lock.json (a copy is used: the checkout stays untouched).
    const copy = tempDir('atrest-lockfile-');
    for (const name of ['package.json', 'package-lock.json'])
      writeFileSync(join(copy, name), readFileSync(join(ROOT, name)));
    run(NPM, ['install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: copy,
      env: cleanEnv(),
    });
    assert.is(
      readFileSync(join(copy, 'package-lock.json'), 'utf8'),
      readFileSync(join(ROOT, 'package-lock.json'), 'utf8'),
      'npm install changed package-lock.json',
    );
  },
);

pack.run();

// ---------------------------------------------------------------- Deno

const deno = suite('Deno imports');
let expected;

deno.before(async () => {
  expected = await expectedCiphertext();
});

deno.after(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

deno('import from a local checkout by path, with no import map (dist/ has no bare specifiers)', () => {
  const app = tempDir('atrest-deno-checkout-');
  const checkout = pathToFileURL(ROOT).href.replace(/\/?$/, '/');
  writeFileSync(join(app, 'main.js'), PROGRAM.replace('SPECIFIER', `${checkout}dist/index.js`));
  checkResult(runDeno(app, 'main.js'), expected);
});

deno('a script inside the checkout imports ./dist/index.js with no configuration', () => {
  // The script is written next to dist/ and removed at once.
  const script = join(ROOT, `.deno-import-check-${process.pid}.js`);
  writeFileSync(script, PROGRAM.replace('SPECIFIER', './dist/index.js'));
  try {
    checkResult(runDeno(tempDir('atrest-deno-cwd-'), script), expected);
  } finally {
    rmSync(script, { force: true });
  }
});

deno('import { createEngine } from "npm:atrest", installed offline from packed tarballs', () => {
  const work = tempDir('atrest-deno-npm-');
  const packed = join(work, 'packed');
  const app = join(work, 'app');
  mkdirSync(packed);
  mkdirSync(app);
  for (const source of [
    ROOT,
    join(ROOT, 'node_modules', '@noble', 'hashes'),
    join(ROOT, 'node_modules', 'hash-wasm'),
  ]) {
    // --ignore-scripts: dist/ is already built; packing must not rebuild it under other tests.
    run(NPM, ['pack', source, '--ignore-scripts', '--pack-destination', packed], { cwd: work, env: cleanEnv() });
  }
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'deno-uses-atrest', private: true, type: 'module' }, null, 2),
  );
  const tarballs = readdirSync(packed).map((f) => join(packed, f));
  assert.is(tarballs.length, 3, `npm pack made ${tarballs.join(', ')}`);
  run(
    NPM,
    [
      'install',
      '--offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--cache',
      join(work, 'empty-npm-cache'),
      '--registry',
      CLOSED_REGISTRY,
      ...tarballs,
    ],
    {
      cwd: app,
      env: cleanEnv(),
    },
  );
  assert.ok(existsSync(join(app, 'node_modules', 'atrest', 'dist', 'index.js')), 'npm install did not install atrest');

  writeFileSync(join(app, 'main.js'), PROGRAM.replace('SPECIFIER', 'npm:atrest'));
  checkResult(runDeno(app, 'main.js'), expected);
});

if (existsSync(DENO)) {
  deno.run();
} else {
  console.log(`[deno-import] ${DENO} not found (npm install installs the npm package deno): the Deno suite is not run`);
}
