// One wasm instance and the bookkeeping around it: key slots, the I/O window, wiping.
// The engine's objects (Aes, Xts, Gcm, KeyWrap) share a core; every call runs to completion
// synchronously, so the single I/O window and scratch areas are never used by two calls at once.
//
// Data reaches the wasm only through `Core.throughWindow`: the call's pieces are copied into
// the window, run, copied out, and the most bytes of the window the call touched (its
// high-water mark) are zeroed together with every scratch area when the call ends, whether it
// returns or throws. That one method is where "the window is wiped after every call" holds.

import { bytes } from '../utils/bytes.js';
import type { EngineExports } from './wasm.js';

const PAGE = 65536;

/** The key rule of Gcm and KeyWrap: an AES key of any standard size. `what` names the argument
 *  ('gcm: key'). */
export function aesKeyOfAnySize(value: unknown, what: string): Uint8Array {
  const k = bytes(value, what);
  if (k.length !== 16 && k.length !== 24 && k.length !== 32) {
    throw new RangeError(`${what} must be 16, 24 or 32 bytes (AES-128, AES-192, AES-256), got ${k.length}`);
  }
  return k;
}

export class Core {
  readonly io: number;
  readonly ioBytes: number;
  private readonly slotArea: number;
  private readonly slotBytes: number;
  private nextSlot = 0;
  private readonly freeSlots: number[] = [];

  constructor(readonly wasm: EngineExports) {
    this.io = wasm.ioBuffer();
    this.ioBytes = wasm.ioBytes();
    this.slotArea = wasm.slotArea();
    this.slotBytes = wasm.slotBytes();
  }

  /** A fresh view: growing memory detaches earlier ones. */
  bytes(): Uint8Array {
    return new Uint8Array(this.wasm.memory.buffer);
  }

  /** Expands `key` (16 or 32 bytes) into a free slot and returns the slot's address. */
  aesKey(key: Uint8Array): number {
    const slot = this.allocateSlot();
    this.bytes().set(key, this.wasm.keyInput());
    this.wasm.aesSetKey(slot, key.length); // wipes the key input area
    return slot;
  }

  releaseKey(slot: number): void {
    this.wasm.wipeSlot(slot);
    this.freeSlots.push(slot);
  }

  /** Writes a tweak value (sector number) as a 128-bit little-endian integer. */
  setTweakValue(value: bigint): void {
    const view = new DataView(this.wasm.memory.buffer, this.wasm.tweakInput(), 16);
    view.setBigUint64(0, value & 0xffffffffffffffffn, true);
    view.setBigUint64(8, value >> 64n, true);
  }

  setTweakBytes(tweak: Uint8Array): void {
    this.bytes().set(tweak, this.wasm.tweakInput());
  }

  /** Runs `body` with the I/O window, then zeroes the bytes of the window it used and every
   *  scratch area, whatever happens (the window and scratch held plaintext or key material). */
  throughWindow<T>(body: (window: IoWindow) => T): T {
    const window = new IoWindow(this);
    try {
      return body(window);
    } finally {
      this.wipe(window.used);
    }
  }

  /** Zeroes the first `used` bytes of the I/O window and every scratch area. */
  private wipe(used: number): void {
    this.bytes().fill(0, this.io, this.io + used);
    this.wasm.wipeScratch();
  }

  private allocateSlot(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    const slot = this.slotArea + this.nextSlot * this.slotBytes;
    const end = slot + this.slotBytes;
    const memory = this.wasm.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    this.nextSlot++;
    return slot;
  }
}

/** One call's use of the I/O window: copies in and out and remembers the most bytes used. */
export class IoWindow {
  /** The high-water mark: bytes from the window's start that may hold call data. */
  used = 0;
  readonly io: number;
  readonly ioBytes: number;

  constructor(private readonly core: Core) {
    this.io = core.io;
    this.ioBytes = core.ioBytes;
  }

  /** Marks the first `bytes` of the window as used (for output the wasm writes there). */
  claim(bytes: number): void {
    if (bytes > this.used) this.used = bytes;
  }

  /** Copies `input` into the window at byte `at` and returns the window's address. */
  put(input: Uint8Array, at = 0): number {
    this.claim(at + input.length);
    this.core.bytes().set(input, this.io + at);
    return this.io;
  }

  /** Copies `length` bytes from the window's byte `at` into out[outAt…]. */
  take(out: Uint8Array, outAt: number, length: number, at = 0): void {
    this.claim(at + length);
    out.set(this.core.bytes().subarray(this.io + at, this.io + at + length), outAt);
  }

  /** A copy of `length` window bytes from byte `at`. */
  slice(at: number, length: number): Uint8Array {
    this.claim(at + length);
    return this.core.bytes().slice(this.io + at, this.io + at + length);
  }

  /** One piece: input[offset, offset + length) into the window, `run(io, length)`, and, when
   *  `out` is given, the window back out to out[offset…]. */
  piece(
    input: Uint8Array,
    offset: number,
    length: number,
    run: (io: number, length: number) => void,
    out?: Uint8Array,
  ): void {
    this.put(input.subarray(offset, offset + length));
    run(this.io, length);
    if (out) this.take(out, offset, length);
  }

  /** All of `input` in pieces of at most `chunk` bytes (the last may be shorter), each through
   *  `piece`; `run` also receives the piece's offset in `input`. */
  pass(
    input: Uint8Array,
    chunk: number,
    run: (io: number, length: number, offset: number) => void,
    out?: Uint8Array,
  ): void {
    for (let offset = 0; offset < input.length; offset += chunk) {
      const length = Math.min(chunk, input.length - offset);
      this.piece(input, offset, length, (io, n) => run(io, n, offset), out);
    }
  }
}
