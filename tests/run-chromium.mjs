#!/usr/bin/env node
// Runs the portable test files (tests/*.test.js) in headless Chromium and prints
//
//   chromium: N passed, N failed
//
// as its last line; with file arguments (`node tests/run-chromium.mjs tests/gcm.test.js`) only
// those.
//
// 1. esbuild bundles each test file as its own ESM entry (platform browser, code splitting, so
//    uvu and dist/ are shared chunks and load once), plus the harness entry
//    tests/harness/browser-entry.mjs, which counts with the same tests/harness/uvu-counting.mjs
//    as the Node and Deno runners. Bundles stay in memory. Every tests/_workers/*.mjs is an entry
//    too (a dedicated worker's script, served at /bundle/tests/_workers/<name>.js): it imports
//    the package by name (`atrest`, `atrest/sqlite`), which esbuild resolves through package.json's
//    exports, as an application's bundler does.
// 2. A http server on 127.0.0.1 (port 0) serves the page, the bundles (/bundle/…), dist/ and
//    tests/vectors/, the SQLite build's dist/ as /sqlite-wasm/ (.wasm application/wasm, .js text/javascript, .json application/json),
//    and its sqlite3.wasm at /bundle/chunks/sqlite3.wasm too: beside the chunk that holds the
//    bundled build, where it looks for the file (`new URL('sqlite3.wasm', import.meta.url)`), as
//    an application copies it beside its bundle. The
//    page sets globalThis.ATREST_VECTORS_BASE = '/tests/vectors/' for tests/_lib/vectors.js.
//    A second server, atrest/server in memory on 127.0.0.1 with CORS for the page's origin, is
//    what tests/kms-aws-adapter.test.js calls through the browser build of @aws-sdk/client-kms;
//    its URL and access key go to the page as globalThis.ATREST_TEST_KMS.
// 3. /usr/bin/chromium runs headless through playwright-core. The harness imports the test
//    bundles one by one and counts uvu's per-suite results (not its console text); the counts come
//    back through window.__testResult. uvu's console output is echoed.
// 4. Failure: any failed test, zero tests, a file that crashed on import or registered no tests,
//    and also every pageerror, console.error, failed request, http status >= 400, page crash,
//    and timeout (ATREST_TEST_TIMEOUT_MS, default 600000: a whole suite on a loaded 2-core machine) counts as one failed test.
// Exit 0 = green, 1 = failed, 3 = Chromium not installed.

import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, selectTestFiles } from './harness/test-files.mjs';
import { CHROMIUM, CHROMIUM_ARGS, CONTENT_TYPES } from '../scripts/chromium.mjs';

const TIMEOUT_MS = Number(process.env.ATREST_TEST_TIMEOUT_MS) || 600_000;
const START_TIMEOUT_MS = 30_000;
const STATIC_DIRS = {
  '/dist/': join(ROOT, 'dist'),
  '/tests/vectors/': join(ROOT, 'tests', 'vectors'),
  // The SQLite build's wasm, which the atrest/sqlite tests pass to its init (tests/_lib/sqlite.js).
  '/sqlite-wasm/': join(ROOT, 'node_modules', '@sqlite.org', 'sqlite-wasm', 'dist'),
};

const WORKERS_DIR = join('tests', '_workers');
const SQLITE_WASM = join(ROOT, 'node_modules', '@sqlite.org', 'sqlite-wasm', 'dist', 'sqlite3.wasm');

