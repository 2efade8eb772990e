// Small byte helpers of the envelope layer: constant-time comparison and checks of byte counts
// given as number or bigint; randomness, hex and concatenation come from the key service's.

import { equalBytes } from '../engine/checks.js';

export { randomBytes, toHex, concatBytes } from '../kms/bytes.js';

/** Equality in time that depends only on the lengths: a MAC check must not tell an attacker
 *  how many leading bytes of a forged tag were right. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && equalBytes(a, b);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A byte count or offset given as a number or a bigint, as a safe-integer number. */
export function byteCount(value: unknown, what: string): number {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError(`${what} must not be negative, got ${value}`);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} must be at most 2^53−1, got ${value}`);
    return Number(value);
  }
  if (typeof value !== 'number') throw new TypeError(`${what} must be a number or a bigint, got ${typeof value}`);
  if (!Number.isInteger(value)) throw new RangeError(`${what} must be a whole number, got ${value}`);
  if (value < 0) throw new RangeError(`${what} must not be negative, got ${value}`);
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be at most 2^53−1, got ${value}`);
  return value;
}

export function requireBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array, got ${value === null ? 'null' : typeof value}`);
  return value;
}
