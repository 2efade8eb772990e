// The published ESM build (called by scripts/build.mjs after tsc has written build/tsc/).
//
// Why this shape: start-up (issue 14, section 5). Node pays ~1–2 ms per module file it loads,
// so tsc's ~100 files made `import('atrest')` cost ~58 ms; esbuild's code splitting over all the
// entries would cut modules but still load ~10 chunk files, because each subpath reaches a
// different part of the core. So the core is ONE file and everything else imports it:
//
//   dist/chunks/core.js      every module `atrest` reaches (build/tsc/index.js's whole graph),
//                            bundled once. Besides the public API it exports the namespace
//                            of each module the chunks below use, as `__atrest_m<N>`.
//   dist/index.js            `export { …public names… } from './chunks/core.js'`: two files load.
//   dist/chunks/<entry>.js   atrest/fs, atrest/luks, atrest/aws, atrest/server and the CLI
//                            (cli-main, and its lazily imported parts), bundled with code
//                            splitting among themselves. An import that resolves to a module
//                            inside core.js becomes a small proxy that re-exports that module's
//                            names from core.js: ONE copy of every class, so `instanceof` holds
//                            across `atrest`, `atrest/fs`, `atrest/luks`, … and the CLI.
//   dist/fs/index.js, …      one-line `export * from '../chunks/fs.js'` stubs at the paths
//                            package.json's exports name (every chunk stays in dist/chunks/, so
//                            the proxies' `./core.js` is right wherever esbuild puts them).
//   dist/engine/pool-worker.js  the pool's worker script: self-contained (a worker is its own
//                            isolate; nothing is shared with the page or process that starts it).
//
// Three modules find files by `new URL(relative, import.meta.url)`: engine/pool-spawn.js its
// worker (`../engine/pool-worker.js`), cli/version.js the package.json (`../../package.json`)
// and sqlite/index.js atrest/fs (`../fs/index.js`, for a path target, out of bundlers' sight).
// All hold from any folder one level under dist/; the build fails if one lands elsewhere.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';

/** The subpath entries: build/tsc/<from>.js → dist/chunks/<chunk>.js, with a stub at dist/<stub>.js. */
const SUBPATHS = [
  { from: 'fs/index', chunk: 'fs', stub: 'fs/index' },
  { from: 'luks/index', chunk: 'luks', stub: 'luks/index' },
  { from: 'kms/aws/index', chunk: 'aws', stub: 'kms/aws/index' },
  { from: 'kms/server/index', chunk: 'server', stub: 'kms/server/index' },
  { from: 'sqlite/index', chunk: 'sqlite', stub: 'sqlite/index' },
  { from: 'cli/main', chunk: 'cli-main', stub: 'cli/main' },
];

const fail = (message) => {
  throw new Error(`build: ${message}`);
};

function checkWarnings(result, what) {
  if (!result.warnings.length) return;
  const where = (w) => (w.location ? ` (${w.location.file}:${w.location.line})` : '');
  fail(`${what}:\n${result.warnings.map((w) => `  esbuild warning: ${w.text}${where(w)}`).join('\n')}`);
}

