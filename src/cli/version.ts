// The package's version, read from the package.json dist/cli/ was built beside: one place for
// `atrest --version` (main.ts's fast path and run.ts's full one).

import { readFile } from 'node:fs/promises';

/** The version in the package.json this file was built with (dist/cli/ → the package root). */
export async function packageVersion(): Promise<string> {
  const manifest = JSON.parse(
    await readFile(decodeURIComponent(new URL('../../package.json', import.meta.url).pathname), 'utf8'),
  ) as { version?: unknown };
  return String(manifest.version);
}
