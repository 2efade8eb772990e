// AES key wrap: KW (RFC 3394 / NIST SP 800-38F, default IV A6A6A6A6A6A6A6A6) and KWP (RFC 5649,
// for key data of any length). Deterministic authenticated encryption for keys: a wrong KEK or a
// modified wrapped key fails the integrity check (AuthenticationError) and releases nothing.
// Each wrap step is one dependent AES block, so this is for keys, not bulk data; the whole
// input must fit the engine's I/O window (at most 131064 bytes of key data).

import { usable } from './checks.js';
import { bytes } from '../utils/bytes.js';
import { aesKeyOfAnySize, type Core, type IoWindow } from './core.js';
import { AuthenticationError } from './errors.js';

export class KeyWrap {
  private readonly slot: number;
  private disposed = false;

  /** @internal — use engine.keyWrap(kek). */
  constructor(
    private readonly core: Core,
    kek: unknown,
  ) {
    this.slot = core.aesKey(aesKeyOfAnySize(kek, 'keyWrap: kek'));
  }

  /** RFC 3394 wrap: key data of 16 bytes or more, a multiple of 8; returns 8 bytes more. */
  wrap(keyData: Uint8Array): Uint8Array {
    const what = 'keyWrap.wrap';
    usable(this.disposed, what);
    const d = bytes(keyData, `${what}: keyData`);
    if (d.length < 16 || d.length % 8 !== 0) {
      throw new RangeError(
        `${what}: key data must be a multiple of 8 bytes and at least 16 (RFC 3394), got ${d.length}; use wrapPad for other lengths`,
      );
    }
    const used = d.length + 8;
    return this.throughWindow(what, d, 8, used, (window) => {
      this.core.wasm.kwWrap(this.slot, window.io, d.length / 8);
      return window.slice(0, used);
    });
  }

  /** RFC 3394 unwrap: returns the key data, or throws an AuthenticationError. */
  unwrap(wrapped: Uint8Array): Uint8Array {
    const what = 'keyWrap.unwrap';
    usable(this.disposed, what);
    const w = bytes(wrapped, `${what}: wrapped`);
    if (w.length < 24 || w.length % 8 !== 0) {
      throw new RangeError(
        `${what}: a wrapped key must be a multiple of 8 bytes and at least 24 (RFC 3394), got ${w.length}`,
      );
    }
    return this.throughWindow(what, w, 0, w.length, (window) => {
      if (this.core.wasm.kwUnwrap(this.slot, window.io, w.length / 8 - 1) !== 1) throw failed(what);
      return window.slice(8, w.length - 8);
    });
  }

  /** RFC 5649 wrap: key data of 1 byte or more; returns ⌈length/8⌉·8 + 8 bytes. */
  wrapPad(keyData: Uint8Array): Uint8Array {
    const what = 'keyWrap.wrapPad';
    usable(this.disposed, what);
    const d = bytes(keyData, `${what}: keyData`);
    if (d.length === 0) throw new RangeError(`${what}: key data must not be empty (RFC 5649: 1 byte or more)`);
    const used = Math.ceil(d.length / 8) * 8 + 8;
    return this.throughWindow(what, d, 8, used, (window) => {
      this.core.wasm.kwpWrap(this.slot, window.io, d.length);
      return window.slice(0, used);
    });
  }

  /** RFC 5649 unwrap: returns the key data, or throws an AuthenticationError. */
  unwrapPad(wrapped: Uint8Array): Uint8Array {
    const what = 'keyWrap.unwrapPad';
    usable(this.disposed, what);
    const w = bytes(wrapped, `${what}: wrapped`);
    if (w.length < 16 || w.length % 8 !== 0) {
      throw new RangeError(
        `${what}: a wrapped key must be a multiple of 8 bytes and at least 16 (RFC 5649), got ${w.length}`,
      );
    }
    return this.throughWindow(what, w, 0, w.length, (window) => {
      const len = this.core.wasm.kwpUnwrap(this.slot, window.io, w.length / 8 - 1);
      if (len < 0) throw failed(what);
      return window.slice(8, len);
    });
  }

  /** Zeroes the KEK's key schedule; later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.releaseKey(this.slot);
  }

  /** Checks that `used` bytes fit the I/O window, copies `input` into it at `offset`, marks the
   *  `used` bytes as the wasm's output area, and runs `step` inside `Core.throughWindow`, which
   *  wipes the window and the scratch areas whatever happens (the window held key material). */
  private throughWindow<T>(
    what: string,
    input: Uint8Array,
    offset: number,
    used: number,
    step: (window: IoWindow) => T,
  ): T {
    this.fits(used, what);
    return this.core.throughWindow((window) => {
      window.claim(used);
      window.put(input, offset);
      return step(window);
    });
  }

  private fits(total: number, what: string): void {
    if (total > this.core.ioBytes) {
      throw new RangeError(
        `${what}: at most ${this.core.ioBytes - 8} bytes of key data are supported (the engine's I/O window), got ${total - 8}`,
      );
    }
  }
}

function failed(what: string): AuthenticationError {
  return new AuthenticationError(
    `${what}: integrity check failed (wrong KEK or modified wrapped key); nothing released`,
  );
}
