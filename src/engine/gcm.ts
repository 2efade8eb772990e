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
import { aesKeyOfAnySize, type Core, type IoWindow } from './core.js';
import { AuthenticationError } from './errors.js';

/** SP 800-38D: at most 2^39 − 256 bits of plaintext. */
export const GCM_MAX_BYTES = 2 ** 36 - 32;
/** The tag length seal appends and open checks (the full 128 bits; SP 800-38D §5.2.1.2). */
export const GCM_TAG_BYTES = 16;
/** The normal nonce length (J0 = nonce ‖ 00000001); the one every format in this library uses. */
export const GCM_NONCE_BYTES = 12;

export class Gcm {
  private readonly slot: number;
  private disposed = false;

  /** @internal — use engine.gcm(key). */
  constructor(
    private readonly core: Core,
    key: unknown,
  ) {
    this.slot = core.aesKey(aesKeyOfAnySize(key, 'gcm: key'));
    core.throughWindow(() => core.wasm.gcmInit(this.slot)); // the cipher's scratch held E_K(0) = H
  }

  /** Encrypts and authenticates: returns ciphertext ‖ 16-byte tag (a new array). */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    const what = 'gcm.seal';
    const [n, p, a] = this.inputs(what, nonce, plaintext, 'plaintext', aad);
    if (p.length > GCM_MAX_BYTES) {
      throw new RangeError(`${what}: plaintext must be at most 2^36 − 32 bytes (SP 800-38D), got ${p.length}`);
    }
    const core = this.core;
    const w = core.wasm;
    const out = new Uint8Array(p.length + GCM_TAG_BYTES);
    core.throughWindow((window) => {
      this.begin(window, n, a);
      window.pass(p, core.ioBytes, (io, len) => w.gcmEncrypt(this.slot, io, len), out);
      w.ghashLengths(this.slot, a.length, p.length);
      window.claim(GCM_TAG_BYTES);
      w.gcmTag(window.io);
      window.take(out, p.length, GCM_TAG_BYTES);
    });
    return out;
  }

  /** Verifies and decrypts ciphertext ‖ tag: returns the plaintext (a new array), or throws an
   *  AuthenticationError (name 'AuthenticationError') and releases nothing. */
  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    const what = 'gcm.open';
    const [n, s, a] = this.inputs(what, nonce, sealed, 'sealed', aad);
    if (s.length < GCM_TAG_BYTES) {
      throw new RangeError(`${what}: sealed must hold at least the 16-byte tag, got ${s.length} bytes`);
    }
    const ctLen = s.length - GCM_TAG_BYTES;
    if (ctLen > GCM_MAX_BYTES) {
      throw new RangeError(`${what}: ciphertext must be at most 2^36 − 32 bytes (SP 800-38D), got ${ctLen}`);
    }
    const core = this.core;
    const w = core.wasm;
    return core.throughWindow((window) => {
      this.begin(window, n, a);
      if (s.length <= core.ioBytes) {
        // One copy in: hash the ciphertext, check the tag behind it, then decrypt in place.
        const io = window.put(s);
        w.ghashUpdate(this.slot, io, ctLen);
        w.ghashLengths(this.slot, a.length, ctLen);
        if (w.gcmVerify(io + ctLen) !== 1) throw authFailed();
        w.gcmCtr(this.slot, io, ctLen);
        return window.slice(0, ctLen);
      }
      // Larger: pass 1 hashes all the ciphertext, pass 2 decrypts it.
      const ct = s.subarray(0, ctLen);
      this.absorb(window, ct);
      w.ghashLengths(this.slot, a.length, ctLen);
      if (w.gcmVerify(window.put(s.subarray(ctLen))) !== 1) throw authFailed();
      const out = new Uint8Array(ctLen);
      window.pass(ct, core.ioBytes, (io, len) => w.gcmCtr(this.slot, io, len), out);
      return out;
    });
  }

  /** Zeroes the key schedule and the GHASH key powers; later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.releaseKey(this.slot);
  }

  /** The checks seal and open share, in the order their errors are reported: usable, nonce,
   *  the data argument (named `dataName`), aad. */
  private inputs(
    what: string,
    nonce: unknown,
    data: unknown,
    dataName: string,
    aad: unknown,
  ): [Uint8Array, Uint8Array, Uint8Array] {
    usable(this.disposed, what);
    const n = checkNonce(nonce, what);
    const d = bytes(data, `${what}: ${dataName}`);
    return [n, d, checkAad(aad, what)];
  }

  /** J0 from the nonce, counter, E_K(J0), then the AAD into GHASH. */
  private begin(window: IoWindow, nonce: Uint8Array, aad: Uint8Array): void {
    const core = this.core;
    const w = core.wasm;
    if (nonce.length === GCM_NONCE_BYTES) {
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
      this.absorb(window, nonce);
      w.ghashLengths(this.slot, 0, nonce.length);
      w.gcmStart(this.slot, 1);
    }
    this.absorb(window, aad);
  }

  /** Feeds `data` to GHASH through the window. */
  private absorb(window: IoWindow, data: Uint8Array): void {
    window.pass(data, this.core.ioBytes, (io, len) => this.core.wasm.ghashUpdate(this.slot, io, len));
  }
}

function authFailed(): AuthenticationError {
  return new AuthenticationError(
    'gcm.open: authentication failed (wrong key, nonce or AAD, or modified ciphertext or tag); no plaintext released',
  );
}

function checkNonce(nonce: unknown, what: string): Uint8Array {
  const n = bytes(nonce, `${what}: nonce`);
  if (n.length === 0)
    throw new RangeError(`${what}: nonce must be at least 1 byte (SP 800-38D); 12 bytes is the normal length`);
  return n;
}

const EMPTY = new Uint8Array(0);

function checkAad(aad: unknown, what: string): Uint8Array {
  if (aad === undefined) return EMPTY;
  return bytes(aad, `${what}: aad`);
}
