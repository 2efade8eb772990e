// Encryption context: the non-secret string pairs bound to a ciphertext as GCM additional data.
//
// The encoding must be unambiguous, or two different contexts would authenticate the same
// ciphertext. moto and local-kms concatenate sorted key‖value with no separators, so
// {ab:'c'} and {a:'bc'} collide there; here every string is length-prefixed. Pairs are sorted by
// the UTF-8 bytes of their keys, not by JavaScript's UTF-16 order (the AWS Encryption SDK had a
// cross-language bug from sorting by UTF-16), so pair order in the request never matters.
//
//   u32 BE pair count ‖ for each pair: u32 BE len(key) ‖ key ‖ u32 BE len(value) ‖ value

import { ValidationException } from './errors.js';
import type { EncryptionContext } from './types.js';
import { compareBytes } from '../utils/bytes.js';

const utf8 = new TextEncoder();

/**
 * The most UTF-8 bytes of keys and values one encryption context may hold. AWS's API reference
 * publishes no number for request contexts (only for grant constraints: 8 pairs, values of at
 * most 384 characters, see grants.ts); 8192 is the size AWS uses for its other free-text request
 * fields (Description, GrantToken). Without a bound a caller could make every call, refused or
 * not, copy megabytes into the audit log.
 */
export const MAX_CONTEXT_BYTES = 8192;

/** A lone UTF-16 surrogate: UTF-8 cannot encode it (TextEncoder would write U+FFFD, so two
 *  different contexts would authenticate the same ciphertext). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Adds the pair k=v to `context` as an own data property, whatever `k` is. `out[k] = v` with
 * k = "__proto__" would set the object's prototype instead (a string is ignored there), so the
 * pair would vanish: it would bind nothing in the ciphertext and escape every constraint or
 * policy check on the context. Keys arrive from untrusted JSON, CLI arguments and headers.
 */
export function definePair(context: Record<string, string>, k: string, v: string): void {
  Object.defineProperty(context, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Checks that `value` is a plain string→string record and returns a copy (undefined → {}). */
export function checkEncryptionContext(value: unknown, field: string): EncryptionContext {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new ValidationException(`${field} must be an object of string keys and string values`);
  }
  const out: EncryptionContext = {};
  let bytes = 0;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k.length === 0) throw new ValidationException(`${field}: keys must not be empty`);
    const name = JSON.stringify(k.length > 64 ? `${k.slice(0, 64)}…` : k);
    if (typeof v !== 'string') {
      throw new ValidationException(`${field}[${name}] must be a string, got ${typeof v}`);
    }
    // A UTF-16 length over the limit is over it in UTF-8 too: refuse before encoding megabytes.
    bytes +=
      k.length + v.length <= MAX_CONTEXT_BYTES ? utf8.encode(k).length + utf8.encode(v).length : MAX_CONTEXT_BYTES + 1;
    if (bytes > MAX_CONTEXT_BYTES) {
      throw new ValidationException(
        `${field}: the keys and values of an encryption context may hold at most ${MAX_CONTEXT_BYTES} bytes of UTF-8 in all`,
      );
    }
    if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) {
      throw new ValidationException(
        `${field}[${name}]: keys and values must be well-formed Unicode (a lone UTF-16 surrogate has no UTF-8 form)`,
      );
    }
    definePair(out, k, v);
  }
  return out;
}

/** The canonical bytes of a context: equal contexts (in any pair order) give equal bytes. */
export function encodeEncryptionContext(context: EncryptionContext): Uint8Array {
  const pairs = Object.entries(context)
    .map(([k, v]) => [utf8.encode(k), utf8.encode(v)] as const)
    .sort((a, b) => compareBytes(a[0], b[0]));
  let length = 4;
  for (const [k, v] of pairs) length += 8 + k.length + v.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, pairs.length);
  let offset = 4;
  for (const part of pairs.flat()) {
    view.setUint32(offset, part.length);
    out.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}
