// AES-GCM (NIST SP 800-38D): authenticated encryption with a 16-byte tag.
//
// seal(nonce, plaintext, aad?) → ciphertext ‖ tag; open(nonce, sealed, aad?) → plaintext, or an
// AuthenticationError with nothing released. A nonce must never repeat under one key: a repeat
// reveals the XOR of the two plaintexts and lets an attacker forge tags. 12-byte nonces are the
// normal case (J0 = nonce ‖ 00000001); other lengths (1 byte or more) are hashed (SP 800-38D
// §7.1), which is allowed but makes random nonces collide sooner: prefer 12 bytes.
//
// open verifies before it decrypts: GHASH runs over the ciphertext first, the tag is compared
// in constant time inside the wasm, and only then is the keystream applied. A sealed input that
// fits in the I/O window is copied in once; a larger one is read twice (hash, then decrypt).

import { usable } from './checks.js';
import { bytes } from '../utils/bytes.js';
import type { Core } from './core.js';
import { AuthenticationError } from './errors.js';

/** SP 800-38D: at most 2^39 − 256 bits of plaintext. */
export const GCM_MAX_BYTES = 2 ** 36 - 32;
export const GCM_TAG_BYTES = 16;

export class Gcm {
  private readonly slot: number;
  private disposed = false;

  /** @internal — use engine.gcm(key). */
  constructor(private readonly core: Core, key: unknown) {
    const k = bytes(key, 'gcm: key');
    if (k.length !== 16 && k.length !== 24 && k.length !== 32) {
      throw new RangeError(`gcm: key must be 16, 24 or 32 bytes (AES-128, AES-192, AES-256), got ${k.length}`);
    }
    this.slot = core.aesKey(k);
    try {
      core.wasm.gcmInit(this.slot);
    } finally {
      core.wipe(0); // the cipher's scratch held E_K(0) = H
    }
  }

