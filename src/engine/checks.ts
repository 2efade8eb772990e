// Argument checks shared by the engine's objects. Every check runs before any byte of `out`
// is written, and every message names the rule that was broken. The byte checks every layer
// shares (`bytes`, `describe`, `equalBytes`) live in ../utils/bytes.ts.

import { bytes, describe } from '../utils/bytes.js';

export const MAX_SECTOR = (1n << 64n) - 1n;
/** IEEE 1619: a data unit holds at most 2^20 blocks of 16 bytes. */
export const MAX_UNIT_BYTES = 16 * 2 ** 20;

/** A sector or tweak value: a safe non-negative integer `number`, or a bigint in [0, 2^64−1]. */
export function sectorNumber(value: unknown, what: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) {
      throw new RangeError(`${what} must be a whole number, got ${value}`);
    }
    if (value < 0) throw new RangeError(`${what} must not be negative, got ${value}`);
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`${what} ${value} is not a safe integer (above 2^53−1): pass it as a bigint`);
    }
    return BigInt(value);
  }
  if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError(`${what} must not be negative, got ${value}`);
    if (value > MAX_SECTOR) throw new RangeError(`${what} must be at most 2^64−1, got ${value}`);
    return value;
  }
  throw new TypeError(`${what} must be a number or a bigint, got ${describe(value)}`);
}

/** `out` for a result of `length` bytes: absent → a new array; `data` itself → in place;
 *  otherwise large enough and not partly overlapping `data` (a partial overlap would let a
 *  later chunk read bytes an earlier chunk already overwrote). */
export function output(out: unknown, data: Uint8Array, what: string): Uint8Array {
  if (out === undefined) return new Uint8Array(data.length);
  const o = bytes(out, `${what}: out`);
  if (o.length < data.length) {
    throw new RangeError(`${what}: out holds ${o.length} bytes but the result needs ${data.length}`);
  }
  if (o.buffer === data.buffer && o.byteOffset !== data.byteOffset) {
    const a = data.byteOffset,
      b = o.byteOffset;
    if (a < b + data.length && b < a + data.length) {
      throw new RangeError(
        `${what}: out partly overlaps data; pass the same array for in-place work or a separate one`,
      );
    }
  }
  return o;
}

export function usable(disposed: boolean, what: string): void {
  if (disposed) throw new Error(`${what}: this object was disposed; create a new one`);
}

/** The checks of a multi-sector XTS call (Xts.encrypt/decrypt and the pool's), in one place so
 *  both give the same errors: data of at least 16 bytes, a partial last sector of at least 16
 *  (ciphertext stealing), sector numbers that stay within 2^64−1, a usable `out`. */
export function sectorCall(
  data: unknown,
  firstSector: unknown,
  out: unknown,
  sectorSize: number,
  what: string,
  tweakStep = 1,
): {
  data: Uint8Array;
  first: bigint;
  out: Uint8Array;
} {
  const d = bytes(data, `${what}: data`);
  const first = sectorNumber(firstSector, `${what}: firstSector`);
  if (d.length < 16) throw new RangeError(`${what}: data must hold at least 16 bytes, got ${d.length}`);
  const partial = d.length % sectorSize;
  if (partial !== 0 && partial < 16) {
    throw new RangeError(
      `${what}: the last sector holds ${partial} bytes; a partial last sector needs at least 16 (ciphertext stealing)`,
    );
  }
  const count = BigInt(Math.ceil(d.length / sectorSize));
  if (first + count - 1n > MAX_SECTOR) {
    throw new RangeError(`${what}: sectors ${first}..${first + count - 1n} pass the last sector number 2^64−1`);
  }
  if ((first + count - 1n) * BigInt(tweakStep) > MAX_SECTOR) {
    throw new RangeError(
      `${what}: sector ${first + count - 1n} counted in 512-byte units (× ${tweakStep}) passes the last tweak value 2^64−1`,
    );
  }
  return { data: d, first, out: output(out, d, what) };
}
