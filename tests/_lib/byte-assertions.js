// Byte-array assertions with messages that show where two arrays first differ (the 16-byte row
// around it, in hex) and the context of the run (seed, runtime) that `where()` returns.
import * as assert from 'uvu/assert';
import { bytesToHex } from './hex.js';

export function byteAssertions(where) {
  function assertBytes(actual, expected, what) {
    if (!(actual instanceof Uint8Array)) assert.unreachable(`${what}: result is not a Uint8Array ${where()}`);
    if (actual.length !== expected.length) {
      assert.unreachable(`${what}: length ${actual.length}, expected ${expected.length} ${where()}`);
    }
    for (let i = 0; i < actual.length; i++) {
      if (actual[i] !== expected[i]) {
        const lo = i & ~15;
        assert.unreachable(
          `${what}: first difference at byte ${i}: got ${bytesToHex(actual.subarray(lo, lo + 16))}, ` +
            `expected ${bytesToHex(expected.subarray(lo, lo + 16))} ${where()}`,
        );
      }
    }
  }
  function assertAll(u8, value, what) {
    for (let i = 0; i < u8.length; i++) {
      if (u8[i] !== value) assert.unreachable(`${what}: byte ${i} is ${u8[i]}, expected ${value} ${where()}`);
    }
  }
  return { assertBytes, assertAll };
}
