// The test suite's own assertions, one of each: byte arrays compared with a hex diff of the 16-byte
// row where they first differ, an awaited rejection of a named type with a pinned message, and a
// synchronous throw that must leave its inputs untouched. Every runtime imports these (no I/O).
import * as assert from 'uvu/assert';
import { bytesToHex } from './hex.js';

const suffix = (context) => (context ? ` ${context}` : '');

/** `actual` must be a Uint8Array equal to `expected`; on a difference the message shows the
 *  16-byte row around the first differing byte in hex, and `context` (seed, runtime). */
export function assertBytes(actual, expected, what = 'bytes', context = '') {
  if (!(actual instanceof Uint8Array)) assert.unreachable(`${what}: result is not a Uint8Array${suffix(context)}`);
  if (actual.length !== expected.length) {
    assert.unreachable(`${what}: length ${actual.length}, expected ${expected.length}${suffix(context)}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      const lo = i & ~15;
      assert.unreachable(
        `${what}: first difference at byte ${i}: got ${bytesToHex(actual.subarray(lo, lo + 16))}, ` +
          `expected ${bytesToHex(expected.subarray(lo, lo + 16))}${suffix(context)}`,
      );
    }
  }
}

/** Every byte of `u8` must be `value`. */
export function assertAll(u8, value, what = 'bytes', context = '') {
  for (let i = 0; i < u8.length; i++) {
    if (u8[i] !== value) assert.unreachable(`${what}: byte ${i} is ${u8[i]}, expected ${value}${suffix(context)}`);
  }
}

/** The two byte assertions bound to a context function (e.g. `() => '[seed 42, node]'`). */
export function byteAssertions(where) {
  return {
    assertBytes: (actual, expected, what) => assertBytes(actual, expected, what, where()),
    assertAll: (u8, value, what) => assertAll(u8, value, what, where()),
  };
}

const BUILT_IN = new Set([Error, TypeError, RangeError, SyntaxError]);

function checkError(error, check, pattern, where) {
  if (typeof check === 'string') {
    assert.ok(error instanceof Error, `${where}expected an Error named ${check}, got ${String(error)}`);
    assert.is(error.name, check, `${where}expected ${check}, got ${error.name}: ${error.message}`);
  } else if (typeof check === 'function') {
    assert.ok(error instanceof check, `${where}expected ${check.name}, got ${error?.name}: ${error?.message}`);
    // The project's own error classes say who they are: `name` is the class name.
    if (!BUILT_IN.has(check)) assert.is(error.name, check.name, `${where}error name`);
    // A plain Error is asked for: a TypeError/RangeError would be a different rule's error.
    if (check === Error) {
      assert.not.instance(error, TypeError, `${where}expected a plain Error, got TypeError: ${error.message}`);
      assert.not.instance(error, RangeError, `${where}expected a plain Error, got RangeError: ${error.message}`);
    }
  }
  if (pattern)
    assert.match(error.message, pattern, `${where}message ${JSON.stringify(error.message)} does not match ${pattern}`);
}

/** Awaits `promise`, which must reject with `check` (a class, or an error name) and a message
 *  matching `pattern` if given; `label` names the case in failure messages. Returns the error. */
export async function rejects(promise, check, pattern, label = '') {
  let error;
  let rejected = false;
  try {
    await promise;
  } catch (e) {
    error = e;
    rejected = true;
  }
  const where = label ? `${label}: ` : '';
  const name = typeof check === 'string' ? check : (check?.name ?? 'a rejection');
  if (!rejected)
    assert.unreachable(`${where}expected ${name}${pattern ? ` matching ${pattern}` : ''}, but the call succeeded`);
  checkError(error, check, pattern, where);
  return error;
}

/** `fn()` must throw `check` (a class, or an error name) with a message matching `pattern`. */
export function throws(fn, check, pattern, label = '') {
  let error;
  let threw = false;
  try {
    fn();
  } catch (e) {
    error = e;
    threw = true;
  }
  const where = label ? `${label}: ` : '';
  if (!threw) assert.unreachable(`${where}expected a throw`);
  checkError(error, check, pattern, where);
  return error;
}

/** The bytes behind any view, buffer or Array (for before/after comparisons). */
export function viewOf(o) {
  if (ArrayBuffer.isView(o)) return new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
  if (o instanceof ArrayBuffer) return new Uint8Array(o);
  if (Array.isArray(o)) return Uint8Array.from(o);
  return new Uint8Array(0);
}

/** Whether two byte arrays are equal (for `assert.not.ok(sameBytes(…))`; use assertBytes for equality). */
export function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `call()` must throw an instance of `ctors` (a class or an array of classes) whose message
 *  matches `re`, and leave every buffer in `watch` (outs, in-place data) unchanged. */
export function throwsLeaving(what, ctors, re, call, watch = [], context = '') {
  const list = Array.isArray(ctors) ? ctors : [ctors];
  const before = watch.map((o) => viewOf(o).slice());
  let err;
  let result;
  try {
    result = call();
  } catch (e) {
    err = e;
  }
  if (!err) assert.unreachable(`${what}: did not throw (returned ${result?.length} bytes)${suffix(context)}`);
  assert.ok(
    list.some((C) => err instanceof C),
    `${what}: expected ${list.map((C) => C.name).join(' or ')}, got ${err?.name}: ${err?.message}${suffix(context)}`,
  );
  if (re) assert.ok(re.test(err.message), `${what}: message ${JSON.stringify(err.message)} does not match ${re}`);
  watch.forEach((o, i) => {
    if (!sameBytes(viewOf(o), before[i])) assert.unreachable(`${what}: a rejected call modified its input`);
  });
  return err;
}
