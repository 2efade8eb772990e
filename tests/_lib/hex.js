// Portable helpers for the test suite (Node, Deno, browsers): hex, byte concatenation, which
// runtime this is. Plain ESM, no dependencies.

const HEX = '0123456789abcdef';

/**
 * Parse a hex string into bytes. Upper- and lower-case digits are accepted; whitespace is
 * ignored (so vectors can be split over lines). Anything else throws: a silently mis-parsed
 * vector would turn a test green for the wrong reason.
 * @param {string} str
 * @returns {Uint8Array}
 */
export function hexToBytes(str) {
  if (typeof str !== 'string') throw new TypeError(`hexToBytes: expected a string, got ${typeof str}`);
  const s = str.replace(/\s+/g, '');
  if (s.length % 2 !== 0) throw new RangeError(`hexToBytes: odd number of hex digits (${s.length})`);
  if (!/^[0-9a-fA-F]*$/.test(s)) throw new RangeError('hexToBytes: not a hex string');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * Lower-case hex of the bytes of a Uint8Array (or any ArrayBufferView / ArrayBuffer).
 * @param {Uint8Array | ArrayBufferView | ArrayBuffer} u8
 * @returns {string}
 */
export function bytesToHex(u8) {
  let bytes;
  if (u8 instanceof Uint8Array) bytes = u8;
  else if (ArrayBuffer.isView(u8)) bytes = new Uint8Array(u8.buffer, u8.byteOffset, u8.byteLength);
  else if (u8 instanceof ArrayBuffer) bytes = new Uint8Array(u8);
  else throw new TypeError('bytesToHex: expected a Uint8Array');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

/**
 * Which runtime the tests run in: 'node' | 'deno' | 'chromium' | 'browser'.
 * Deno is checked first: it defines a global `process` with `process.versions.node`.
 * @returns {'node' | 'deno' | 'chromium' | 'browser'}
 */
export function runtimeName() {
  if (typeof Deno !== 'undefined' && Deno?.version?.deno) return 'deno';
  if (typeof process !== 'undefined' && process?.versions?.node) return 'node';
  const nav = typeof navigator !== 'undefined' ? navigator : undefined;
  const brands = nav?.userAgentData?.brands;
  if (Array.isArray(brands) && brands.some((b) => /chrom/i.test(b.brand))) return 'chromium';
  if (nav && /Chrom(e|ium)\//.test(nav.userAgent || '')) return 'chromium';
  return 'browser';
}

/** The bytes of `parts` one after another, in a new array. */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** 16-byte little-endian encoding of a sector number (dm-crypt plain64, OpenSSL's XTS IV). */
export function le128(n) {
  let v = BigInt(n);
  const t = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    t[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return t;
}
