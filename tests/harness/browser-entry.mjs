// The Chromium page's harness (bundled by tests/run-chromium.mjs): runs the test bundles the page
// lists in globalThis.ATREST_TEST_FILES through the shared counter and leaves the counts in
// globalThis.__testResult for the runner. Uncaught errors and unhandled rejections reach the
// runner as Playwright 'pageerror' events, each one failure.
import { runUvuFiles } from './uvu-counting.mjs';

const describe = (e) => (e && (e.stack || e.message)) || String(e);
globalThis.__testStarted = true;
try {
  const res = await runUvuFiles(globalThis.ATREST_TEST_FILES);
  globalThis.__testResult = { passed: res.passed, failed: res.failed, skipped: res.skipped, problems: res.problems };
} catch (err) {
  globalThis.__testResult = { passed: 0, failed: 1, skipped: 0, problems: ['harness crashed: ' + describe(err)] };
}
