// Settings shared by the fuzz properties (tests/fuzz-*.test.js): a fixed seed and a bounded
// number of cases in the normal test run, many more under `npm run fuzz` (ATREST_FUZZ_RUNS),
// and the check every property makes: a parser of untrusted bytes either returns or throws one
// of the library's named errors — never a TypeError, RangeError or anything else leaking from
// inside it. fast-check reports a failure with its seed and shrink path
// ({ seed, path }): rerun it with ATREST_FUZZ_SEED=<seed>. `npm run fuzz` is
// tests/fuzz-parsers.test.js with --runs=5000; `npm run fuzz -- --runs=N` for more.
import fc from 'fast-check';

function env(name) {
  try {
    return globalThis.process?.env?.[name] ?? globalThis.Deno?.env?.get(name);
  } catch {
    return undefined; // Deno without --allow-env, a browser: the defaults
  }
}

export const SEED = Number(env('ATREST_FUZZ_SEED') ?? 0x5eed13);
/** `--runs=N` on the command line (the last one wins: `npm run fuzz -- --runs=20000`). */
const runsArgument = (globalThis.process?.argv ?? [])
  .filter((a) => a.startsWith('--runs='))
  .at(-1)
  ?.slice('--runs='.length);
/** Cases per property: RUNS (default 60) scaled by each property's weight (slow ones run fewer). */
export const RUNS = Number(runsArgument ?? env('ATREST_FUZZ_RUNS') ?? 60);
if (!Number.isSafeInteger(RUNS) || RUNS < 1)
  throw new Error(`fuzz: the number of runs must be a positive integer, got ${RUNS}`);
if (!Number.isSafeInteger(SEED)) throw new Error(`fuzz: ATREST_FUZZ_SEED must be an integer, got ${SEED}`);

export function settings(weight = 1) {
  return { seed: SEED, numRuns: Math.max(1, Math.round(RUNS * weight)), verbose: 1 };
}

/** Calls `parse`; a named error (an instance of one of `named`) is an answer, anything else is
 *  rethrown with what it was so the property fails naming the leak. Returns the result or the
 *  named error. */
export function parseOrNamedError(parse, named) {
  let result;
  try {
    result = parse();
  } catch (e) {
    if (named.some((E) => e instanceof E)) return { error: e };
    throw new Error(`leaked ${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`, { cause: e });
  }
  return { result };
}

export async function parseOrNamedErrorAsync(parse, named) {
  try {
    return { result: await parse() };
  } catch (e) {
    if (named.some((E) => e instanceof E)) return { error: e };
    throw new Error(`leaked ${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`, { cause: e });
  }
}

/** Byte edits of a valid encoding: flips, overwrites, truncation, extension — what damage and a
 *  hostile writer do. `focus` bounds where edits land (the structured part of a bigger buffer). */
export function mutated(valid, focus = valid.length) {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set'), at: fc.nat(focus - 1), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('flip'), at: fc.nat(focus - 1), bit: fc.integer({ min: 0, max: 7 }) }),
  );
  return fc
    .record({
      edits: fc.array(edit, { minLength: 1, maxLength: 8 }),
      cut: fc.option(fc.nat(valid.length), { freq: 4 }),
      extra: fc.uint8Array({ maxLength: 16 }),
    })
    .map(({ edits, cut, extra }) => {
      const out = valid.slice();
      for (const e of edits) out[e.at] = e.kind === 'set' ? e.value : out[e.at] ^ (1 << e.bit);
      const cutAt = cut ?? out.length;
      const result = new Uint8Array(cutAt + (cut === null ? extra.length : 0));
      result.set(out.subarray(0, cutAt));
      if (cut === null) result.set(extra, cutAt);
      return result;
    });
}

export { fc };
