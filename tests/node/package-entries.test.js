// The shape of the published JavaScript (scripts/esm-bundle.mjs), which start-up depends on:
// `import('atrest')` loads dist/index.js and dist/chunks/core.js and nothing else; the CLI's
// `--version` path loads no part of the core; every subpath and the CLI share the core's one
// copy of each class; no file in dist/ imports a bare specifier except the optional AWS SDK peer
// (so Deno and browsers need no import map); every export in package.json resolves, by path and
// by the package's own name, with its .d.ts beside it. Node only (reads dist/ with node:fs).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import { importGraph, specifiers } from './module-graph.js';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** The files an import of `entry` loads before it resolves: its static import closure in dist/. */
const staticClosure = (entry) =>
  importGraph(entry)
    .files.map((f) => relative(DIST, f))
    .sort();

const jsFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.js'))
    .map((d) => join(d.parentPath ?? d.path, d.name));

test("import('atrest') loads two files: dist/index.js and dist/chunks/core.js", () => {
  assert.equal(staticClosure(join(DIST, 'index.js')), ['chunks/core.js', 'index.js']);
});

test('atrest --version loads no part of the core (dist/cli/main.js reaches core.js only lazily)', () => {
  const closure = staticClosure(join(DIST, 'cli/main.js'));
  assert.not.ok(closure.includes('chunks/core.js'), `the CLI's entry loads ${closure.join(', ')}`);
  assert.ok(closure.length <= 5, `the CLI's entry loads ${closure.length} files: ${closure.join(', ')}`);
});

test('no file in dist/ imports a bare specifier but node:* and the optional peers @aws-sdk/client-kms and @sqlite.org/sqlite-wasm', () => {
  const bare = [];
  for (const file of jsFiles(DIST)) {
    if (file.endsWith('atrest.global.js')) continue; // a classic script: no imports at all
    const { static: s, dynamic: d } = specifiers(file);
    for (const spec of [...s, ...d]) {
      if (spec.startsWith('.') || spec.startsWith('node:') || spec === '@aws-sdk/client-kms') continue;
      // The SQLite build: only atrest/sqlite's chunk, and only by import() at the first open.
      if (spec === '@sqlite.org/sqlite-wasm' && d.includes(spec) && !s.includes(spec)) {
        assert.is(relative(DIST, file), 'chunks/sqlite.js');
        continue;
      }
      bare.push(`${relative(DIST, file)}: ${spec}`);
    }
  }
  assert.equal(bare, []);
  // The peer is imported only by atrest/aws's code and the CLI, never by the core.
  assert.not.ok(readFileSync(join(DIST, 'chunks/core.js'), 'utf8').includes('@aws-sdk/client-kms"'));
});

test('every export in package.json resolves by path and by package name, with its .d.ts', async () => {
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (subpath === './package.json') continue;
    assert.ok(existsSync(join(ROOT, target.types)), `${subpath}: ${target.types} is missing`);
    assert.ok(existsSync(join(ROOT, target.default)), `${subpath}: ${target.default} is missing`);
    const byPath = await import(pathToFileURL(join(ROOT, target.default)).href);
    const byName = await import(subpath === '.' ? 'atrest' : `atrest/${subpath.slice(2)}`);
    assert.is(byName, byPath, `${subpath}: the package name and the path load different modules`);
    assert.ok(Object.keys(byPath).length > 0, `${subpath} exports nothing`);
  }
});

test('one copy of each class across atrest, atrest/fs, atrest/luks, atrest/server and the CLI', async () => {
  const atrest = await import('atrest');
  const fs = await import('atrest/fs');
  const luks = await import('atrest/luks');
  // Names two entries both export are the same object.
  for (const [name, entry] of [
    ['atrest/fs', fs],
    ['atrest/luks', luks],
    ['atrest/server', await import('atrest/server')],
  ]) {
    for (const key of Object.keys(entry))
      if (key in atrest) assert.is(entry[key], atrest[key], `${name}'s ${key} is not atrest's`);
  }
  // atrest/fs's FileBlockStore and atrest's MemoryBlockStore extend the same base class object
  // (the core's CheckedBlockStore, which atrest does not export): one copy, not two.
  const base = Object.getPrototypeOf(atrest.MemoryBlockStore.prototype);
  assert.is(Object.getPrototypeOf(fs.FileBlockStore.prototype), base);
  assert.is.not(base, Object.prototype);
  // A store from atrest/fs opened by atrest's Volume: the core's error for a file that is no volume.
  const store = await fs.FileBlockStore.open(join(ROOT, 'package.json'), { readOnly: true }).catch((e) => e);
  if (store instanceof Error) throw store;
  try {
    const err = await atrest.Volume.open(store, {
      kms: new atrest.LocalKms().as('arn:aws:iam::111122223333:root'),
    }).catch((e) => e);
    assert.instance(err, atrest.EnvelopeError, `Volume.open of a file that is no volume: ${err}`);
    assert.instance(err, atrest.NotAtrestVolumeError);
  } finally {
    await store.close();
  }
  // The CLI's lazily loaded code imports the core by its one file.
  const cli = readdirSync(join(DIST, 'chunks')).filter((f) => f.startsWith('run-'));
  assert.is(cli.length, 1, `CLI chunks: ${cli.join(', ')}`);
  assert.ok(staticClosure(join(DIST, 'chunks', cli[0])).includes('chunks/core.js'));
});

test.run();
