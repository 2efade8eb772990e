// Helpers for the LUKS2 tests (portable): the cryptsetup-made fixture images as memory stores,
// the fixtures' plaintext rule (byte assertions come from assert.js, as everywhere).
import { MemoryBlockStore } from '../../dist/index.js';
import { loadVectors } from './vectors.js';

/** The suite's one hex encoder, under the short name the LUKS tests use. */
export { bytesToHex as hex } from './hex.js';

export const fromBase64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** Byte i of every fixture's plaintext (tests/vectors/luks/make-cryptsetup-fixtures.mjs). */
export const fixturePlaintext = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 167 + 13 + (i >> 9)) & 255);

export async function fixtureImages() {
  return (await loadVectors('luks-cryptsetup.json')).images;
}

/** The fixture's detached header and data as fresh memory stores. */
export function fixtureStores(image) {
  const header = new Uint8Array(image.headerBytes);
  for (const [at, page] of image.pages) header.set(fromBase64(page), at);
  return {
    header: new MemoryBlockStore(header),
    data: new MemoryBlockStore(fromBase64(image.data)),
    headerBytes: header,
  };
}

import { sha256 } from '@noble/hashes/sha2.js';

/** Replaces the JSON text of header copies in `bytes` (a whole header) and fixes their
 *  checksums, as a hostile writer would: `copies` is 'both', 'primary' or 'secondary'. */
export function rewriteJson(bytes, text, copies = 'both', hdrSize = 16384) {
  const out = bytes.slice();
  const encoded = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  for (const [name, at] of [
    ['primary', 0],
    ['secondary', hdrSize],
  ]) {
    if (copies !== 'both' && copies !== name) continue;
    const copy = out.subarray(at, at + hdrSize);
    copy.fill(0, 4096);
    copy.set(encoded.subarray(0, hdrSize - 4096), 4096);
    fixChecksum(copy);
  }
  return out;
}

export function fixChecksum(copy) {
  copy.fill(0, 448, 512);
  copy.set(sha256(copy), 448);
}

export function jsonOf(bytes, at = 0, hdrSize = 16384) {
  const area = bytes.subarray(at + 4096, at + hdrSize);
  return JSON.parse(new TextDecoder().decode(area.subarray(0, area.indexOf(0))));
}