/** Builds dist/'s JavaScript from build/tsc/; returns a one-line summary. */
export async function buildEsm(esbuild, root, { banner }) {
  const tsc = join(root, 'build/tsc');
  const dist = join(root, 'dist');
  const abs = (p) => (isAbsolute(p) ? p : join(root, p));
  const common = {
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    // Neutral: the same files run in Node, Deno and browsers. Node built-ins are reached only by
    // the modules that need them (fs, server, CLI; the pool through a computed specifier), and
    // the AWS SDK and the SQLite build are the optional peer dependencies behind atrest/aws and
    // atrest/sqlite.
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external: ['node:*', '@aws-sdk/client-kms', '@sqlite.org/sqlite-wasm'],
    target: 'es2022',
    // Not minified (it would save ~1 ms of parsing): what users step through in a debugger is
    // the code tsc wrote. Names are kept (the envelope errors take `name` from `new.target.name`).
    keepNames: true,
    banner: { js: banner },
    logLevel: 'silent',
  };

  // 1. Which modules the core holds, and each one's export names (from a throwaway bundle of
  //    each, so `export * from` is expanded).
  const graph = await esbuild.build({
    ...common,
    entryPoints: [join(tsc, 'index.js')],
    write: false,
    metafile: true,
    outdir: dist,
  });
  const coreInputs = Object.keys(graph.metafile.inputs).map(abs);
  const names = await esbuild.build({
    ...common,
    entryPoints: coreInputs.map((file, i) => ({ in: file, out: `m${i}` })),
    write: false,
    metafile: true,
    outdir: join(dist, 'names'),
  });
  const exportsOf = new Map();
  for (const [out, o] of Object.entries(names.metafile.outputs)) {
    if (o.entryPoint) exportsOf.set(abs(o.entryPoint), o.exports);
  }
  const id = new Map(coreInputs.map((file, i) => [file, `__atrest_m${i}`]));

  // 2. The subpaths and the CLI: code splitting among them; modules of the core are proxies.
  const proxied = new Set();
  const coreProxy = {
    name: 'atrest-core-proxy',
    setup(build) {
      build.onResolve({ filter: /^\.\/core\.js$/, namespace: 'core-proxy' }, (args) => ({
        path: args.path,
        external: true,
      }));
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.real || args.kind === 'entry-point' || args.namespace === 'core-proxy') return undefined;
        const r = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { real: true },
        });
        if (r.errors.length || r.external || !id.has(r.path)) return undefined;
        return { path: r.path, namespace: 'core-proxy' };
      });
      build.onLoad({ filter: /.*/, namespace: 'core-proxy' }, (args) => {
        const exported = exportsOf.get(args.path);
        if (!exported) fail(`no export list for ${args.path}`);
        const ns = id.get(args.path);
        proxied.add(args.path);
        // A proxy is inlined into a chunk in dist/chunks/, so './core.js' is beside it.
        const body = exported.length
          ? `import { ${ns} } from './core.js';\nexport const { ${exported.join(', ')} } = ${ns};\n`
          : `import './core.js';\n`;
        return { contents: body, loader: 'js' };
      });
    },
  };
  const rest = await esbuild.build({
    ...common,
    entryPoints: SUBPATHS.map((s) => ({ in: join(tsc, `${s.from}.js`), out: s.chunk })),
    outdir: join(dist, 'chunks'),
    chunkNames: '[name]-[hash]',
    splitting: true,
    plugins: [coreProxy],
    metafile: true,
  });
  checkWarnings(rest, 'the subpath entries');
  for (const s of SUBPATHS) {
    const stub = join(dist, `${s.stub}.js`);
    mkdirSync(dirname(stub), { recursive: true });
    const target = relative(dirname(stub), join(dist, 'chunks', `${s.chunk}.js`));
    writeFileSync(stub, `${banner}\nexport * from '${target}';\n`);
  }

  // 3. The core and the public entry: the public API, plus the namespace of each module a proxy
  //    re-exports (only those: the others stay tree-shaken).
  const coreSource = [
    `export * from ${JSON.stringify(join(tsc, 'index.js'))};`,
    ...[...proxied].map((file) => `export * as ${id.get(file)} from ${JSON.stringify(file)};`),
  ].join('\n');
  const core = await esbuild.build({
    ...common,
    stdin: { contents: coreSource, resolveDir: tsc, sourcefile: 'core.js' },
    outfile: join(dist, 'chunks/core.js'),
    metafile: true,
  });
  checkWarnings(core, 'dist/chunks/core.js');
  const publicNames = Object.values(core.metafile.outputs)[0].exports.filter((n) => !n.startsWith('__atrest_m'));
  writeFileSync(
    join(dist, 'index.js'),
    `${banner}\n// atrest: the package's main entry. Its code is in ./chunks/core.js (see scripts/esm-bundle.mjs).\nexport {\n${publicNames.map((n) => `  ${n},`).join('\n')}\n} from './chunks/core.js';\n`,
  );

  // 4. The worker, self-contained.
  const worker = await esbuild.build({
    ...common,
    entryPoints: [join(tsc, 'engine/pool-worker.js')],
    outfile: join(dist, 'engine/pool-worker.js'),
    metafile: true,
  });
  checkWarnings(worker, 'dist/engine/pool-worker.js');

  // The import.meta.url rule above, and: no module bundled twice outside the worker.
  const seen = new Map();
  for (const result of [core, rest, worker]) {
    for (const [file, out] of Object.entries(result.metafile.outputs)) {
      for (const input of Object.keys(out.inputs)) {
        if (/build\/tsc\/(engine\/pool-spawn|cli\/version|sqlite\/index)\.js$/.test(input)) {
          const depth = relative(dist, abs(file)).split('/').length - 1;
          if (depth !== 1)
            fail(`${input} landed in ${file}, not one folder under dist/: its import.meta.url paths break`);
        }
        if (result === worker || input.startsWith('core-proxy:') || input === 'core.js') continue;
        if (seen.has(input) && seen.get(input) !== file)
          fail(`${input} is bundled twice (${seen.get(input)}, ${file})`);
        seen.set(input, file);
      }
    }
  }
  const chunks = Object.keys(rest.metafile.outputs).length - SUBPATHS.length;
  return `dist/ ESM: index.js → chunks/core.js (${coreInputs.length} modules), ${SUBPATHS.length} subpath entries + ${chunks} shared chunks, the pool worker`;
}
