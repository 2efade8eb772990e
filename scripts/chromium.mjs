// How this repository drives Debian's Chromium (tests/run-chromium.mjs, the example-page test,
// bench/run-chromium.mjs): where the binary is, the flags it needs on these machines, and the
// content types the local pages are served with. Flags: --no-sandbox is mandatory as root; the
// network flags and the host-resolver rule stop Chromium's own look-ups of Google's hosts,
// which this closed network refuses (seen on every run on these machines).

export const CHROMIUM = process.env.ATREST_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost',
];

/** Content types by file extension; `.wasm` must be application/wasm for compileStreaming. */
export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};
