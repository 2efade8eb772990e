// One wasm instance and the bookkeeping around it: key slots, the I/O window, wiping.
// The engine's objects (Xts, Aes) share a core; every call runs to completion synchronously,
// so the single I/O window and scratch areas are never used by two calls at once.

import type { EngineExports } from './wasm.js';

const PAGE = 65536;

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

  /** Zeroes the first `used` bytes of the I/O window and every scratch area. */
  wipe(used: number): void {
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
