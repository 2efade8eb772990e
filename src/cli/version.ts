// The package's version, read from the package.json dist/cli/ was built beside: one place for
// `atrest --version` (main.ts's fast path and run.ts's full one). A synchronous read: node:fs is
// loaded with Node itself, while node:fs/promises would load more of Node's internals on the
// fast path (the read is one small file, once per process).

import { readFileSync } from 'node:fs';

/** The version in the package.json this file was built with (dist/chunks/ or dist/cli/ → the
 *  package root: both are one folder under dist/, which scripts/esm-bundle.mjs checks). */
export async function packageVersion(): Promise<string> {
  const manifest = JSON.parse(
    readFileSync(decodeURIComponent(new URL('../../package.json', import.meta.url).pathname), 'utf8'),
  ) as { version?: unknown };
  return String(manifest.version);
}
