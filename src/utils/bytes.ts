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
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer (at most 2^53−1), got ${value}`);
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
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Characters per `String.fromCharCode(...)` call: well below every engine's argument limit. */
const BASE64_CHUNK = 0x8000;

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += BASE64_CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + BASE64_CHUNK));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
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