/** The worker scripts the test files start (tests/_workers/*.mjs, as repository paths). */
function workerScripts() {
  const dir = join(ROOT, WORKERS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.mjs'))
    .sort()
    .map((n) => [WORKERS_DIR, n].join('/').split(sep).join('/'));
}

const useColor = process.stdout.isTTY && !('NO_COLOR' in process.env);
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const say = (s) => console.log(`[run-chromium] ${s}`);

async function bundle(files) {
  const esbuild = await import('esbuild');
  const entryPoints = { _harness: join(ROOT, 'tests', 'harness', 'browser-entry.mjs') };
  for (const f of files) entryPoints[f.name.replace(/\.m?js$/, '')] = join(ROOT, f.name);
  for (const w of workerScripts()) entryPoints[w.replace(/\.m?js$/, '')] = join(ROOT, w);
  const outdir = join(ROOT, '.chromium-bundle'); // virtual: write:false, nothing lands on disk
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outdir,
    write: false,
    external: ['node:*'],
    logLevel: 'silent',
  });
  for (const w of result.warnings)
    say(`esbuild warning: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}`);
  const out = new Map();
  for (const f of result.outputFiles) out.set('/bundle/' + relative(outdir, f.path).split(sep).join('/'), f.contents);
  return out;
}

// A test file that does not bundle (say it imports a name dist/ does not export) would fail the
// whole build: leave it out, count it as one crashed file, and run the others.
async function bundleIsolating(files, problems) {
  let ok = files;
  for (;;) {
    try {
      return { bundles: await bundle(ok), files: ok };
    } catch (err) {
      const errors = Array.isArray(err && err.errors) ? err.errors : [];
      const bad = new Set(errors.map((e) => e.location && e.location.file).filter((f) => ok.some((x) => x.name === f)));
      if (bad.size === 0) throw err;
      for (const name of bad) {
        const why = errors
          .filter((e) => e.location && e.location.file === name)
          .map((e) => `${name}:${e.location.line}:${e.location.column}: ${e.text}`)
          .join('\n');
        problems.push(`${name}: does not bundle for the browser (counted as a crashed file):\n${why}`);
      }
      ok = ok.filter((x) => !bad.has(x.name));
      if (ok.length === 0) return { bundles: new Map(), files: ok };
    }
  }
}

