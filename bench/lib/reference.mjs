// Node side of the cross-runtime engine rows: picks a key and a buffer seed and computes, with
// node:crypto's OpenSSL aes-256-xts, the SHA-256 of the ciphertext every runtime must reproduce.
import { createHash, randomBytes } from 'node:crypto';
import { MiB, hex, prngBytes } from './measure.mjs';
import { NodeXts } from './node-xts.mjs';

export function randomXtsKey() {
  for (;;) {
    const k = new Uint8Array(randomBytes(64));
    if (Buffer.compare(Buffer.from(k.subarray(0, 32)), Buffer.from(k.subarray(32))) !== 0) return k;
  }
}

export function engineRowsParams({
  quick = false,
  key = randomXtsKey(),
  seed = randomBytes(4).readUInt32LE(0) | 1,
} = {}) {
  const bytes = quick ? 1 * MiB : 8 * MiB;
  const sectorSize = 4096;
  const first = 2 ** 32 - 100;
  const data = prngBytes(bytes, seed);
  const ct = new NodeXts(key, sectorSize).encrypt(data, first);
  const expectSha256 = createHash('sha256').update(ct).digest('hex');
  return {
    keyHex: hex(key),
    seed,
    expectSha256,
    bytes,
    sectorSize,
    first,
    time: quick ? 400 : 2000,
    rounds: quick ? 1 : 2,
    warmCalls: quick ? 500 : 3000,
    /** The stream row in Deno and Chromium (stream-rows.mjs): bytes per encryptStream. */
    streamBytes: quick ? 4 * MiB : 64 * MiB,
    streamRounds: quick ? 1 : 3,
  };
}
