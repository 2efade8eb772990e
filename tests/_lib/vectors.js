// loadVectors(name): the parsed JSON of tests/vectors/<name>, in Node, Deno and browsers.
//
// - Node / Deno: the file is read relative to this module's URL (tests/_lib/../vectors/).
// - Browser: fetched over http. The base is `globalThis.ATREST_VECTORS_BASE` when the page sets
//   it (tests/run-chromium.mjs does, because the test files are bundled and this module's
//   import.meta.url is then the bundle's), else ../vectors/ relative to this module's URL
//   (right when the tests are served unbundled with the repository layout).

import { runtimeName } from './hex.js';

const cache = new Map();

function checkName(name) {
  if (
    typeof name !== 'string' ||
    !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(name) ||
    name.split('/').includes('..')
  ) {
    throw new TypeError(`loadVectors: bad vector file name ${JSON.stringify(name)}`);
  }
}

function parse(name, text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`loadVectors: tests/vectors/${name} is not valid JSON: ${err.message}`);
  }
}

async function readText(name) {
  const rt = runtimeName();
  if (rt === 'deno') {
    return Deno.readTextFile(new URL(`../vectors/${name}`, import.meta.url));
  }
  if (rt === 'node') {
    const { readFile } = await import('node:fs/promises');
    return readFile(new URL(`../vectors/${name}`, import.meta.url), 'utf8');
  }
  const base = globalThis.ATREST_VECTORS_BASE
    ? new URL(globalThis.ATREST_VECTORS_BASE, globalThis.location?.href)
    : new URL('../vectors/', import.meta.url);
  const url = new URL(name, base);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`loadVectors: GET ${url} -> ${res.status} ${res.statusText}`);
  return res.text();
}

/**
 * @param {string} name file name inside tests/vectors/, e.g. 'xts-ieee1619.json'
 * @returns {Promise<any>} the parsed JSON (a fresh deep copy on every call)
 */
export async function loadVectors(name) {
  checkName(name);
  if (!cache.has(name)) {
    const p = readText(name);
    cache.set(name, p);
    p.catch(() => cache.delete(name));
  }
  return parse(name, await cache.get(name));
}
