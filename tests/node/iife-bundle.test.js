// Node only: dist/atrest.global.js, the classic-script bundle (global `atrest`) that
// scripts/build.mjs makes with esbuild from the ESM build.
// - It defines exactly one thing, `atrest`, with the same export names as dist/index.js.
// - Its XTS-AES-256 matches OpenSSL (node:crypto) and round-trips; its envelope streams
//   round-trip through a LocalKms; its errors keep their names although the bundle is minified
//   (the envelope errors take `name` from `new.target.name`).
// - createPool in the bundle, which has no module URL, falls back to the calling thread.
//
// The bundle runs in this realm (vm.runInThisContext), not a fresh vm context: a fresh context
// has its own Uint8Array, and Node's TextEncoder and crypto would hand it foreign ones. The
// bundle is wrapped in a function so its top-level `var atrest` stays local. A real <script> tag
// in Chromium is exercised by tests/node/browser-page.test.js.
import crypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import vm from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const BUNDLE = new URL('../../dist/atrest.global.js', import.meta.url);
const test = suite('iife bundle');

/** Runs `evaluate`; an error thrown inside the minified bundle is rethrown without Node's
 *  decoration, which would print the bundle's one 200 KiB line into the test report. */
function quietly(evaluate) {
  try {
    return evaluate();
  } catch (err) {
    throw new Error(`evaluating dist/atrest.global.js threw ${err?.name}: ${err?.message}`);
  }
}

/** Evaluates the bundle as a script and returns what it assigned to its global name. */
function loadBundle() {
  const source = readFileSync(BUNDLE, 'utf8');
  const wrapped = `(function () {\n${source}\n;return { atrest: typeof atrest === 'undefined' ? undefined : atrest };\n})()`;
  return quietly(() => vm.runInThisContext(wrapped, { filename: 'atrest.global.js' }).atrest);
}

/** The bundle's top-level declarations (a classic script's `var`s become globals), found by
 *  running it in a context holding only the language built-ins and TextEncoder/TextDecoder:
 *  loading must need nothing else (no process, no require, no document, no crypto). */
function topLevelNames() {
  const context = vm.createContext({ TextEncoder, TextDecoder });
  const before = new Set(Object.getOwnPropertyNames(vm.runInContext('globalThis', context)));
  quietly(() => vm.runInContext(readFileSync(BUNDLE, 'utf8'), context, { filename: 'atrest.global.js' }));
  return Object.getOwnPropertyNames(vm.runInContext('globalThis', context)).filter((n) => !before.has(n));
}

test('dist/atrest.global.js exists (npm run build makes it) and carries the @noble/hashes notice', () => {
  assert.ok(existsSync(BUNDLE), 'dist/atrest.global.js is missing: run `npm run build`');
  assert.match(
    readFileSync(BUNDLE, 'utf8').slice(0, 300),
    /^\/\*! atrest, MIT License\. Includes @noble\/hashes, MIT License, Copyright/,
  );
});

test('loads with no host globals but TextEncoder/TextDecoder, and declares only `atrest`', () => {
  assert.equal(topLevelNames(), ['atrest']);
});

test('exposes the same export names as the ESM root (dist/index.js)', async () => {
  const esm = await import('../../dist/index.js');
  const iife = loadBundle();
  assert.type(iife, 'object');
  assert.equal(Object.keys(iife).sort(), Object.keys(esm).sort());
  for (const name of [
    'createEngine',
    'LocalKms',
    'IndexedDbKeystore',
    'MemoryBlockStore',
    'OpfsBlockStore',
    'createPool',
    'Volume',
    'encryptStream',
    'decryptStream',
  ]) {
    assert.ok(name in iife, `atrest.${name} is missing`);
  }
  for (const [name, value] of Object.entries(esm)) {
    assert.is(typeof iife[name], typeof value, `atrest.${name}: ${typeof iife[name]}, ESM: ${typeof value}`);
  }
});

