// What the constant-time check reads: the wasm that ships, and a names twin proven to be the same code.
//
// The shipped modules live as base64 string literals in dist/chunks/core.js (what
// `import 'atrest'` instantiates) and dist/engine/pool-worker.js (the pool's workers), both
// bundled from build/tsc/engine/wasm.generated.js; they must equal
// build/atrest.{simd,nosimd}.wasm byte for byte. The shipped
// files carry no name section, so findings would name functions by number. asc --debug with the
// same config adds only a `name` custom section; sameCode() verifies that every other section is
// byte-identical before the twin's names are used, so the code analysed is the code shipped.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TARGETS = { simd: 'SIMD_WASM', nosimd: 'SCALAR_WASM' };

/** The sections of a wasm binary as [{id, name (custom sections), bytes}]. Only section framing
 *  is read here (id byte + LEB128 size); the code itself is parsed by binaryen. */
export function sections(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.length < 8 || u8[0] !== 0 || u8[1] !== 0x61 || u8[2] !== 0x73 || u8[3] !== 0x6d)
    throw new Error('not a wasm binary (bad magic)');
  const leb = (at) => {
    let v = 0,
      shift = 0,
      b;
    do {
      b = u8[at.i++];
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return v;
  };
  const out = [];
  const at = { i: 8 };
  while (at.i < u8.length) {
    const id = u8[at.i++];
    const size = leb(at);
    const start = at.i;
    if (start + size > u8.length) throw new Error(`wasm section ${id} runs past the end of the file`);
    let name = null;
    if (id === 0) {
      const n = leb(at);
      name = new TextDecoder().decode(u8.subarray(at.i, at.i + n));
    }
    out.push({ id, name, bytes: u8.subarray(start, start + size) });
    at.i = start + size;
  }
  return out;
}

/** null when every non-custom section of a and b is byte-identical, else what differs. */
export function codeDifference(a, b) {
  const strip = (s) => sections(s).filter((x) => x.id !== 0);
  const sa = strip(a),
    sb = strip(b);
  if (sa.length !== sb.length) return `${sa.length} vs ${sb.length} non-custom sections`;
  for (let i = 0; i < sa.length; i++) {
    if (sa[i].id !== sb[i].id) return `section ${i}: id ${sa[i].id} vs ${sb[i].id}`;
    if (Buffer.compare(Buffer.from(sa[i].bytes), Buffer.from(sb[i].bytes)) !== 0)
      return `section ${i} (id ${sa[i].id}) differs`;
  }
  return null;
}

/** The shipped bytes of one target: the base64 literal tsc generated, after asserting that it
 *  equals build/<file> and that both published bundles that embed it carry it verbatim. */
export async function shippedBytes(root, target) {
  const gen = join(root, 'build/tsc/engine/wasm.generated.js');
  const bundles = ['dist/chunks/core.js', 'dist/engine/pool-worker.js'];
  for (const f of [gen, ...bundles.map((b) => join(root, b))])
    if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);
  const mod = await import(`file://${gen}`);
  const base64 = mod[TARGETS[target]];
  const embedded = Buffer.from(base64, 'base64');
  const file = join(root, `build/atrest.${target}.wasm`);
  const built = readFileSync(file);
  if (!embedded.equals(built))
    throw new Error(
      `the ${target} wasm embedded in build/tsc/ is not build/atrest.${target}.wasm (stale build? run npm run build)`,
    );
  for (const b of bundles)
    if (!readFileSync(join(root, b), 'utf8').includes(`"${base64}"`))
      throw new Error(`${b} does not carry the ${target} wasm of build/tsc/ (stale dist? run npm run build)`);
  return new Uint8Array(embedded);
}

/** The --debug twin of one target, built into build/ct-names/ unless a twin with the same code is
 *  already there; throws unless its code is byte-identical to `shipped`. */
export function namesTwin(root, target, shipped, { log = () => {} } = {}) {
  const dir = join(root, 'build/ct-names');
  const out = join(dir, `atrest.${target}.wasm`);
  if (existsSync(out) && codeDifference(shipped, readFileSync(out)) === null) return new Uint8Array(readFileSync(out));
  mkdirSync(dir, { recursive: true });
  log(`ct-check: building the --debug names twin of ${target} (asc, about 10 s)`);
  execFileSync(
    join(root, 'node_modules/.bin/asc'),
    [
      '--config',
      'asconfig.json',
      '--target',
      target,
      '--debug',
      '--outFile',
      out,
      '--textFile',
      join(dir, `atrest.${target}.wat`),
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const twin = new Uint8Array(readFileSync(out));
  const diff = codeDifference(shipped, twin);
  if (diff !== null)
    throw new Error(`the --debug twin of ${target} is not the shipped code (${diff}); refusing to take names from it`);
  return twin;
}
