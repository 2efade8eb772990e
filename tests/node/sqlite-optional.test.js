// @sqlite.org/sqlite-wasm is an optional peer dependency: only atrest/sqlite loads it, and only
// dynamically (on the first open). Walks the static import graph of dist/index.js and reads
// dist/atrest.global.js: neither reaches the SQLite build or src/sqlite. The package declares the
// build as an optional peer pinned to an exact version (its registry `latest` tag is older).
// And a browser bundle of atrest/sqlite (a worker's, on OPFS) builds with nothing marked external:
// no node:* module is reachable from it, even lazily (a path target's file store is loaded by a
// URL bundlers do not follow).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli-harness.js';
import { importGraph } from './module-graph.js';

test('import "atrest" never reaches the SQLite build; atrest/sqlite imports it only dynamically', () => {
  const core = importGraph(join(ROOT, 'dist/index.js'));
  assert.ok(
    core.files.some((f) => f.endsWith('chunks/core.js')),
    `the walk found the core chunk: ${core.files.join(', ')}`,
  );
  assert.not.ok(
    core.staticBare.some((s) => s.startsWith('@sqlite.org')),
    core.staticBare.join(', '),
  );
  assert.not.ok(core.files.some((f) => f.includes('/sqlite/')));
  const sqlite = importGraph(join(ROOT, 'dist/sqlite/index.js'));
  assert.not.ok(sqlite.staticBare.includes('@sqlite.org/sqlite-wasm'), 'no static import of the build');
  // dist/sqlite/index.js is a stub over the bundled chunk: some file of its graph imports the
  // build, and only by import().
  assert.ok(sqlite.dynamicBare.includes('@sqlite.org/sqlite-wasm'), sqlite.files.join(', '));
});

test('a browser bundle of atrest/sqlite builds with nothing external and holds no node:* module', async () => {
  const sqlite = importGraph(join(ROOT, 'dist/sqlite/index.js'), { followDynamic: true });
  const nodeModules = [...sqlite.staticBare, ...sqlite.dynamicBare].filter((s) => s.startsWith('node:'));
  assert.equal(nodeModules, [], `reachable from dist/sqlite/index.js: ${nodeModules.join(', ')}`);
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    stdin: { contents: "export { openDatabase } from 'atrest/sqlite';", resolveDir: ROOT, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(
    inputs.some((f) => f.includes('@sqlite.org/sqlite-wasm')),
    'the SQLite build is in the bundle (lazily)',
  );
  assert.not.ok(
    inputs.some((f) => /(^|\/)fs\/|file-block-store/.test(f) && f.includes('dist/')),
    inputs.join(', '),
  );
});

test('dist/atrest.global.js holds no SQLite code', () => {
  const bundle = readFileSync(join(ROOT, 'dist/atrest.global.js'), 'utf8');
  for (const needle of ['@sqlite.org', 'sqlite3_vfs', 'installVfs']) assert.not.ok(bundle.includes(needle), needle);
});

test('package.json: the build is an optional peer dependency, pinned exactly, and atrest/sqlite is exported', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const name = '@sqlite.org/sqlite-wasm';
  assert.is(pkg.peerDependencies[name], '3.54.1-build1');
  assert.is(pkg.peerDependenciesMeta[name].optional, true);
  assert.is(pkg.devDependencies[name], '3.54.1-build1');
  assert.not.ok(name in (pkg.dependencies ?? {}));
  assert.equal(pkg.exports['./sqlite'], { types: './dist/sqlite/index.d.ts', default: './dist/sqlite/index.js' });
});

test.run();