test('imports no node: module: no static import, require or literal import() of node:* (sanity: one nodeImport)', () => {
  const source = readFileSync(BUNDLE, 'utf8');
  for (const [what, re] of [
    ['static import', /\b(?:import|export)\b[^;()]*?\bfrom\s*["'`]node:/],
    ['require', /\brequire\s*\(\s*["'`]node:/],
    // runtime.ts's nodeImport builds its specifier at run time ('node:' + name): not this
    ['literal import()', /\bimport\s*\(\s*(["'`])node:[^"'`]*\1\s*\)/],
  ]) {
    assert.not.ok(re.test(source), `the bundle has a ${what} of a node: module`);
  }
  // the one computed import the runtime module makes, so the checks above look at the right text
  assert.match(source, /import\("node:"\+\w+\)/);
});

test("the bundle's backend 'native' works from a classic script (process.getBuiltinModule, no import) and equals OpenSSL", async () => {
  const { createEngine } = loadBundle();
  const engine = await createEngine({ backend: 'native' });
  assert.is(engine.backend, 'native');
  const key = crypto.randomBytes(64);
  const data = crypto.randomBytes(2 * 4096);
  const x = engine.xts(new Uint8Array(key), { sectorSize: 4096 });
  assert.is(x.backend, 'native');
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64LE(77n);
  const c = crypto.createCipheriv('aes-256-xts', key, iv);
  const expected = Buffer.concat([c.update(data.subarray(0, 4096)), c.final()]);
  const got = x.encrypt(data, 77);
  assert.ok(expected.equals(got.subarray(0, 4096)), 'sector 77 differs from OpenSSL');
  assert.equal(x.decrypt(got, 77), new Uint8Array(data));
  x.dispose();
});

test('XTS-AES-256 equals OpenSSL and round-trips', async () => {
  const { createEngine } = loadBundle();
  const engine = await createEngine();
  const key = crypto.randomBytes(64);
  const sectorSize = 4096;
  const firstSector = 1000;
  const sectors = 5;
  const plaintext = new Uint8Array(crypto.randomBytes(sectorSize * sectors));
  const xts = engine.xts(new Uint8Array(key), { sectorSize });
  const ciphertext = xts.encrypt(plaintext, firstSector);

  for (let s = 0; s < sectors; s++) {
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64LE(BigInt(firstSector + s));
    const cipher = crypto.createCipheriv('aes-256-xts', key, iv);
    const expected = Buffer.concat([
      cipher.update(plaintext.subarray(s * sectorSize, (s + 1) * sectorSize)),
      cipher.final(),
    ]);
    assert.ok(
      expected.equals(ciphertext.subarray(s * sectorSize, (s + 1) * sectorSize)),
      `sector ${firstSector + s} differs from OpenSSL`,
    );
  }
  assert.equal(xts.decrypt(ciphertext, firstSector), plaintext);
  xts.dispose();
});

test('encryptStream / decryptStream round-trip through a LocalKms; error names survive minifying', async () => {
  const { LocalKms, encryptStream, decryptStream } = loadBundle();
  const kms = new LocalKms().as('arn:aws:iam::111122223333:role/app');
  const plaintext = new Uint8Array(crypto.randomBytes(100_000));
  const collect = (stream) => new Response(stream).arrayBuffer().then((b) => new Uint8Array(b));

  const encrypted = await collect(
    new Blob([plaintext]).stream().pipeThrough(encryptStream({ kms, encryptionContext: { test: 'iife' } })),
  );
  assert.ok(encrypted.length > plaintext.length);
  const decrypted = await collect(new Blob([encrypted]).stream().pipeThrough(decryptStream({ kms })));
  assert.equal(decrypted, plaintext);

  try {
    await collect(new Blob([new Uint8Array(40_000)]).stream().pipeThrough(decryptStream({ kms })));
    assert.unreachable('decrypting zeros succeeded');
  } catch (err) {
    assert.is(err.name, 'NotAtrestVolumeError', `got ${err.name}: ${err.message}`);
  }
});

test('createPool without workerUrl runs in the calling thread (no module URL in a classic script)', async () => {
  const { createPool, createEngine } = loadBundle();
  const pool = await createPool({ workers: 2 });
  try {
    assert.is(pool.workers, 0);
    const key = new Uint8Array(crypto.randomBytes(64));
    const data = new Uint8Array(crypto.randomBytes(3 << 20));
    const xts = await pool.xts(key, { sectorSize: 4096 });
    const viaPool = await xts.encrypt(data, 7);
    assert.equal(viaPool, (await createEngine()).xts(key, { sectorSize: 4096 }).encrypt(data, 7));
  } finally {
    await pool.close();
  }
});

test.run();
