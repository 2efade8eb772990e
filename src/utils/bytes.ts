// Byte and number helpers for every layer (engine, key service, envelope, stores), at the bottom
// of the layering so each check exists once under one name. Web-platform APIs only (no Buffer),
// so the same code runs in Node, Deno and browsers. Every check throws before anything is
// written, with a message naming the rule that was broken.

/** A short name for a value's type in error messages: `null`, `Array`, `Uint16Array`, `string`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** `value` as a Uint8Array, or a TypeError naming `what` and the type that came instead. */
export function bytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${what} must be a Uint8Array, got ${describe(value)}`);
  }
  return value;
}

/** A byte position or count: a non-negative safe integer `number` (with `allowBigint`, also a
 *  bigint in that range, converted). Returns it as a number. */
export function byteCount(value: unknown, what: string, allowBigint = false): number {
  if (typeof value === 'bigint' && allowBigint) {
    if (value < 0n) throw new RangeError(`${what} must not be negative, got ${value}`);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`${what} must be a safe integer (at most 2^53−1), got ${value}`);
    }
    return Number(value);
  }
  if (typeof value !== 'number') {
    throw new TypeError(`${what} must be ${allowBigint ? 'a number or a bigint' : 'a number'}, got ${describe(value)}`);
  }
  if (!Number.isInteger(value)) throw new RangeError(`${what} must be a whole number, got ${value}`);
  if (value < 0) throw new RangeError(`${what} must not be negative, got ${value}`);
  if (!Number.isSafeInteger(value))
    throw new RangeError(`${what} must be a safe integer (at most 2^53−1), got ${value}`);
  return value;
}

/** Equality in time that depends only on the lengths: no early exit, so a MAC or key check does
 *  not tell an attacker how many leading bytes of a forgery were right. Different lengths are
 *  unequal (lengths are public). Constant time: one XOR-OR per byte over the whole range, and the
 *  only branch is on the lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Compares by bytes, not UTF-16 code units: the order every other implementation computes.
 *  Not constant time; for public values (sorting encryption-context keys). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The largest request the web crypto `getRandomValues` accepts in one call. */
const MAX_RANDOM_VALUES_BYTES = 65536;

/** n bytes from the platform CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let offset = 0; offset < n; offset += MAX_RANDOM_VALUES_BYTES) {
    crypto.getRandomValues(out.subarray(offset, Math.min(n, offset + MAX_RANDOM_VALUES_BYTES)));
  }
  return out;
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Lower-case hex only; anything else is a programming error or a corrupted state. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new RangeError('fromHex: not lower-case hex');
  return hexDigitsToBytes(hex);
}

/**
 * Hex digits (either case, already checked to be hex of even length) to bytes, for secrets such
 * as a root key in an environment variable: no parseInt and no substrings (each would be one
 * more string holding key digits), and branch-free and table-free per digit, so the time and the
 * memory addresses do not depend on the key. Constant time: each nibble is computed with
 * arithmetic and masks from the character code only.
 */
export function hexDigitsToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < out.length; i++)
    out[i] = (hexNibble(hex.charCodeAt(2 * i)) << 4) | hexNibble(hex.charCodeAt(2 * i + 1));
  return out;
}

/** '0'–'9' → 0–9, 'a'–'f'/'A'–'F' → 10–15, branch-free (input already validated). */
function hexNibble(c: number): number {
  const lower = c | 0x20; // folds 'A'–'F' onto 'a'–'f'; digits keep their code
  const isLetter = ((0x60 - lower) >>> 8) & 1; // 1 when lower > 0x60 (a letter), else 0
  return (c & 0x0f) + 9 * isLetter; // '0'..'9' & 0x0f = 0..9; 'a'/'A' & 0x0f = 1, + 9 = 10
}

// Base64 (standard alphabet, padded). The codec works character by character between bytes and
// the text, with no binary string in between (btoa/atob need one: a second, unwipeable string
// copy of every byte), and it is branch-free and table-free per character, so encoding or
// decoding key material reveals nothing about it through time or memory addresses. Constant
// time: every 6-bit value ↔ character mapping is computed with masks over all five ranges
// (A–Z, a–z, 0–9, '+', '/'), never with a lookup indexed by the value.

/** 0–63 → its base64 character code, branch-free. */
function base64Char(v: number): number {
  // Start at 'A' + v, then add the offset of each later range v reaches: a mask is all ones
  // exactly when v is at or past that range's start ((limit - v) >> 8 is -1 when v > limit).
  let c = 65 + v;
  c += ((25 - v) >> 8) & 6; // v ≥ 26: 'a' - 'A' - 26 = 6
  c -= ((51 - v) >> 8) & 75; // v ≥ 52: '0' - 'a' - 26 = -75
  c -= ((61 - v) >> 8) & 15; // v = 62: '+' - '0' - 10 = -15
  c += ((62 - v) >> 8) & 3; // v = 63: '/' - '+' - 1 = 3
  return c;
}

/** A base64 character code → 0–63, or -1 when it is not in the alphabet; branch-free. */
function base64Value(c: number): number {
  // For each range, inRange is all ones when lo ≤ c ≤ hi: ((lo - 1 - c) & (c - hi - 1)) >> 8.
  let v = -1;
  v += (((64 - c) & (c - 91)) >> 8) & (c - 64); // 'A'–'Z' → 0–25 (v = -1 + c - 64)
  v += (((96 - c) & (c - 123)) >> 8) & (c - 70); // 'a'–'z' → 26–51
  v += (((47 - c) & (c - 58)) >> 8) & (c + 5); // '0'–'9' → 52–61
  v += (((42 - c) & (c - 44)) >> 8) & 63; // '+' → 62
  v += (((46 - c) & (c - 48)) >> 8) & 64; // '/' → 63
  return v;
}

export function toBase64(bytes: Uint8Array): string {
  const codes = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[o++] = base64Char(n >>> 18);
    codes[o++] = base64Char((n >>> 12) & 63);
    codes[o++] = base64Char((n >>> 6) & 63);
    codes[o++] = base64Char(n & 63);
  }
  const rest = bytes.length - i; // public: depends on the length only
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    codes[o++] = base64Char(n >>> 18);
    codes[o++] = base64Char((n >>> 12) & 63);
    codes[o++] = rest === 2 ? base64Char((n >>> 6) & 63) : 61;
    codes[o++] = 61;
  }
  const text = new TextDecoder().decode(codes);
  codes.fill(0);
  return text;
}

/** Standard padded base64 (ASCII whitespace is ignored, as atob does); RangeError for anything
 *  else, naming the rule. */
export function fromBase64(text: string): Uint8Array {
  const codes = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) continue;
    codes[n++] = c > 0xff ? 0 : c; // 0 is not in the alphabet: rejected below
  }
  try {
    // Up to two '=' end a whole number of groups; unpadded text is accepted too (as atob does).
    let chars = n;
    if (n % 4 === 0) while (chars > n - 2 && chars > 0 && codes[chars - 1] === 61) chars--;
    if (chars % 4 === 1)
      throw new RangeError('fromBase64: not base64 (its length leaves a single character in the last group)');
    const out = new Uint8Array(Math.floor((chars * 3) / 4));
    let bad = 0;
    let acc = 0;
    let bits = 0;
    let o = 0;
    for (let i = 0; i < chars; i++) {
      const v = base64Value(codes[i]!);
      bad |= v; // negative (-1) iff some character is outside the alphabet
      acc = ((acc << 6) | (v & 63)) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[o++] = (acc >>> bits) & 0xff;
      }
    }
    if (bad < 0) {
      out.fill(0);
      throw new RangeError('fromBase64: not base64 (a character outside A–Z a–z 0–9 + / and = padding)');
    }
    return out;
  } finally {
    codes.fill(0);
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
