// Small byte helpers of the envelope layer: randomness, constant-time comparison, and checks
// of byte counts given as number or bigint.

/** Fresh random bytes from the platform CSPRNG (crypto.getRandomValues, in every runtime). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
  return out;
}

/** Equality in time that depends only on the lengths: a MAC check must not tell an attacker
 *  how many leading bytes of a forged tag were right. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
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
