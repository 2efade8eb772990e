#!/usr/bin/env node
// The engine rows (atrest SIMD and no-SIMD, XTS-AES-256 encrypt/decrypt, 8 MiB as 4096-byte
// sectors) and the encryptStream row (bench/lib/stream-rows.mjs) in headless Chromium. `node bench/run-chromium.mjs [--quick]` prints a table;
// bench/xts.mjs imports runChromiumRows() and puts the result into its table, JSON and chart.
//
// Same approach as tests/run-chromium.mjs: esbuild bundles a page script (dist/, tinybench and
// bench/lib/engine-rows.mjs) in memory; a http server on 127.0.0.1 (port 0) serves the page and the
// bundle; /usr/bin/chromium runs headless through playwright-core. The page runs the suite and
// returns the result (and the table as text) through window.__benchResult. The page is served
// cross-origin isolated (COOP/COEP), which gives performance.now() its fine resolution.
// Every pageerror, console.error, failed request and http status >= 400 is reported. The Node
// side computes with OpenSSL the SHA-256 of the ciphertext the page must reproduce.

import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS } from '../scripts/chromium.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const PAGE_SCRIPT = `
import * as atrest from './dist/index.js';
import { Bench } from 'tinybench';
import { runEngineRows, formatEngineRows } from './bench/lib/engine-rows.mjs';
import { streamRows } from './bench/lib/stream-rows.mjs';
import { fromHex } from './bench/lib/measure.mjs';
const { createEngine } = atrest;
globalThis.__benchStarted = true;
try {
  const params = globalThis.ATREST_BENCH_PARAMS;
  const res = await runEngineRows({ ...params, createEngine, Bench, log: (s) => console.log('[chromium] ' + s) });
  try {
    const engine = await createEngine({ backend: 'wasm' });
    res.stream = await streamRows({ atrest, engine, key: fromHex(params.keyHex), bytes: params.streamBytes, rounds: params.streamRounds });
  } catch (err) {
    res.problems.push('encryptStream row: ' + ((err && err.message) || err));
  }
  res.runtime = { name: 'Chromium', userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated === true };
  res.table = formatEngineRows(res, 'Chromium');
  globalThis.__benchResult = res;
} catch (err) {
  globalThis.__benchResult = { error: String((err && err.stack) || err) };
}
`;

async function bundle() {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    absWorkingDir: ROOT,
    stdin: { contents: PAGE_SCRIPT, resolveDir: ROOT, sourcefile: 'bench-page.mjs', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: ['node:*'],
    logLevel: 'silent',
  });
  return r.outputFiles[0].contents;
}

function serve(js, params) {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>atrest bench</title>
<script>globalThis.ATREST_BENCH_PARAMS = ${JSON.stringify(params)};</script>
<script type="module" src="/bench.js"></script></head><body>atrest bench</body></html>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    const headers = {
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    };
    if (path === '/' || path === '/index.html')
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(html);
    else if (path === '/bench.js')
      res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    else if (path === '/favicon.ico') res.writeHead(204, headers).end();
    else res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found');
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok(server));
  });
}

/** Resolves to { rows, builds, problems, runtime, table }, { skipped: reason } (no Chromium) or
 *  { failed: reason } (the run broke: bench/xts.mjs counts that as a problem). */
export async function runChromiumRows(params, { timeoutMs = 240_000, echo = true } = {}) {
  if (!existsSync(CHROMIUM)) return { skipped: `Chromium not installed (${CHROMIUM})` };
  const problems = [];
  let browser;
  let server;
  let result = null;
  try {
    server = await serve(await bundle(), params);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    const version = browser.version();
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
      if (echo) console.log(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.stack || e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`http ${r.status()} for ${r.url()}`);
    });
    page.on('crash', () => problems.push('page crashed'));
    await page.goto(`http://127.0.0.1:${server.address().port}/`, { waitUntil: 'commit', timeout: 30_000 });
    await page.waitForFunction(() => globalThis.__benchResult !== undefined, null, {
      timeout: timeoutMs,
      polling: 200,
    });
    result = await page.evaluate(() => globalThis.__benchResult);
    if (result.error) throw new Error(`the page failed: ${result.error}`);
    result.runtime.name = 'Chromium';
    result.runtime.version = version;
    result.problems.push(...problems);
  } catch (err) {
    return {
      failed: `Chromium run failed: ${(err && err.message) || err}${problems.length ? ' — ' + problems.join(' | ') : ''}`,
    };
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) server.close();
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { engineRowsParams } = await import('./lib/reference.mjs');
  const { formatEngineRows } = await import('./lib/engine-rows.mjs');
  const res = await runChromiumRows(engineRowsParams({ quick: process.argv.includes('--quick') }));
  if (res.skipped || res.failed) {
    console.log(`chromium: ${res.skipped ? 'skipped' : 'FAILED'} — ${res.skipped || res.failed}`);
    process.exitCode = res.skipped ? 3 : 1;
  } else {
    console.log(formatEngineRows(res, `Chromium ${res.runtime.version}`));
    console.log((await import('./lib/stream-rows.mjs')).formatStreamRow(res.stream, `Chromium ${res.runtime.version}`));
    process.exitCode = res.problems.length ? 1 : 0;
  }
}