  /** Encrypts and authenticates: returns ciphertext ‖ 16-byte tag (a new array). */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    const what = 'gcm.seal';
    usable(this.disposed, what);
    const n = checkNonce(nonce, what);
    const p = bytes(plaintext, `${what}: plaintext`);
    const a = checkAad(aad, what);
    if (p.length > GCM_MAX_BYTES) {
      throw new RangeError(`${what}: plaintext must be at most 2^36 − 32 bytes (SP 800-38D), got ${p.length}`);
    }
    const core = this.core;
    const w = core.wasm;
    const out = new Uint8Array(p.length + GCM_TAG_BYTES);
    let used = 0;
    try {
      used = this.begin(n, a);
      const mem = core.bytes();
      for (let offset = 0; offset < p.length; offset += core.ioBytes) {
        const len = Math.min(core.ioBytes, p.length - offset);
        used = Math.max(used, len);
        mem.set(p.subarray(offset, offset + len), core.io);
        w.gcmEncrypt(this.slot, core.io, len);
        out.set(mem.subarray(core.io, core.io + len), offset);
      }
      w.ghashLengths(this.slot, a.length, p.length);
      used = Math.max(used, GCM_TAG_BYTES);
      w.gcmTag(core.io);
      out.set(mem.subarray(core.io, core.io + GCM_TAG_BYTES), p.length);
    } finally {
      core.wipe(used);
    }
    return out;
  }

  /** Verifies and decrypts ciphertext ‖ tag: returns the plaintext (a new array), or throws an
   *  AuthenticationError (name 'AuthenticationError') and releases nothing. */
  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    const what = 'gcm.open';
    usable(this.disposed, what);
    const n = checkNonce(nonce, what);
    const s = bytes(sealed, `${what}: sealed`);
    const a = checkAad(aad, what);
    if (s.length < GCM_TAG_BYTES) {
      throw new RangeError(`${what}: sealed must hold at least the 16-byte tag, got ${s.length} bytes`);
    }
    const ctLen = s.length - GCM_TAG_BYTES;
    if (ctLen > GCM_MAX_BYTES) {
      throw new RangeError(`${what}: ciphertext must be at most 2^36 − 32 bytes (SP 800-38D), got ${ctLen}`);
    }
    const core = this.core;
    const w = core.wasm;
    let used = 0;
    try {
      used = this.begin(n, a);
      const mem = core.bytes();
      if (s.length <= core.ioBytes) {
        // One copy in: hash the ciphertext, check the tag behind it, then decrypt in place.
        used = Math.max(used, s.length);
        mem.set(s, core.io);
        w.ghashUpdate(this.slot, core.io, ctLen);
        w.ghashLengths(this.slot, a.length, ctLen);
        if (w.gcmVerify(core.io + ctLen) !== 1) throw authFailed();
        w.gcmCtr(this.slot, core.io, ctLen);
        return mem.slice(core.io, core.io + ctLen);
      }
      // Larger: pass 1 hashes all the ciphertext, pass 2 decrypts it.
      used = Math.max(used, this.absorb(s.subarray(0, ctLen)));
      w.ghashLengths(this.slot, a.length, ctLen);
      mem.set(s.subarray(ctLen), core.io);
      if (w.gcmVerify(core.io) !== 1) throw authFailed();
      const out = new Uint8Array(ctLen);
      for (let offset = 0; offset < ctLen; offset += core.ioBytes) {
        const len = Math.min(core.ioBytes, ctLen - offset);
        mem.set(s.subarray(offset, offset + len), core.io);
        w.gcmCtr(this.slot, core.io, len);
        out.set(mem.subarray(core.io, core.io + len), offset);
      }
      return out;
    } finally {
      core.wipe(used);
    }
  }

  /** Zeroes the key schedule and the GHASH key powers; later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.releaseKey(this.slot);
  }

  /** J0 from the nonce, counter, E_K(J0), then the AAD into GHASH. Returns window bytes used. */
  private begin(nonce: Uint8Array, aad: Uint8Array): number {
    const core = this.core;
    const w = core.wasm;
    let used = 0;
    if (nonce.length === 12) {
      const mem = core.bytes();
      const j0 = w.gcmJ0Input();
      mem.set(nonce, j0);
      mem[j0 + 12] = 0;
      mem[j0 + 13] = 0;
      mem[j0 + 14] = 0;
      mem[j0 + 15] = 1;
      w.gcmStart(this.slot, 0);
    } else {
      w.ghashReset();
      used = this.absorb(nonce);
      w.ghashLengths(this.slot, 0, nonce.length);
      w.gcmStart(this.slot, 1);
    }
    return Math.max(used, this.absorb(aad));
  }

  /** Feeds `data` to GHASH through the window; returns the most window bytes used. */
  private absorb(data: Uint8Array): number {
    const core = this.core;
    const mem = core.bytes();
    let used = 0;
    for (let offset = 0; offset < data.length; offset += core.ioBytes) {
      const len = Math.min(core.ioBytes, data.length - offset);
      used = Math.max(used, len);
      mem.set(data.subarray(offset, offset + len), core.io);
      core.wasm.ghashUpdate(this.slot, core.io, len);
    }
    return used;
  }
}

function authFailed(): AuthenticationError {
  return new AuthenticationError('gcm.open: authentication failed (wrong key, nonce or AAD, or modified ciphertext or tag); no plaintext released');
}

function checkNonce(nonce: unknown, what: string): Uint8Array {
  const n = bytes(nonce, `${what}: nonce`);
  if (n.length === 0) throw new RangeError(`${what}: nonce must be at least 1 byte (SP 800-38D); 12 bytes is the normal length`);
  return n;
}

const EMPTY = new Uint8Array(0);

function checkAad(aad: unknown, what: string): Uint8Array {
  if (aad === undefined) return EMPTY;
  return bytes(aad, `${what}: aad`);
}
