// Runs uvu test modules and counts their results, in any runtime: the Node runner
// (tests/run-node.mjs), the Deno runner's child (tests/run-deno.mjs) and the Chromium page
// (tests/harness/browser-entry.mjs, bundled by tests/run-chromium.mjs) all import this one file,
// so a run counts the same way everywhere. Portable: no node: imports, no globals but uvu's.
//
// Counting does not parse uvu's text. uvu is put in "deferred" mode (as its own CLI does), each
// file is imported into its own uvu queue group, and every queued suite runner is wrapped so its
// return value [errors, ran, skipped, total] is added up here: passed += ran,
// failed += total - ran. That also catches a suite whose `before` hook threw, which uvu itself
// reports as "0 / N" but with exit code 0. A file that throws while importing counts as one
// failure and its suites do not run; a file that registers no tests counts as one failure.

/**
 * Import the given test modules into uvu's deferred queue, run them, and count.
 * @param {{name: string, url: string}[]} files
 * @param {{result?: object, bail?: boolean}} [opts]  `result` is filled in as tests run (so a
 *   timeout or early exit can still report partial counts).
 * @returns {Promise<{passed: number, failed: number, skipped: number, problems: string[],
 *   files: {name: string, passed: number, failed: number, skipped: number, error: string|null}[]}>}
 */
export async function runUvuFiles(files, opts = {}) {
  const res = opts.result || {};
  Object.assign(res, { passed: 0, failed: 0, skipped: 0, problems: [], files: [] });
  const fmt = (e) => (e && (e.stack || e.message)) || String(e);

  // Must be set before uvu's module is first evaluated: it stops uvu from running on its own.
  globalThis.UVU_DEFER = 1;
  const uvu = await import('uvu');
  const Q = globalThis.UVU_QUEUE;
  if (!Array.isArray(Q)) throw new Error('uvu did not create globalThis.UVU_QUEUE (unsupported uvu version?)');

  const groups = [];
  for (const f of files) {
    const rec = { name: f.name, passed: 0, failed: 0, skipped: 0, error: null };
    res.files.push(rec);
    const idx = Q.length;
    Q.push([f.name]);
    globalThis.UVU_INDEX = idx;
    try {
      await import(f.url);
    } catch (err) {
      rec.error = fmt(err);
      rec.failed += 1;
      res.failed += 1;
      res.problems.push(`${f.name}: crashed while importing:\n${rec.error}`);
      // uvu's default `test` suite is one object shared by every file: tests the crashed file
      // registered on it would run with the next file's. Queue them here, then drop them with
      // the rest of this file's suites: nothing of a file that did not load completely runs.
      uvu.test.run();
      Q[idx].length = 1;
    }
    groups.push([idx, rec]);
  }
  globalThis.UVU_INDEX = 0;

  for (const [idx, rec] of groups) {
    const group = Q[idx];
    for (let j = 1; j < group.length; j++) {
      const run = group[j];
      group[j] = async () => {
        let out;
        try {
          out = await run();
        } catch (err) {
          // e.g. an `after` hook threw: uvu would abort the whole run.
          rec.failed += 1;
          res.failed += 1;
          const msg = `${rec.name}: a suite threw outside its tests:\n${fmt(err)}`;
          res.problems.push(msg);
          return [msg, 0, 0, 1];
        }
        const [errs, ran, skipped, total] = out;
        rec.passed += ran;
        rec.failed += total - ran;
        rec.skipped += skipped;
        res.passed += ran;
        res.failed += total - ran;
        res.skipped += skipped;
        if (errs === true && total > ran) {
          res.problems.push(`${rec.name}: ${total - ran} test(s) did not run (a before hook threw?)`);
        }
        return out;
      };
    }
  }

  try {
    await uvu.exec(opts.bail);
  } catch (err) {
    res.failed += 1;
    res.problems.push(`uvu exec threw:\n${fmt(err)}`);
  }

  for (const rec of res.files) {
    if (!rec.error && rec.passed + rec.failed + rec.skipped === 0) {
      rec.failed += 1;
      res.failed += 1;
      res.problems.push(`${rec.name}: registered no tests (empty file, or a suite without .run()?)`);
    }
  }
  return res;
}