function page(files, kms) {
  const list = files.map((f) => ({ name: f.name, url: '/bundle/' + f.name.replace(/\.m?js$/, '.js') }));
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>atrest tests</title>
<script>
globalThis.ATREST_VECTORS_BASE = '/tests/vectors/';
// The bundle's import.meta.url is under /bundle/, not beside dist/engine/pool-worker.js.
globalThis.ATREST_POOL_WORKER_URL = '/dist/engine/pool-worker.js';
globalThis.ATREST_TEST_FILES = ${JSON.stringify(list)};
// atrest/server for tests/kms-aws-adapter.test.js (started by this runner, CORS for this page).
globalThis.ATREST_TEST_KMS = ${JSON.stringify(kms ?? null)};
</script>
<script type="module" src="/bundle/_harness.js"></script>
</head><body></body></html>`;
}

function serve(bundles, html) {
  const server = createServer((req, res) => {
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      return send(400, CONTENT_TYPES['.txt'], 'bad url');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, CONTENT_TYPES['.txt'], 'method not allowed');
    if (path === '/' || path === '/index.html')
      return send(200, CONTENT_TYPES['.html'], typeof html === 'function' ? html() : html);
    if (path === '/favicon.ico') return send(204, CONTENT_TYPES['.txt'], '');
    if (bundles.has(path)) return send(200, CONTENT_TYPES['.js'], bundles.get(path));
    if (path === '/bundle/chunks/sqlite3.wasm' && existsSync(SQLITE_WASM))
      return send(200, CONTENT_TYPES['.wasm'], readFileSync(SQLITE_WASM));
    for (const [prefix, dir] of Object.entries(STATIC_DIRS)) {
      if (!path.startsWith(prefix)) continue;
      const file = resolve(dir, '.' + path.slice(prefix.length - 1));
      if (!file.startsWith(dir + sep)) break;
      if (!existsSync(file) || !statSync(file).isFile()) break;
      return send(200, CONTENT_TYPES[extname(file)] || 'application/octet-stream', readFileSync(file));
    }
    send(404, CONTENT_TYPES['.txt'], 'not found');
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok(server));
  });
}

async function main() {
  const started = Date.now();
  if (!existsSync(CHROMIUM)) {
    console.log('chromium: not available (apt-get install --no-install-recommends chromium)');
    process.exit(3);
  }
  let files;
  try {
    files = selectTestFiles(['tests'], process.argv.slice(2));
  } catch (err) {
    say(err.message);
    console.log('chromium: 0 passed, 1 failed');
    process.exit(1);
  }
  if (files.length === 0) {
    say('no test files in tests/');
    console.log('chromium: 0 passed, 0 failed');
    process.exit(1);
  }

  const problems = [];
  let result = null;
  let browser;
  let server;
  let kmsServer;
  try {
    const { bundles, files: loadable } = await bundleIsolating(files, problems);
    if (loadable.length === 0) throw new Error('no test file could be bundled');
    let html = '';
    server = await serve(bundles, () => html);
    const origin = `http://127.0.0.1:${server.address().port}`;
    // The key server the adapter test calls from the page: in memory, loopback, this origin only.
    const { startKmsServer } = await import(pathToFileURL(join(ROOT, 'dist/kms/server/index.js')).href);
    const credential = {
      accessKeyId: 'AKIABROWSEREXAMPLE01',
      secretAccessKey: 'browser/test/secret',
      principal: 'arn:aws:iam::111122223333:root',
    };
    kmsServer = await startKmsServer({ port: 0, credentials: [credential], allowOrigins: [origin] });
    html = page(loadable, {
      url: kmsServer.url,
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
    });

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    const pg = await browser.newPage();
    pg.on('console', (msg) => {
      const text = useColor ? msg.text() : stripAnsi(msg.text());
      // Chromium logs every 4xx fetch; the key server's are the AWS errors the adapter test asks for.
      const fromKms =
        kmsServer !== undefined &&
        (msg.location()?.url ?? '').startsWith(kmsServer.url) &&
        /^Failed to load resource/.test(text);
      if (msg.type() === 'error' && fromKms) return;
      if (msg.type() === 'error') {
        problems.push(`console.error: ${text}`);
        console.error(text);
      } else if (/^(• |✘ | .* )$/.test(stripAnsi(text)) || /^\n|\n$/.test(text)) {
        process.stdout.write(text); // uvu writes fragments without newlines
      } else {
        process.stdout.write(text + '\n');
      }
    });
    pg.on('pageerror', (err) => problems.push(`pageerror: ${err.stack || err.message}`));
    pg.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
    pg.on('response', (r) => {
      // The key server answers AWS errors (4xx) on purpose; only the page server's count.
      if (r.status() >= 400 && !r.url().startsWith(kmsServer.url)) problems.push(`http ${r.status()} for ${r.url()}`);
    });
    pg.on('crash', () => problems.push('page crashed'));

    await pg.goto(origin + '/', { waitUntil: 'commit', timeout: START_TIMEOUT_MS });
    try {
      await pg.waitForFunction(() => globalThis.__testStarted === true, null, {
        timeout: START_TIMEOUT_MS,
        polling: 100,
      });
    } catch {
      throw new Error(`the test harness did not start within ${START_TIMEOUT_MS} ms`);
    }
    try {
      await pg.waitForFunction(() => globalThis.__testResult !== undefined, null, {
        timeout: Math.max(1000, TIMEOUT_MS - (Date.now() - started)),
        polling: 100,
      });
    } catch {
      throw new Error(`timed out after ${TIMEOUT_MS} ms waiting for the results`);
    }
    result = await pg.evaluate(() => globalThis.__testResult);
    await new Promise((r) => setTimeout(r, 50)); // let the last console events arrive
  } catch (err) {
    problems.push(`run-chromium: ${(err && err.message) || err}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) server.close();
    if (kmsServer) await kmsServer.close().catch(() => {});
  }

  const passed = result ? result.passed : 0;
  const failed = (result ? result.failed : 0) + problems.length;
  const all = [...(result ? result.problems : []), ...problems];
  if (all.length) say('problems:\n' + all.map((p) => '  - ' + p.replace(/\n/g, '\n    ')).join('\n'));
  if (result && result.skipped) say(`${result.skipped} test(s) skipped`);
  if (passed + failed === 0) say('zero tests ran');
  say(`${files.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`chromium: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

await main();
